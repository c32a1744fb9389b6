#!/usr/bin/env node
// `npm run bench`: throughput and latency per framework and variant, the per-request cost, the
// queue under a burst, our share of each running app's CPU (profiles), then BENCHMARKS.md. Loopback
// only, bounded in time (about 40 minutes with the defaults on 2 cores). Never part of the test command.
//
//   node bench/run.mjs [--rounds 3] [--duration 4] [--warmup 5] [--connections 50] [--rate 1000] [--latency-duration 6]
//                      [--frameworks express,koa,fastify,nest] [--variants bare,ours,sdk,hanging]
//                      [--breakdown empty,extract,naive | --no-breakdown]
//                      [--baseline <checkout>] [--skip-http] [--skip-micro] [--shares 3 | --no-shares] [--out BENCHMARKS.md | --no-write]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BREAKDOWN_VARIANTS, FRAMEWORKS, VARIANTS, clientBatchSize, useBaseline, variantFits } from './apps.mjs';
import { runHttp } from './http.mjs';
import { CAN_PIN, LOAD_CORE, exited, ipcCaller, pinProcess, runMicro, startChild } from './processes.mjs';
import { checkTargets, environment, renderMarkdown, summarize } from './report.mjs';
import { measureShares, renderShares, shareChecks, summarizeShares } from './shares-run.mjs';

const USAGE = `Usage: node bench/run.mjs [options]
  --rounds <n>         rounds over every framework and variant (default 3)
  --duration <s>       seconds of the throughput run (default 4)
  --warmup <s>         warm-up seconds per run, not measured (default 5: the JIT needs about 4 s of load to settle the delivery path)
  --connections <n>    autocannon connections of the throughput run (default 50)
  --rate <n>           requests per second of the latency run (default 1000)
  --latency-duration <s>  seconds of the latency run at that fixed rate (default 6; 0 skips it)
  --frameworks <list>  comma-separated, of ${FRAMEWORKS.join(', ')} (default all)
  --variants <list>    comma-separated, of ${VARIANTS.join(', ')} (default all; wrapped, ours in front of the app, is Express's alone)
  --breakdown <list>   comma-separated, of the variants (throughput only, every round) that show where the time goes:
                       ${BREAKDOWN_VARIANTS.join(', ')} (default all; empty,extract,naive give the least in-process bound)
  --no-breakdown       none of them
  --baseline <dir>     a checkout of an earlier commit with its packages built (pnpm install, npm run build):
                       adds the variant "before", ours with that checkout's client and adapter, to compare in one run
  --skip-http          only the micro-benchmarks
  --skip-micro         only the HTTP benchmarks
  --shares <n>         repeats of the profiles (bench/shares.mjs): each framework's bare and ours (and Express's wrapped)
                       profiled in the running app, 5 s warm-up + 8 s at 250 µs each, our share of its CPU (default 3)
  --no-shares          no profiles
  --out <file>         where to write the report (default BENCHMARKS.md at the repository root)
  --no-write           print the report instead of writing it
  -h, --help           this help`;

const root = fileURLToPath(new URL('..', import.meta.url));

function parseList(value, allowed, option) {
  const list = value.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = list.filter((item) => !allowed.includes(item));
  if (unknown.length > 0 || list.length === 0) throw new Error(`--${option}: expected some of ${allowed.join(', ')}, got "${value}"`);
  return list;
}

function parsePositive(value, option, { integer = true } = {}) {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || (integer && !Number.isInteger(number))) throw new Error(`--${option}: expected a number >= 0, got "${value}"`);
  return number;
}

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '4' },
      rate: { type: 'string', default: '1000' },
      'latency-duration': { type: 'string', default: '6' },
      warmup: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      frameworks: { type: 'string', default: FRAMEWORKS.join(',') },
      variants: { type: 'string', default: VARIANTS.join(',') },
      breakdown: { type: 'string', default: BREAKDOWN_VARIANTS.join(',') },
      'no-breakdown': { type: 'boolean', default: false },
      'skip-http': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'skip-micro': { type: 'boolean', default: false },
      shares: { type: 'string', default: '3' },
      'no-shares': { type: 'boolean', default: false },
      out: { type: 'string', default: `${root}BENCHMARKS.md` },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return {
    help: values.help,
    rounds: Math.max(1, parsePositive(values.rounds, 'rounds')),
    duration: Math.max(1, parsePositive(values.duration, 'duration')),
    warmup: parsePositive(values.warmup, 'warmup'),
    connections: Math.max(1, parsePositive(values.connections, 'connections')),
    rate: Math.max(1, parsePositive(values.rate, 'rate')),
    latencyDuration: parsePositive(values['latency-duration'], 'latency-duration'),
    frameworks: parseList(values.frameworks, FRAMEWORKS, 'frameworks'),
    variants: parseList(values.variants, VARIANTS, 'variants'),
    breakdown: values['no-breakdown'] ? [] : parseList(values.breakdown, BREAKDOWN_VARIANTS, 'breakdown'),
    baseline: values.baseline,
    http: !values['skip-http'],
    micro: !values['skip-micro'],
    shares: values['no-shares'] ? 0 : parsePositive(values.shares, 'shares'),
    out: values['no-write'] ? undefined : values.out,
  };
}

/** The commit measured, marked when the code (anything but BENCHMARKS.md) had uncommitted changes. */
function gitCommit() {
  const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const changed = git('status', '--porcelain', '--untracked-files=no')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.endsWith('BENCHMARKS.md'));
    return { id: commit, changedFiles: changed.length };
  } catch {
    return undefined;
  }
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const log = (line) => process.stderr.write(`${line}\n`);
  let baselineCommit;
  const startedAt = new Date();
  const env = environment();
  pinProcess(LOAD_CORE);
  const runCount = options.http
    ? options.rounds * options.frameworks.reduce((sum, framework) => sum + [...options.variants, ...options.breakdown].filter((variant) => variantFits(framework, variant)).length, 0)
    : 0;
  log(
    `bench: ${env.cpu}, ${env.node}, load ${env.loadAtStart}${CAN_PIN ? '; app pinned to core 0, load generator and API to core 1' : ''}\n` +
      `bench: ${runCount} HTTP runs of ${options.warmup} s warm-up + ${options.duration} s at ${options.connections} connections + ` +
        `${options.latencyDuration} s at ${options.rate} req/s${options.micro ? ', then the micro-benchmarks' : ''}`,
  );

  // The client's default batch size, probed once here; the apps (`naive`) and the micro-benchmarks
  // read it from the environment they inherit, the report from the settings.
  const batchSize = await clientBatchSize({ inherited: false });
  if (options.baseline) {
    const problem = useBaseline(options.baseline);
    if (problem !== undefined) {
      console.error(`bench: ${problem}`);
      return 2;
    }
    baselineCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: options.baseline, encoding: 'utf8' }).trim();
  } else {
    options.variants = options.variants.filter((variant) => variant !== 'before');
  }
  const { child: apiChild, ready } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
  const api = { url: ready.url, accessKey: ready.accessKey, call: ipcCaller(apiChild) };
  let runs;
  let micro;
  let shares;
  try {
    if (options.http) runs = await runHttp({ ...options, api, log });
    if (options.micro) {
      log('bench: micro-benchmarks (per-request cost, queue burst)');
      micro = await runMicro(api);
    }
    if (options.shares > 0) {
      // bare first in each framework: a repeat's capacity takes that repeat's bare
      const pairs = options.frameworks.flatMap((framework) =>
        ['bare', 'ours', 'wrapped'].filter((variant) => variantFits(framework, variant)).map((variant) => ({ framework, variant })),
      );
      log(`bench: profiles of ${pairs.length} apps, ${options.shares} repeats (our share of the running app's CPU)`);
      const settings = { repeats: options.shares, warmup: 5, duration: 8, intervalUs: 250, connections: options.connections };
      const results = await measureShares({ ...settings, pairs, api, log });
      shares = { settings, results, rows: summarizeShares(pairs, results) };
    }
  } finally {
    apiChild.disconnect();
    await exited(apiChild);
  }

  const table = runs ? summarize(runs, options.frameworks, [...options.variants, ...options.breakdown]) : undefined;
  const checks = [...checkTargets(table ?? {}, micro, { batchSize, baselineCommit }), ...(shares ? shareChecks(shares.rows) : [])];
  const markdown = renderMarkdown({
    env,
    settings: { ...options, pinned: CAN_PIN, batchSize, baselineCommit },
    table,
    checks,
    micro,
    runs,
    sharesSection: shares ? renderShares(shares.rows, shares.results, shares.settings) : undefined,
    commit: gitCommit(),
    loadAtEnd: loadavg().map((value) => value.toFixed(2)).join(' '),
    startedAt,
    seconds: (Date.now() - startedAt.getTime()) / 1000,
  });
  if (options.out) {
    writeFileSync(options.out, `${markdown}\n`);
    log(`bench: wrote ${options.out}`);
  }
  if (!options.out) console.log(markdown);
  else {
    for (const check of checks) log(`  ${check.ok === false ? 'MISSED' : check.ok ? 'met   ' : '      '}  ${check.what}: ${check.actual} (wanted ${check.target})`);
  }
  // Speed targets are reported; a lost hit is a failure.
  const lost = checks.filter((check) => check.what.includes('hits lost') && check.ok === false);
  if (lost.length > 0) {
    log(`bench: FAILED: hits were lost (${lost.map((check) => check.what.split(':')[0]).join(', ')})`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
