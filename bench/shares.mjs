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
//                         [--out BENCHMARKS-SHARES.md | --no-write] [--keep <dir>: the profiles] [--results <file>: every run, as JSON]
//   node bench/shares.mjs --from-results <file> [--out ... | --no-write]: renders a saved run again
//
// `least` is no code of ours: the least tracking and sending any in-process design does
// (bench/least.mjs); `naive` is our adapter into that least sender. Their frames count as ours, so
// their rows say what the least in-process design costs in the same running app.
import { FRAMEWORKS, variantFits } from './apps.mjs';
import { profileCommandLine, runProfileTool, savedRun } from './profile-cli.mjs';
import { measureShares, renderShares, shareChecks, summarizeShares } from './shares-run.mjs';

const log = (line) => process.stderr.write(`${line}\n`);
const options = profileCommandLine({ frameworks: FRAMEWORKS.join(','), variants: 'bare,ours,wrapped', report: 'BENCHMARKS-SHARES.md' });
const { frameworks, settings } = options;
for (const framework of frameworks) if (!FRAMEWORKS.includes(framework)) throw new Error(`--frameworks: unknown "${framework}"`);
// bare first: the capacity of a repeat takes that repeat's bare
const variants = ['bare', ...options.variants.filter((variant) => variant !== 'bare')];
// A saved run renders the apps it measured, in its order.
const saved = savedRun();
const pairs = saved
  ? Object.keys(saved.results).map((key) => ({ framework: key.split(' ')[0], variant: key.split(' ')[1] }))
  : frameworks.flatMap((framework) => variants.filter((variant) => variantFits(framework, variant)).map((variant) => ({ framework, variant })));
log(`shares: ${pairs.length} apps x ${settings.repeats} repeats, ${settings.warmup} s warm-up + ${settings.duration} s profiled at ${settings.intervalUs} µs`);
await runProfileTool({
  tool: 'bench/shares.mjs',
  title: "Our share of a running app's CPU (profiles)",
  options,
  saved,
  settings,
  log,
  measure: (api) => measureShares({ ...settings, pairs, api, log, keep: options.keep }),
  render: (results, measuredWith) => renderShares(summarizeShares(pairs, results), results, measuredWith),
  checks: (results) => shareChecks(summarizeShares(pairs, results)),
});
