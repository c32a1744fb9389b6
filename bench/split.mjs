#!/usr/bin/env node
// Capacity from one profile of two copies of the same app in one process (bench/split-app.mjs):
// bare and a variant take the requests in turn, and each sample of V8's profiler is the bare
// copy's framework, the variant copy's framework, ours, or common to both (see capacityFromSplit in
// bench/shares-analysis.mjs). Unlike capacity across processes (bench/run.mjs) both are measured in
// the same milliseconds, so the machine's noise falls on both; unlike the shares of separate
// profiles (bench/shares.mjs), what the framework does for our middleware counts against us.
// Each repeat also measures the floor (bench/micro.mjs), and the report sets against it what the
// variant adds to a tracked request and our own CPU per request, for the target of 1.5 x floor.
// Writes BENCHMARKS-SPLIT.md. Loopback only.
//
//   node bench/split.mjs [--frameworks express,koa,fastify] [--variants bare,ours,wrapped,least,least-wrapped] [--repeats 3]
//                        [--warmup 5] [--duration 8] [--interval-us 250] [--connections 50]
//                        [--out BENCHMARKS-SPLIT.md | --no-write] [--keep <dir>: the profiles] [--results <file>: every run, as JSON]
//   node bench/split.mjs --from-results <file> [--out ... | --no-write]: renders a saved run again
//   node bench/split.mjs --no-inlining [...]: the apps run without V8's inlining, which the profiler
//   cannot see through (an inlined function's samples are its caller's); writes BENCHMARKS-SPLIT-NO-INLINING.md
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPLIT_FRAMEWORKS, variantFits } from './apps.mjs';
import { BROWSER_HEADERS, cannon } from './http.mjs';
import { APP_CORE, CAN_PIN, ask, runMicro, startChild, stopChild } from './processes.mjs';
import { profileCommandLine, runProfileTool, savedRun } from './profile-cli.mjs';
import { TARGETS, floorPerHitUs, median } from './report.mjs';
import { attribute, capacityFromSplit, capacityWithCommonExcess, commonPerRequest } from './shares-analysis.mjs';
import { pct } from './shares-run.mjs';

/** What each variant is, in the report. */
const KINDS = {
  bare: "A/A: bare against another copy of bare, the measure's own error",
  ours: 'our adapter and client',
  wrapped: 'withPirsch in front of the app',
  naive: 'our adapter into the least sender (bench/least.mjs)',
  least: 'the least any in-process middleware does (bench/least.mjs), no code of ours',
  'least-wrapped': 'the least any in-process design does, in front of the app (bench/least.mjs), no code of ours',
};
/** Variants that are no adapter of ours: what they reach is what any in-process design of their kind could. */
const LEAST = new Set(['least', 'least-wrapped']);
/** Rows that check the measure, not a target. */
const A_A = 'bare';

/**
 * Profiles every framework's split app (bare and `variant` in one process) `repeats` times, the
 * repeats outermost. Resolves with a Map from "framework variant" to the list of runs.
 */
export async function measureSplit({ frameworks, variants, repeats, warmup, duration, intervalUs, connections, api, log, keep, execArgv = [] }) {
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'pirsch-split-'));
  mkdirSync(dir, { recursive: true });
  const results = new Map();
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      // The floor (bench/micro.mjs: tracker.track(), serialising and a POST's share at the
      // client's batch size) in this repeat, on the apps' core: our own CPU per tracked request
      // in the apps is set against it, measured in the same minutes.
      const floor = await measureFloor(api, log);
      for (const framework of frameworks) {
        for (const variant of variants.filter((name) => variantFits(framework, name))) {
          await api.call('reset');
          // odd repeats load bare's copy first, even ones the variant's
          const first = repeat % 2 === 1 ? 'bare' : 'variant';
          const { child, ready } = await startChild('split-app.mjs', [framework, variant, api.url, api.accessKey, first], { core: APP_CORE, execArgv });
          const load = { url: ready.url, connections, headers: BROWSER_HEADERS };
          if (warmup > 0) await cannon({ ...load, duration: warmup });
          await ask(child, 'profile-start', 'profiling', { intervalUs });
          const result = await cannon({ ...load, duration });
          const file = join(dir, `${framework}-${variant}-${repeat}.cpuprofile`);
          const { mainShare, served } = await ask(child, 'profile-stop', 'profiled', { file });
          const stopped = await stopChild(child, 120_000);
          const counts = await api.call('counts');
          const shares = attribute(JSON.parse(readFileSync(file, 'utf8')));
          const run = { ...shares, mainShare, served, capacity: capacityFromSplit(shares, served), rps: result.requests.average, hits: counts.hits ?? 0, servedVariant: stopped.variant.served, ...floor };
          const key = `${framework} ${variant}`;
          results.set(key, [...(results.get(key) ?? []), run]);
          log(
            `  split ${repeat}/${repeats} ${key.padEnd(14)} ${Math.round(run.rps).toString().padStart(5)} req/s  capacity ${run.capacity.toFixed(3)}  ` +
              `framework: bare ${pct(shares.frameworks.bare)}, variant ${pct(shares.frameworks.variant)}  ours ${pct(shares.ours)}  gc ${pct(shares.gc)}  served ${served.bare}/${served.variant}`,
          );
        }
      }
    }
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** The floor per hit (µs) and its parts (ns), measured now by bench/micro.mjs in its own process on the apps' core. */
async function measureFloor(api, log) {
  const micro = await runMicro(api, { only: 'floor' });
  const [floor] = micro.floors;
  const floorUs = floorPerHitUs(micro, floor);
  log(`  floor at batches of ${floor.batch}: ${floorUs.toFixed(2)} µs a hit (track ${Math.round(micro.perRequest.track.median)} ns, serialise ${Math.round(floor.serialiseNs)} ns, POST's share ${Math.round(floor.postNsPerHit)} ns)`);
  return { floorUs, floorBatch: floor.batch, floorParts: { trackNs: micro.perRequest.track.median, serialiseNs: floor.serialiseNs, postNsPerHit: floor.postNsPerHit } };
}

/**
 * Our own CPU per request the variant served (µs: the time of the samples that are ours, by the
 * rule of the shares, over the requests the variant's copy served meanwhile), as a multiple of the
 * floor its repeat measured. Every request of these apps is a page view that is tracked. Only
 * what is ours: the framework's dispatch of our middleware, our garbage and the other threads are
 * not in it, so it is at most what ours adds. Undefined for a run without the time or the floor.
 */
export function ownOverFloor(run) {
  if (run.oursUs === undefined || run.floorUs === undefined || !(run.served?.variant > 0)) return undefined;
  return run.oursUs / run.served.variant / run.floorUs;
}

/**
 * What the variant adds to a request (µs), as capacity counts it: the variant copy's samples and
 * ours per request it served, less the bare copy's per request, in the time of the busy samples;
 * the common part counts alike for both, so it is not in the difference (the GC's and the other
 * threads' change are not either). Undefined for a run without the time.
 */
export function addedPerRequestUs(run) {
  if (run.busyUs === undefined || !(run.served?.bare > 0) || !(run.served?.variant > 0)) return undefined;
  const { bare, variant } = run.frameworks;
  return run.busyUs * ((variant + run.ours) / run.served.variant - bare / run.served.bare);
}

/** Per framework and variant: the median capacity and shares, and the spread of the capacity. */
export function summarizeSplit(results) {
  return [...results].map(([key, runs]) => {
    const [framework, variant] = key.split(' ');
    const of = (pick) => median(runs.map(pick));
    // bare against bare of the same framework: the common part per request bare has on its own
    const aa = results.get(`${framework} ${A_A}`) ?? [];
    const commonBare = aa.length > 0 ? median(aa.map((run) => commonPerRequest(run, run.served))) : undefined;
    const charged = commonBare === undefined ? [] : runs.map((run) => capacityWithCommonExcess(run, run.served, commonBare));
    return {
      framework,
      variant,
      runs: runs.length,
      capacity: of((run) => run.capacity),
      capacityLow: Math.min(...runs.map((run) => run.capacity)),
      capacityHigh: Math.max(...runs.map((run) => run.capacity)),
      bareFramework: of((run) => run.frameworks.bare),
      variantFramework: of((run) => run.frameworks.variant),
      ours: of((run) => run.ours),
      gc: of((run) => run.gc),
      rps: of((run) => run.rps),
      capacities: runs.map((run) => run.capacity),
      common: of((run) => commonPerRequest(run, run.served)),
      commonBare,
      charged: charged.length > 0 ? median(charged) : undefined,
      chargedLow: charged.length > 0 ? Math.min(...charged) : undefined,
      chargedHigh: charged.length > 0 ? Math.max(...charged) : undefined,
      // bare tracks nothing: nothing to deliver
      delivered: variant === A_A ? undefined : runs.every((run) => run.hits === run.servedVariant),
      ...ownCpuSummary(variant, runs),
    };
  });
}

/** What the variant adds and our own CPU per tracked request (µs), the floor, and their ratios per repeat; {} where not measured. */
function ownCpuSummary(variant, runs) {
  if (variant === A_A || runs.some((run) => ownOverFloor(run) === undefined || addedPerRequestUs(run) === undefined)) return {};
  const perRequest = (pick) => median(runs.map((run) => pick(run) / run.served.variant));
  const owns = runs.map(ownOverFloor);
  const addeds = runs.map((run) => addedPerRequestUs(run) / run.floorUs);
  return {
    ownUs: perRequest((run) => run.oursUs),
    ownPhasesUs: { track: perRequest((run) => run.phasesUs.track), serialise: perRequest((run) => run.phasesUs.serialise), post: perRequest((run) => run.phasesUs.post) },
    addedUs: median(runs.map(addedPerRequestUs)),
    floorUs: median(runs.map((run) => run.floorUs)),
    floorBatch: runs[0].floorBatch,
    overFloor: median(owns),
    addedOverFloor: median(addeds),
    addedOverFloorLow: Math.min(...addeds),
    addedOverFloorHigh: Math.max(...addeds),
    addedOverFloors: addeds,
  };
}

/**
 * The floor target as the split profiles see it: what the variant adds to a tracked request
 * against 1.5 times the floor measured in the same repeat (our own CPU beside it, at most what
 * ours adds). For the least design: above it in every repeat, no in-process design of its kind
 * meets it here; within it by the median, one is not ruled out.
 */
export function floorChecks(rows) {
  const allowed = TARGETS.addedCpuFloorMultiple;
  return rows
    .filter((row) => row.addedOverFloor !== undefined)
    .map((row) => {
      const least = LEAST.has(row.variant);
      const within = row.addedOverFloors.filter((ratio) => ratio <= allowed).length;
      const measured =
        `${row.addedUs.toFixed(2)} µs = ${row.addedOverFloor.toFixed(2)} × floor (${row.addedOverFloorLow.toFixed(2)} to ${row.addedOverFloorHigh.toFixed(2)}; ` +
        `floor ${row.floorUs.toFixed(2)} µs), within ${allowed} × floor in ${within} of ${row.runs} repeats; ${least ? 'its' : 'our'} own ${row.ownUs.toFixed(2)} µs = ${row.overFloor.toFixed(2)} × floor`;
      let actual = measured;
      if (least && row.addedOverFloor <= allowed) actual = `${measured}: an in-process design of this kind is not ruled out`;
      else if (least && within === 0) actual = `${measured}: no in-process design of this kind meets it here`;
      else if (least) actual = `${measured}: not shown either way`;
      return {
        what: `${row.framework}: added CPU per tracked request from split profiles (${KINDS[row.variant] ?? row.variant}; median of ${row.runs} repeats)`,
        target: `<= ${allowed} × floor`,
        actual,
        ok: least ? undefined : row.addedOverFloor <= allowed,
      };
    });
}

/** The targets as the split profiles see them: a measured capacity, neither bound. */
export function splitChecks(rows) {
  return rows
    .filter((row) => TARGETS.capacityRatio[row.framework] !== undefined && row.variant !== A_A)
    .map((row) => {
      const target = TARGETS.capacityRatio[row.framework];
      const measured = `${row.capacity.toFixed(3)} (${row.capacityLow.toFixed(3)} to ${row.capacityHigh.toFixed(3)})`;
      const least = LEAST.has(row.variant);
      const reached = row.capacities.filter((capacity) => capacity >= target).length;
      const inRepeats = `at or above the target in ${reached} of ${row.runs} repeats`;
      const charged = row.charged === undefined ? '' : `; ${row.charged.toFixed(3)} with the common excess charged to it`;
      let verdict = `${measured}; ${inRepeats}${charged}`;
      // The least design is not ours to meet a target with: it says whether one of its kind could.
      if (least && row.capacity >= target) verdict = `${measured}: an in-process design of this kind is not ruled out (${inRepeats}${charged})`;
      else if (least && reached > 0) verdict = `${measured}: below the target by the median, ${inRepeats}${charged}: not shown either way`;
      else if (least) verdict = `${measured}: below the target in every repeat: no in-process design of this kind reaches it here${charged}`;
      return {
        what: `${row.framework}: capacity from split profiles (${KINDS[row.variant] ?? row.variant}; median of ${row.runs} repeats)`,
        target: `>= ${target} of bare`,
        actual: verdict,
        ok: least ? undefined : row.capacity >= target,
      };
    });
}

export function renderSplit(rows, results, { repeats, warmup, duration, intervalUs, connections, noInlining = false }) {
  const lines = [
    ...(noInlining
      ? [
          "**Without inlining** (`--no-turbo-inlining`): V8's profiler gives a function inlined into another to the one it is inlined into, so our listener inlined into Node's `emit`, say, would be no one's. Here every function keeps its samples, and every function runs slower than in production: a check of the attribution, not the measure.",
          '',
        ]
      : []),
    `Two copies of each framework's app in one process${CAN_PIN ? ' on core 0 (the load generator and the API on core 1)' : ''}: bare, and the variant, each with the framework and its dependencies loaded anew (scripts of their own), behind one server that hands them the requests in turn. ${warmup} s of warm-up under ${connections} connections, then V8's profiler samples the process every ${intervalUs} µs for ${duration} s of the same load. ${repeats} repeats, a new process each; odd repeats load bare's copy first, even ones the variant's.`,
    '',
    "A sample is ours as in the shares (our packages, undici, bench/least.mjs); else it is the bare copy's or the variant copy's when its first frame that is not Node's or V8's is in that copy's scripts; else common (Node's HTTP parsing before a copy is called, the GC, the server taking turns), counted per request alike for both. **Capacity** = (bare copy's samples per request + common per request) / (variant copy's and ours per request + common per request). Both copies run in the same milliseconds, so the machine's noise falls on both alike; the framework's dispatch of our middleware and the framework getters our adapter calls count against us. Not in it: garbage of ours beyond an equal part per request, the GC's and the JIT's other threads, and the caches our work takes from both copies alike.",
    '',
    "`bare` against bare (A/A) shows the measure's own error: two copies of the same app, which should read 1.000; the copies' JIT can differ (which functions it inlines, when it optimises them).",
    '',
    "**The common part.** Work no copy owns is counted per request alike for both, so what the variant causes there without a frame of its own (its listener called by Node's `emit`, undici's socket callbacks before its first frame) is half charged to bare. `common` is the common part per request in units of the bare copy's own samples per request; bare against bare (A/A) gives what bare has on its own. **Charged** is the capacity with every excess over A/A's common part charged to the variant (lower where the variant adds to it, higher where it takes from it, as our adapter does when it builds Node's lazy `req.headers` before the framework reads them); it leans on the A/A runs, which are other processes.",
    '',
    '| framework | variant | capacity: median (lowest to highest) | target | charged: median (lowest to highest) | common | bare copy | variant copy | ours | GC | req/s | every hit delivered |',
    '| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.framework} | ${row.variant} | ${row.capacity.toFixed(3)} (${row.capacityLow.toFixed(3)} to ${row.capacityHigh.toFixed(3)}) | ${TARGETS.capacityRatio[row.framework] ?? ''} | ${row.charged === undefined || row.variant === A_A ? '' : `${row.charged.toFixed(3)} (${row.chargedLow.toFixed(3)} to ${row.chargedHigh.toFixed(3)})`} | ${row.common.toFixed(3)} | ${pct(row.bareFramework)} | ${pct(row.variantFramework)} | ${pct(row.ours)} | ${pct(row.gc)} | ${Math.round(row.rps)} | ${row.delivered === undefined ? 'n/a' : row.delivered ? 'yes' : 'no'} |`,
    );
  }
  lines.push(...renderOwnCpu(rows));
  lines.push('', '<details><summary>Every profiled run</summary>', '', '| framework | variant | repeat | capacity | served bare / variant | hits received | bare copy | variant copy | ours | GC | main |', '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    (results.get(`${row.framework} ${row.variant}`) ?? []).forEach((run, index) => {
      lines.push(`| ${row.framework} | ${row.variant} | ${index + 1} | ${run.capacity.toFixed(3)} | ${run.served.bare} / ${run.served.variant} | ${run.hits} | ${pct(run.frameworks.bare)} | ${pct(run.frameworks.variant)} | ${pct(run.ours)} | ${pct(run.gc)} | ${pct(run.mainShare, 1)} |`);
    });
  }
  lines.push('', '</details>', '');
  return lines;
}

/** The section on the added and our own CPU per tracked request against the floor, where the run measured them. */
function renderOwnCpu(rows) {
  const measured = rows.filter((row) => row.addedOverFloor !== undefined);
  if (measured.length === 0) return [];
  const lines = [
    '',
    `**Added CPU per tracked request against the floor.** Every request of these apps is a tracked page view. **Added**: the variant copy's samples and ours per request it served, less the bare copy's per request, in the time of the busy samples (each sample counted as the time since the one before it): what capacity counts, so the framework's dispatch of our middleware is in it, the GC's and the other threads' change is not. **Own**: the time of the samples that are ours alone per request (at most what ours adds), by phase. The floor (\`bench/micro.mjs\`: \`tracker.track()\`, serialising and a POST's share at batches of ${measured[0].floorBatch}, with hot caches) is measured in the same repeat, in its own process on the apps' core, without the profiler, whose own cost per sample falls on the apps alone. The target: added at most ${TARGETS.addedCpuFloorMultiple} × floor.`,
    '',
    '| framework | variant | added µs per request | × floor: median (lowest to highest) | own µs | own × floor | own: track | serialise | post | floor µs |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of measured) {
    lines.push(
      `| ${row.framework} | ${row.variant} | ${row.addedUs.toFixed(2)} | ${row.addedOverFloor.toFixed(2)} (${row.addedOverFloorLow.toFixed(2)} to ${row.addedOverFloorHigh.toFixed(2)}) | ${row.ownUs.toFixed(2)} | ${row.overFloor.toFixed(2)} | ${row.ownPhasesUs.track.toFixed(2)} | ${row.ownPhasesUs.serialise.toFixed(2)} | ${row.ownPhasesUs.post.toFixed(2)} | ${row.floorUs.toFixed(2)} |`,
    );
  }
  return lines;
}

async function main() {
  const log = (line) => process.stderr.write(`${line}\n`);
  // --no-inlining: V8's profiler gives a function inlined into another to the one it is inlined
  // into (ours into Node's emit, say, where no copy owns it); without inlining every sample has
  // its own function, at the price of code that runs unlike production's. A check, not the measure.
  // A saved run renders as it was measured (its report, its title).
  const saved = savedRun();
  const noInlining = saved?.settings?.noInlining ?? process.argv.includes('--no-inlining');
  if (process.argv.includes('--no-inlining')) process.argv.splice(process.argv.indexOf('--no-inlining'), 1);
  const options = profileCommandLine({ frameworks: SPLIT_FRAMEWORKS.join(','), variants: 'bare,ours,wrapped,least,least-wrapped', report: noInlining ? 'BENCHMARKS-SPLIT-NO-INLINING.md' : 'BENCHMARKS-SPLIT.md' });
  const { frameworks, variants } = options;
  const settings = { ...options.settings, noInlining };
  for (const framework of frameworks) if (!SPLIT_FRAMEWORKS.includes(framework)) throw new Error(`--frameworks: "${framework}" cannot be split (one of ${SPLIT_FRAMEWORKS.join(', ')})`);
  for (const variant of variants) if (!KINDS[variant]) throw new Error(`--variants: "${variant}" is not one of ${Object.keys(KINDS).join(', ')}`);
  await runProfileTool({
    tool: 'bench/split.mjs',
    title: `Capacity from split profiles: bare and ours in one process, in turn${noInlining ? ' (V8 without inlining: a check of the attribution)' : ''}`,
    options,
    saved,
    settings,
    log,
    measure: (api) => measureSplit({ ...settings, frameworks, variants, api, log, keep: options.keep, execArgv: noInlining ? ['--no-turbo-inlining'] : [] }),
    render: (results, measuredWith) => renderSplit(summarizeSplit(results), results, measuredWith),
    checks: (results) => {
      const rows = summarizeSplit(results);
      return [...splitChecks(rows), ...floorChecks(rows)];
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
