#!/usr/bin/env node
// What each framework charges per request for the app alone and with our adapter, step by step,
// robust to a shared machine's noise: every request runs without a socket (bench/socketless.mjs),
// the variants take turns request by request, and each is timed from the listener's call to the
// end of its 'finish' listeners. Per-variant medians of many requests, in several runs, so a
// neighbour's burst moves a few requests, not the figures (CPU per request over seconds, as
// bench/run.mjs measures it, moves with the whole machine). No delivery: the adapter's client
// discards each hit (what delivering costs is the floor of `npm run bench`'s micro-benchmarks,
// and its `naive` variant in the running app).
// All variants run in this one process: they share the JIT, so a framework's code sees every
// variant's requests (in Express, requests with and without our own property, for one), and its
// inline caches are as polymorphic for bare as for ours; bench/toggled.mjs --modes processes gives
// each variant a process of its own, with sockets, at the price of far more noise. (A process per
// variant without sockets was tried: each process's own luck, its heap and JIT state, moved a
// variant by several µs for the whole run, more than the steps measured.)
//
//   bare     the framework alone
//   empty    plus an adapter that only hears the response's end (bench/apps.mjs)
//   decide   plus our adapter, every request skipped by `filter`
//   extract  plus our adapter, tracking into a client that discards every hit
//   before-extract  extract at --baseline, when given (for Nest only with the same @nestjs copies: see variantFits)
//   wrapped-extract Express only: our adapter in front of the app (withPirsch), tracking into that client
//
// Never part of the tests; no network, not even loopback.
//
//   node bench/request-time.mjs [--frameworks express,koa,fastify,nest] [--requests 20000] [--runs 3] [--baseline <checkout>] [--out BENCHMARKS-REQUEST.md]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FRAMEWORKS, buildListener, useBaseline, variantFits } from './apps.mjs';
import { median } from './report.mjs';
import { socketlessRequest } from './socketless.mjs';

const { values } = parseArgs({
  options: {
    frameworks: { type: 'string', default: FRAMEWORKS.join(',') },
    requests: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    out: { type: 'string' },
  },
});
if (values.baseline !== undefined) {
  const problem = useBaseline(values.baseline);
  if (problem) throw new Error(problem);
}
const log = (line) => process.stderr.write(`${line}\n`);
const COMMON = ['bare', 'empty', 'decide', 'extract'];
/** Express is also measured with our adapter in front of the app (withPirsch); Nest's before-extract needs a baseline that shares its @nestjs copies (variantFits). */
if (values.baseline !== undefined && !variantFits('nest', 'before-extract')) log('request-time: no before-extract for Nest: the baseline resolves its own copies of @nestjs/* (see variantFits in apps.mjs)');
const variantsOf = (framework) => [
  ...COMMON,
  ...(values.baseline !== undefined && variantFits(framework, 'before-extract') ? ['before-extract'] : []),
  ...(framework === 'express' ? ['wrapped-extract'] : []),
];

/** Per run, the median ns per request of each variant of one framework, the variants taking turns. */
async function measure(framework, requests) {
  const VARIANTS = variantsOf(framework);
  const listeners = [];
  for (const variant of VARIANTS) listeners.push(await buildListener({ framework, variant }));
  const times = VARIANTS.map(() => []);
  for (let i = 0; i < 2000 * VARIANTS.length; i++) await socketlessRequest(listeners[i % VARIANTS.length]); // warm-up
  for (let i = 0; i < requests * VARIANTS.length; i++) {
    const k = i % VARIANTS.length;
    times[k].push(await socketlessRequest(listeners[k]));
  }
  return Object.fromEntries(VARIANTS.map((variant, k) => [variant, median(times[k]) / 1000]));
}

const us = (x) => x.toFixed(2);
const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
const spread = (xs) => `${us(Math.min(...xs))}–${us(Math.max(...xs))}`;
const signedSpread = (xs) => `${signed(Math.min(...xs))} to ${signed(Math.max(...xs))}`;
const STEPS = [
  ['the hook (empty − bare)', (m) => m.empty - m.bare],
  ['adapter + decision (decide − empty)', (m) => m.decide - m.empty],
  ['extraction (extract − decide)', (m) => m.extract - m.decide],
  ['ours without delivery (extract − bare)', (m) => m.extract - m.bare],
  ['of it our adapter (extract − empty)', (m) => m.extract - m.empty],
  ['before − now (before-extract − extract)', (m) => m['before-extract'] - m.extract],
  ['in front of the app (wrapped-extract − bare)', (m) => m['wrapped-extract'] - m.bare],
];

const lines = [];
const say = (line) => {
  lines.push(line);
  console.log(line);
};
say(`# Per request, without sockets (bench/request-time.mjs)`);
say('');
/** The short commit of a checkout, or undefined. */
const commitOf = (dir) => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const here = commitOf(new URL('..', import.meta.url).pathname);
const baselineCommit = values.baseline === undefined ? undefined : (commitOf(values.baseline) ?? values.baseline);
say(
  `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, at commit \`${here ?? 'unknown'}\`, Node ${process.version}, ${values.requests} requests per variant a run, ${values.runs} runs` +
    `${baselineCommit ? `, before-extract at \`${baselineCommit}\`` : ''}. µs per request: the median over a run's requests; then the median over the runs, and the lowest–highest run.`,
);
for (const framework of values.frameworks.split(',')) {
  const runs = [];
  for (let run = 0; run < Number(values.runs); run++) runs.push(await measure(framework, Number(values.requests)));
  say('');
  say(`## ${framework}`);
  say('');
  say(`| | µs per request | runs |`);
  say(`| --- | ---: | --- |`);
  for (const variant of variantsOf(framework)) say(`| ${variant} | ${us(median(runs.map((m) => m[variant])))} | ${spread(runs.map((m) => m[variant]))} |`);
  for (const [label, step] of STEPS.filter(([, step]) => !Number.isNaN(step(runs[0])))) say(`| ${label} | ${signed(median(runs.map(step)))} | ${signedSpread(runs.map(step))} |`);
}
if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
process.exit(0);
