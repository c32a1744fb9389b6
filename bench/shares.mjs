#!/usr/bin/env node
// What share of a running app's CPU is ours, from CPU profiles taken in the app under load; the
// same section `npm run bench` writes into BENCHMARKS.md, on its own.
//
// Capacity (bench/run.mjs, bench/toggled.mjs) compares separate processes, or phases seconds apart,
// and a shared machine's noise moves each by more than tracking costs. A profile's shares do not
// compare two moments: the framework and our code are sampled in the same process over the same
// seconds, so a neighbour that slows the core slows both alike and the share stays
// (bench/shares-analysis.mjs says whose a sample is, bench/shares-run.mjs runs and reports).
//
//   node bench/shares.mjs [--frameworks express,koa,fastify,nest] [--variants bare,ours,wrapped; also naive, least]
//                         [--repeats 3] [--warmup 5] [--duration 8] [--interval-us 250] [--connections 50]
//                         [--out BENCHMARKS-SHARES.md | --no-write] [--keep <dir>: the profiles]
//
// `least` is no code of ours: the least tracking and sending any in-process design does
// (bench/least.mjs); `naive` is our adapter into that least sender. Their frames count as ours, so
// their rows say what the least in-process design costs in the same running app.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FRAMEWORKS, variantFits } from './apps.mjs';
import { LOAD_CORE, exited, ipcCaller, measuredCommit, pinProcess, startChild } from './processes.mjs';
import { renderChecks } from './report.mjs';
import { measureShares, renderShares, shareChecks, summarizeShares } from './shares-run.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    frameworks: { type: 'string', default: FRAMEWORKS.join(',') },
    variants: { type: 'string', default: 'bare,ours,wrapped' },
    repeats: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    'interval-us': { type: 'string', default: '250' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string', default: join(root, 'BENCHMARKS-SHARES.md') },
    'no-write': { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);
const frameworks = values.frameworks.split(',').filter(Boolean);
for (const framework of frameworks) if (!FRAMEWORKS.includes(framework)) throw new Error(`--frameworks: unknown "${framework}"`);
// bare first: the capacity of a repeat takes that repeat's bare
const variants = ['bare', ...values.variants.split(',').filter((variant) => variant !== '' && variant !== 'bare')];
const settings = {
  repeats: Math.max(1, Number(values.repeats)),
  warmup: Number(values.warmup),
  duration: Math.max(1, Number(values.duration)),
  intervalUs: Math.max(50, Number(values['interval-us'])),
  connections: Math.max(1, Number(values.connections)),
};
pinProcess(LOAD_CORE);
const pairs = frameworks.flatMap((framework) => variants.filter((variant) => variantFits(framework, variant)).map((variant) => ({ framework, variant })));
const startedAt = new Date();
const { child: apiChild, ready } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const api = { url: ready.url, accessKey: ready.accessKey, call: ipcCaller(apiChild) };
log(`shares: ${pairs.length} apps x ${settings.repeats} repeats, ${settings.warmup} s warm-up + ${settings.duration} s profiled at ${settings.intervalUs} µs`);
let results;
try {
  results = await measureShares({ ...settings, pairs, api, log, keep: values.keep });
} finally {
  apiChild.disconnect();
  await exited(apiChild);
}
const rows = summarizeShares(pairs, results);
const checks = shareChecks(rows);
const markdown = [
  "# Our share of a running app's CPU (profiles)",
  '',
  `Written by \`node bench/shares.mjs\` on ${startedAt.toISOString().slice(0, 10)} at commit ${measuredCommit()}, on ${cpus()[0]?.model.trim() ?? 'unknown'} (${cpus().length} cores), Node ${process.version}, in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s. Loopback only.`,
  '',
  ...renderShares(rows, results, settings),
  ...renderChecks(checks),
].join('\n');
if (values['no-write']) console.log(markdown);
else {
  writeFileSync(values.out, markdown);
  log(`shares: wrote ${values.out}`);
}
for (const check of checks) log(`  ${check.ok === false ? 'MISSED' : check.ok ? 'met   ' : '      '}  ${check.what}: ${check.actual} (wanted ${check.target})`);
