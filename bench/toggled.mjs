#!/usr/bin/env node
// The least in-process bound with the variants side by side in time, not one after another
// (bench/run.mjs), in two ways:
//   processes    every variant in its own app process, all up at once and pinned to the same core
//                (bare twice, for an A/A check); the load moves from one to the next every phase
//   one-process  every variant in one process behind one server that switches between them every
//                phase under one continuous load (bench/toggled-app.mjs); the variants share the JIT
// Phases are 1 s, in a shuffled order per cycle. A neighbour that slows the machine for seconds
// slows every variant of the cycles it spans alike, so the differences paired within a cycle keep
// far less of the machine's noise than separate runs do, where a slow minute falls on one variant.
// With --latency <rate>, each phase is a fixed rate of requests instead of as many as the app
// answers, timed one by one: p99 paired within a cycle (processes mode), for the targets "p99
// within 1 ms of bare" and, with the variant hanging (ours against an API that never answers it,
// while the others' API answers), "p99 within 1 ms of healthy".
// Writes BENCHMARKS-TOGGLED.md. Loopback only; never part of the tests.
//
//   node bench/toggled.mjs [--frameworks express,nest] [--modes processes,one-process]
//                          [--variants bare,bare,empty,extract,naive,ours] [--cycles 60] [--phase-ms 1000] [--settle-ms 150]
//                          [--warmup 5] [--connections 50] [--seed 1] [--replicas 1: processes per variant, processes mode]
//                          [--latency <requests per second>: p99 at that rate, processes mode (variants bare,bare,ours,hanging, say)]
//                          [--baseline <checkout>: for the before and hanging-before variants, our packages as built there]
//                          [--out BENCHMARKS-TOGGLED.md | --no-write] [--phases bench/toggled-phases.json: every phase as measured]
//                          (a latency run's defaults: BENCHMARKS-LATENCY.md, bench/latency-phases.json)
//   node bench/toggled.mjs --from-phases bench/toggled-phases.json [--out ... | --no-write]: renders a saved run again
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { BREAKDOWN_VARIANTS, FRAMEWORKS, HANDLER_FRAMEWORKS, clientBatchSize, useBaseline } from './apps.mjs';
import { BROWSER_HEADERS, cannon, fixedRateLatency } from './http.mjs';
import { APP_CORE, CAN_PIN, LOAD_CORE, ask, exited, ipcCaller, measuredCommit, nextMessage, pinProcess, startChild, stopChild } from './processes.mjs';
import { renderReport, sectionOf } from './toggled-report.mjs';
import { random, shuffled } from './toggled-stats.mjs';

const ALLOWED = ['bare', 'ours', 'hanging', 'before', 'hanging-before', 'wrapped', ...BREAKDOWN_VARIANTS];
const { values } = parseArgs({
  options: {
    frameworks: { type: 'string', default: 'express,nest' },
    modes: { type: 'string', default: 'processes,one-process' },
    variants: { type: 'string', default: 'bare,bare,empty,extract,naive,ours' },
    cycles: { type: 'string', default: '60' },
    'phase-ms': { type: 'string', default: '1000' },
    'settle-ms': { type: 'string', default: '150' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    replicas: { type: 'string', default: '1' },
    latency: { type: 'string', default: '0' },
    baseline: { type: 'string' },
    out: { type: 'string' },
    phases: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'from-phases': { type: 'string' },
  },
});
const log = (line) => process.stderr.write(`${line}\n`);
/** Where a run's report goes unless --out says: a latency run has its own, so it never overwrites the throughput run's. */
const defaultReport = (latency) => fileURLToPath(new URL(latency > 0 ? '../BENCHMARKS-LATENCY.md' : '../BENCHMARKS-TOGGLED.md', import.meta.url));

// Renders a saved run's report again (with this commit's statistics) and measures nothing.
if (values['from-phases'] !== undefined) {
  const raw = JSON.parse(readFileSync(values['from-phases'], 'utf8'));
  const report = renderReport(raw, { rerendered: { date: new Date().toISOString().slice(0, 10), commit: measuredCommit() } });
  const out = values.out ?? defaultReport(raw.settings.latency);
  if (values['no-write']) console.log(report);
  else {
    writeFileSync(out, `${report}\n`);
    log(`toggled: rendered ${values['from-phases']} again into ${out}`);
  }
  process.exit(0);
}
const whole = (name) => {
  const number = Number(values[name]);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name}: expected a whole number >= 0, got "${values[name]}"`);
  return number;
};
const settings = {
  cycles: Math.max(1, whole('cycles')),
  phaseMs: Math.max(100, whole('phase-ms')),
  settleMs: whole('settle-ms'),
  warmupS: whole('warmup'),
  connections: Math.max(1, whole('connections')),
  seed: whole('seed'),
  replicas: Math.max(1, whole('replicas')),
  latency: whole('latency'),
};
const outFile = values.out ?? defaultReport(settings.latency);
const phasesFile = values.phases ?? fileURLToPath(new URL(settings.latency > 0 ? './latency-phases.json' : './toggled-phases.json', import.meta.url));
if (settings.settleMs >= settings.phaseMs) throw new Error('--settle-ms must be shorter than --phase-ms');
const frameworks = values.frameworks.split(',').filter(Boolean);
const MODES = ['processes', 'one-process'];
const modes = values.modes.split(',').filter(Boolean);
for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`--modes: expected some of ${MODES.join(', ')}, got "${mode}"`);
if (modes.includes('one-process')) {
  for (const framework of frameworks) {
    if (!HANDLER_FRAMEWORKS.includes(framework)) throw new Error(`--modes one-process: ${framework} cannot be served that way (only ${HANDLER_FRAMEWORKS.join(', ')})`);
  }
}
const variants = values.variants.split(',').filter(Boolean);
for (const framework of frameworks) {
  if (!FRAMEWORKS.includes(framework)) throw new Error(`--frameworks: expected some of ${FRAMEWORKS.join(', ')}, got "${framework}"`);
}
for (const variant of variants) {
  if (!ALLOWED.includes(variant)) throw new Error(`--variants: expected some of ${ALLOWED.join(', ')}, got "${variant}"`);
}
// In one process every variant delivers to the same API with the same key, so none can meet a
// hanging API on its own; a fixed rate's latency needs the load to move between processes.
if (modes.includes('one-process') && variants.some((variant) => variant.startsWith('hanging'))) throw new Error('--variants hanging: only with --modes processes');
if (modes.includes('one-process') && settings.latency > 0) throw new Error('--latency: only with --modes processes');
if (!variants.includes('bare')) throw new Error('--variants: bare is needed, every difference is taken from it');
// The before variants: our adapter and client as built in another checkout (as in `npm run bench -- --baseline`),
// hanging-before the same against the API that never answers.
if (variants.includes('before') || variants.includes('hanging-before')) {
  if (values.baseline === undefined) throw new Error('--variants before, hanging-before: need --baseline <a checkout with its packages built>');
  const problem = useBaseline(values.baseline);
  if (problem !== undefined) throw new Error(problem);
}

/**
 * One phase: load on one app for `phaseMs`; its CPU time and requests served from `settleMs`
 * after the load started (its connections are open by then) to just before the load stops.
 */
async function phase(app, { phaseMs, settleMs, connections }) {
  // autocannon ends a stopped run at its next sample: every 50 ms, not every second, so the load
  // leaves this app soon after the phase.
  const load = autocannon({ url: app.url, headers: BROWSER_HEADERS, connections, duration: Math.ceil(phaseMs / 1000) + 60, sampleInt: 50 }, () => {});
  const done = new Promise((resolve) => load.once('done', resolve));
  await sleep(settleMs);
  const before = await ask(app.child, 'mark', 'mark');
  const started = performance.now();
  await sleep(phaseMs - settleMs);
  const after = await ask(app.child, 'mark', 'mark');
  const ms = performance.now() - started;
  load.stop();
  await done;
  return { cpuUs: after.cpuUs - before.cpuUs, served: after.served - before.served, ms };
}

/** One latency phase: `latency` requests per second on one app for `phaseMs`, each timed but those issued in the first `settleMs`. */
async function latencyPhase(app, { phaseMs, settleMs, latency }) {
  const before = await ask(app.child, 'mark', 'mark');
  const timed = await fixedRateLatency({ url: app.url, rate: latency, duration: phaseMs / 1000, settleMs });
  const after = await ask(app.child, 'mark', 'mark');
  return { cpuUs: after.cpuUs - before.cpuUs, served: after.served - before.served, p50: timed.p50, p99: timed.p99, count: timed.count, errors: timed.errors };
}

pinProcess(LOAD_CORE);
await clientBatchSize({ inherited: false }); // the naive variant's batch size, handed to the apps in their environment
const { child: apiChild, ready: apiReady } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const api = { call: ipcCaller(apiChild) };
const seconds = modes.length * variants.length * (settings.warmupS + (settings.cycles * settings.phaseMs) / 1000);
log(
  `toggled: ${cpus()[0]?.model ?? 'unknown CPU'}, ${process.version}${CAN_PIN ? '; every app pinned to core 0, load and API to core 1' : ''}; ` +
    `${frameworks.join(', ')}: ${variants.join(', ')}, ${modes.join(' and ')}; about ${Math.round(seconds)} s each`,
);

/** Every variant in its own process on the app core; the load moves between them. Resolves with the phases and what each delivered. */
async function measureProcesses(framework) {
  // apps[slot][replica]: with --replicas above 1, each cycle draws which of a variant's processes
  // serves it, so one process's own luck (its memory layout, say) spreads over the cycles instead
  // of staying with its variant for the whole run.
  const apps = [];
  try {
    for (const variant of variants) {
      const replicas = [];
      for (let replica = 0; replica < settings.replicas; replica++) {
        // The hanging variants' key is one the API never answers; the others' API answers.
        const key = variant === 'hanging' || variant === 'hanging-before' ? apiReady.hangingKey : apiReady.accessKey;
        const { child, ready } = await startChild('app-process.mjs', [framework, variant, apiReady.url, key], { core: APP_CORE });
        replicas.push({ child, url: ready.url });
      }
      apps.push(replicas);
    }
    // Each app warms up on its own first: the JIT needs seconds of load to settle.
    for (const app of apps.flat()) if (settings.warmupS > 0) await cannon({ url: app.url, headers: BROWSER_HEADERS, connections: settings.connections, duration: settings.warmupS });
    const next = random(settings.seed);
    const recorded = [];
    for (let cycle = 0; cycle < settings.cycles; cycle++) {
      for (const slot of shuffled(apps.length, next)) {
        const replica = Math.floor(next() * settings.replicas);
        const app = apps[slot][replica];
        recorded.push({ cycle, slot, replica, ...(await (settings.latency > 0 ? latencyPhase(app, settings) : phase(app, settings))) });
      }
    }
    const delivered = [];
    for (const replicas of apps) {
      let served = 0;
      for (const app of replicas) {
        served += (await stopChild(app.child)).served;
      }
      delivered.push({ served });
    }
    return { recorded, delivered };
  } finally {
    for (const app of apps.flat()) if (app.child.exitCode === null) app.child.kill();
  }
}

/** Every variant in one process behind one server, switched by the process itself under one continuous load. */
async function measureOneProcess(framework) {
  const { child, ready } = await startChild('toggled-app.mjs', [framework, variants.join(','), apiReady.url, apiReady.accessKey], { core: APP_CORE });
  try {
    const seconds = (variants.length * (settings.warmupS * 1000 + settings.cycles * settings.phaseMs)) / 1000;
    const phases = nextMessage(child, 'phases', (seconds + 120) * 1000);
    child.send({ cmd: 'run', ...settings });
    // The load runs past the last phase (timers fire late under load, so the app's clock runs
    // behind): a phase without load would drop its cycle. Requests after the last phase are not counted.
    const load = cannon({ url: ready.url, headers: BROWSER_HEADERS, connections: settings.connections, duration: Math.ceil(seconds * 1.1) + 5 });
    const { phases: recorded } = await phases;
    await load;
    const { variants: delivered } = await stopChild(child);
    return { recorded, delivered };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

const raw = {
  settings,
  variants,
  cpu: cpus()[0]?.model,
  cpuCount: cpus().length,
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
  commit: measuredCommit(),
  phases: {},
  hits: {},
};
try {
  for (const framework of frameworks) {
    for (const mode of modes) {
      await api.call('reset');
      const { recorded, delivered } = mode === 'processes' ? await measureProcesses(framework) : await measureOneProcess(framework);
      const received = await api.call('counts');
      const key = `${framework} ${mode}`;
      raw.phases[key] = recorded;
      const sending = variants.map((variant, slot) => (['naive', 'ours', 'before', 'wrapped'].includes(variant) ? delivered[slot].served : 0)).reduce((a, b) => a + b, 0);
      raw.hits[key] = { received: received.hits, sending };
      log(sectionOf(raw, key).join('\n'));
    }
  }
} finally {
  apiChild.disconnect();
  await exited(apiChild);
}

const report = renderReport(raw);
if (values['no-write']) console.log(report);
else {
  writeFileSync(outFile, `${report}\n`);
  writeFileSync(phasesFile, `${JSON.stringify(raw)}\n`);
  log(`toggled: wrote ${outFile} and ${phasesFile}`);
}
