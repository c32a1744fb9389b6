#!/usr/bin/env node
// Capacity from one profile of two copies of the same app in one process (bench/split-app.mjs):
// bare and a variant take the requests in turn, and each sample of V8's profiler is the bare
// copy's framework, the variant copy's framework, ours, or common to both (see capacityFromSplit in
// bench/shares-analysis.mjs). Unlike capacity across processes (bench/run.mjs) both are measured in
// the same milliseconds, so the machine's noise falls on both; unlike the shares of separate
// profiles (bench/shares.mjs), what the framework does for our middleware counts against us.
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
import { APP_CORE, CAN_PIN, ask, startChild, stopChild } from './processes.mjs';
import { profileCommandLine, runProfileTool, savedRun } from './profile-cli.mjs';
import { TARGETS, median } from './report.mjs';
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
          const run = { ...shares, mainShare, served, capacity: capacityFromSplit(shares, served), rps: result.requests.average, hits: counts.hits ?? 0, servedVariant: stopped.variant.served };
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
  lines.push('', '<details><summary>Every profiled run</summary>', '', '| framework | variant | repeat | capacity | served bare / variant | hits received | bare copy | variant copy | ours | GC | main |', '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    (results.get(`${row.framework} ${row.variant}`) ?? []).forEach((run, index) => {
      lines.push(`| ${row.framework} | ${row.variant} | ${index + 1} | ${run.capacity.toFixed(3)} | ${run.served.bare} / ${run.served.variant} | ${run.hits} | ${pct(run.frameworks.bare)} | ${pct(run.frameworks.variant)} | ${pct(run.ours)} | ${pct(run.gc)} | ${pct(run.mainShare, 1)} |`);
    });
  }
  lines.push('', '</details>', '');
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
    checks: (results) => splitChecks(summarizeSplit(results)),
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
