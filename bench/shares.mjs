#!/usr/bin/env node
// What share of a running app's CPU is ours, from CPU profiles taken in the app under load.
//
// Capacity (bench/run.mjs, bench/toggled.mjs) compares separate processes, or phases seconds apart,
// and a shared machine's noise moves each by more than tracking costs. A profile's shares do not
// compare two moments: the framework and our code are sampled in the same process over the same
// seconds, so a neighbour that slows the core slows both alike and the share stays. So the share of
// the samples that are ours (bench/shares-analysis.mjs: the first frame on the stack that is not
// Node's or V8's belongs to our packages or undici) gives a bound on capacity that this noise does
// not move: bare / ours = 1 - share, at most (the share leaves out the garbage collector and what a
// framework does to call our middleware). Each run is its own process: the app warms up under load,
// then the profiler runs for --duration seconds at --interval-us.
//
//   node bench/shares.mjs [--frameworks express,koa,fastify,nest] [--variants bare,ours,wrapped]
//                         [--repeats 3] [--warmup 5] [--duration 8] [--interval-us 250] [--connections 50]
//                         [--out BENCHMARKS-SHARES.md | --no-write] [--keep <dir>: the profiles]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FRAMEWORKS, variantFits } from './apps.mjs';
import { BROWSER_HEADERS, cannon } from './http.mjs';
import { APP_CORE, CAN_PIN, LOAD_CORE, exited, ipcCaller, nextMessage, pinProcess, startChild } from './processes.mjs';
import { attribute, median } from './shares-analysis.mjs';

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
const variants = values.variants.split(',').filter(Boolean);
for (const framework of frameworks) if (!FRAMEWORKS.includes(framework)) throw new Error(`--frameworks: unknown "${framework}"`);
const repeats = Math.max(1, Number(values.repeats));
const warmup = Number(values.warmup);
const duration = Number(values.duration);
const intervalUs = Math.max(50, Number(values['interval-us']));
const connections = Number(values.connections);
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'pirsch-shares-'));
mkdirSync(dir, { recursive: true });
pinProcess(LOAD_CORE);

const pairs = frameworks.flatMap((framework) => variants.filter((variant) => variantFits(framework, variant)).map((variant) => ({ framework, variant })));
const results = new Map(pairs.map(({ framework, variant }) => [`${framework} ${variant}`, []]));
const startedAt = new Date();
const { child: apiChild, ready: api } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const call = ipcCaller(apiChild);
log(`shares: ${pairs.length} apps x ${repeats} repeats, ${warmup} s warm-up + ${duration} s profiled at ${intervalUs} µs, ${connections} connections${CAN_PIN ? '; app on core 0, load and API on core 1' : ''}`);
try {
  // Repeats outermost, so a slow stretch of the machine falls on every app of one repeat, not on one app's repeats.
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const { framework, variant } of pairs) {
      await call('reset');
      const { child, ready } = await startChild('app-process.mjs', [framework, variant, api.url, api.accessKey], { core: APP_CORE });
      const load = { url: ready.url, connections, headers: BROWSER_HEADERS };
      if (warmup > 0) await cannon({ ...load, duration: warmup });
      const profiling = nextMessage(child, 'profiling');
      child.send({ cmd: 'profile-start', intervalUs });
      await profiling;
      const result = await cannon({ ...load, duration });
      const file = join(dir, `${framework}-${variant}-${repeat}.cpuprofile`);
      const profiled = nextMessage(child, 'profiled');
      child.send({ cmd: 'profile-stop', file });
      await profiled;
      const stopped = nextMessage(child, 'stopped', 120_000);
      child.send({ cmd: 'stop' });
      const app = await stopped;
      await exited(child);
      const counts = await call('counts');
      const shares = attribute(JSON.parse(readFileSync(file, 'utf8')));
      results.get(`${framework} ${variant}`).push({ ...shares, rps: result.requests.average, served: app.served, hits: counts.hits ?? 0 });
      log(
        `  ${repeat}/${repeats} ${`${framework} ${variant}`.padEnd(16)} ${Math.round(result.requests.average).toString().padStart(5)} req/s  ` +
          `ours ${pct(shares.ours)} (track ${pct(shares.phases.track)}, serialise ${pct(shares.phases.serialise)}, post ${pct(shares.phases.post)})  gc ${pct(shares.gc)}  ${shares.busy} busy samples`,
      );
    }
  }
} finally {
  apiChild.disconnect();
  await exited(apiChild);
  if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });
}

function pct(share, digits = 2) {
  return `${(share * 100).toFixed(digits)} %`;
}

/** Capacity targets of issue 15 (bare / ours). */
const TARGETS = { express: 0.93, koa: 0.88, fastify: 0.85, nest: 0.93 };
const range = (list, key) => {
  const values = list.map(key);
  return `${pct(median(values))} (${pct(Math.min(...values))} to ${pct(Math.max(...values))})`;
};
const commit = (() => {
  try {
    const id = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).split('\n').filter((line) => line.trim() !== '' && !/BENCHMARKS/.test(line)).length;
    return changed > 0 ? `${id} plus uncommitted changes to ${changed} files` : id;
  } catch {
    return 'unknown';
  }
})();
const lines = [
  '# Our share of a running app\'s CPU (profiles)',
  '',
  `Written by \`node bench/shares.mjs\` on ${startedAt.toISOString().slice(0, 10)} at commit \`${commit}\`, on ${cpus()[0]?.model.trim() ?? 'unknown'} (${cpus().length} cores), Node ${process.version}. Loopback only.`,
  '',
  `Each app runs in its own process${CAN_PIN ? ' on core 0 (the load generator and the API on core 1)' : ''}, warms up for ${warmup} s under ${connections} connections, then V8's profiler samples it every ${intervalUs} µs for ${duration} s of the same load. ${repeats} repeats, each app in a new process each time, the repeats outermost.`,
  '',
  'A sample is **ours** when the first frame on its stack that is not Node\'s own code or V8\'s belongs to our packages or to undici (only our delivery uses undici in these apps): the code that asked for the work. A socket write undici makes for our POST is ours; one Express makes for its response is Express\'s. Our wrapper in front of Express owns only what it does itself, not the app it calls. The framework and our code are sampled in the same process over the same seconds, so a neighbour that slows the machine slows both alike, and the share keeps far less of the noise that moves capacity measured across processes (BENCHMARKS-RUN-F.md).',
  '',
  '**What the share leaves out**, so it is a lower bound on what tracking costs and 1 − share an upper bound on capacity (bare / ours): the garbage collector (its samples have no stack, and our allocations make part of it), and what a framework does to call our middleware or hook (those are its frames; `empty` in BENCHMARKS.md measures that). For Express\'s `wrapped` (in front, no middleware) only the first applies.',
  '',
  '**Phases:** `serialise` is a sample under the queue\'s `#bodyOf`/`#serialize` (the batch\'s JSON and its UTF-8 bytes), `post` one in undici or in the queue\'s sending (`#sendNext`, the transport\'s `send`), `track` the rest (deciding, extracting, the hit, enqueueing, our listeners).',
  '',
  '| framework | variant | req/s (median) | ours: median (lowest to highest) | track | serialise | post | GC (not attributed) | capacity at most (1 − ours) | target |',
  '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
for (const { framework, variant } of pairs) {
  const list = results.get(`${framework} ${variant}`);
  if (list.length === 0) continue;
  const ours = median(list.map((run) => run.ours));
  const target = variant === 'bare' ? '' : `${TARGETS[framework]}`;
  lines.push(
    `| ${framework} | ${variant} | ${Math.round(median(list.map((run) => run.rps)))} | ${range(list, (run) => run.ours)} | ${pct(median(list.map((run) => run.phases.track)))} | ` +
      `${pct(median(list.map((run) => run.phases.serialise)))} | ${pct(median(list.map((run) => run.phases.post)))} | ${pct(median(list.map((run) => run.gc)))} | ` +
      `${variant === 'bare' ? '' : (1 - ours).toFixed(3)} | ${target} |`,
  );
}
lines.push('', '`bare` runs none of our code: its share shows what the rule attributes to us wrongly (it should be 0).', '');
lines.push('## Our functions with the most samples', '', 'Per app, the median repeat\'s (by share) own list: each sample counted for the nearest function of ours on its stack.', '');
for (const { framework, variant } of pairs) {
  if (variant === 'bare') continue;
  const list = [...results.get(`${framework} ${variant}`)].sort((a, b) => a.ours - b.ours);
  const middle = list[Math.floor(list.length / 2)];
  if (!middle) continue;
  lines.push(`**${framework} ${variant}** (ours ${pct(middle.ours)} of ${middle.busy} busy samples): ${middle.top.map((entry) => `${entry.name} ${pct(entry.share)}`).join(', ')}.`, '');
}
lines.push('## Every run', '', '| framework | variant | repeat | req/s | served | hits received | busy samples | ours | GC |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { framework, variant } of pairs) {
  results.get(`${framework} ${variant}`).forEach((run, index) => {
    lines.push(`| ${framework} | ${variant} | ${index + 1} | ${Math.round(run.rps)} | ${run.served} | ${run.hits} | ${run.busy} | ${pct(run.ours)} | ${pct(run.gc)} |`);
  });
}
const markdown = `${lines.join('\n')}\n`;
if (values['no-write']) console.log(markdown);
else {
  writeFileSync(values.out, markdown);
  log(`shares: wrote ${values.out}`);
}
