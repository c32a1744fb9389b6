#!/usr/bin/env node
// Where does the time go? Runs one app (framework, variant) under autocannon with --cpu-prof and
// prints the functions with the most self time, grouped by where they live.
//
//   node bench/profile.mjs <framework> <variant> [--duration 5] [--connections 50] [--top 25] [--dir /tmp/pirsch-prof]
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BROWSER_HEADERS } from './http.mjs';
import { APP_CORE, LOAD_CORE, exited, ipcCaller, pinProcess, startChild, stopChild } from './processes.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    dir: { type: 'string', default: join(tmpdir(), `pirsch-prof-${process.pid}`) },
  },
});
const [framework = 'koa', variant = 'ours'] = positionals;
mkdirSync(values.dir, { recursive: true });
pinProcess(LOAD_CORE);

const { child: apiChild, ready: api } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const call = ipcCaller(apiChild);
if (variant === 'hanging') await call('hang');
const { child, ready } = await startChild('app-process.mjs', [framework, variant, api.url, api.accessKey], {
  core: APP_CORE,
  execArgv: ['--cpu-prof', `--cpu-prof-dir=${values.dir}`],
});
const result = await autocannon({ url: ready.url, connections: Number(values.connections), duration: Number(values.duration), headers: BROWSER_HEADERS });
const app = await stopChild(child);
apiChild.disconnect();
await exited(apiChild);

const file = readdirSync(values.dir).filter((name) => name.endsWith('.cpuprofile')).sort().at(-1);
const profile = JSON.parse(readFileSync(join(values.dir, file), 'utf8'));
const interval = (profile.endTime - profile.startTime) / profile.samples.length;
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);

/** Where a function lives: our packages, a framework, Node itself, or V8 (GC, idle, program). */
const area = (url) => {
  if (!url) return 'v8/native';
  if (url.includes('/packages/core/')) return '@pirsch-node/core';
  if (/\/packages\/(express|koa|fastify|nest)\//.test(url)) return 'adapter';
  if (url.startsWith('node:')) return 'node';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  return match ? match[1] : url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
};
const byFunction = new Map();
const byArea = new Map();
let total = 0;
for (const node of profile.nodes) {
  const samples = selfSamples.get(node.id) ?? 0;
  if (samples === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = area(url);
  const key = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + samples);
  byArea.set(where, (byArea.get(where) ?? 0) + samples);
  total += samples;
}
const ms = (samples) => `${((samples * interval) / 1000).toFixed(0).padStart(6)} ms ${((samples / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${framework} ${variant}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, served ${app.served}`);
console.log(`profile ${join(values.dir, file)} (${profile.samples.length} samples)\n\nself time by area:`);
for (const [where, samples] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms(samples)}  ${where}`);
console.log('\nself time by function:');
for (const [key, samples] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${ms(samples)}  ${key}`);
