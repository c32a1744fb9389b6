import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { attribute, capacityFromShares, capacityFromSplit, capacityWithCommonExcess, commonPerRequest } from '../bench/shares-analysis.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { ask, ipcCaller, startChild, stopChild } from '../bench/processes.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { shareChecks, summarizeShares } from '../bench/shares-run.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { addedPerRequestUs, floorChecks, ownOverFloor, splitChecks, summarizeSplit } from '../bench/split.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { runProfileTool } from '../bench/profile-cli.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { threadTimes } from '../bench/in-app-profiler.mjs';

// bench/shares.mjs: our share of a running app's CPU, from profiles taken in the app.
interface Shares {
  samples: number;
  busy: number;
  gc: number;
  ours: number;
  phases: { track: number; serialise: number; post: number };
  top: { name: string; share: number }[];
}
const attributeProfile = attribute as (profile: unknown, options?: { fromUs?: number }) => Shares;

const CORE = 'file:///repo/packages/core/dist/chunk-1.js';
const EXPRESS = 'file:///repo/node_modules/express/lib/router/index.js';
const UNDICI = 'file:///repo/node_modules/.pnpm/undici@7/node_modules/undici/lib/dispatcher/client-h1.js';
const LEAST = 'file:///repo/bench/least.mjs';
const KOA = 'file:///repo/node_modules/koa/lib/application.js';

/** A profile by hand: [id, functionName, url, parent] rows, and the node each sample was taken in. */
function profileOf(rows: [number, string, string, number | undefined][], samples: number[]) {
  const nodes = rows.map(([id, functionName, url]) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId: '0' },
    children: rows.filter((row) => row[3] === id).map((row) => row[0]),
  }));
  return { nodes, startTime: 1_000, endTime: 1_000 + samples.length * 100, samples, timeDeltas: samples.map(() => 100) };
}

const ROWS: [number, string, string, number | undefined][] = [
  [1, '(root)', '', undefined],
  [2, 'processTicksAndRejections', 'node:internal/process/task_queues', 1],
  [3, 'handle', EXPRESS, 2],
  [4, 'writev', 'node:internal/stream_base_commons', 3], // Express's response write: not ours
  [5, 'onFinish', CORE, 2],
  [6, 'removeListener', 'node:events', 5], // Node's code our listener asked for: ours, track
  [7, '#sendNext', CORE, 2],
  [8, '#bodyOf', CORE, 7],
  [9, '#serialize', CORE, 8],
  [10, 'stringify', '', 9], // V8's JSON under our serialiser: ours, serialise
  [11, 'writeBuffer', UNDICI, 7],
  [12, 'writev', 'node:internal/stream_base_commons', 11], // undici's write of our POST: ours, post
  [13, '(garbage collector)', '', 1],
  [14, '(idle)', '', 1],
  [15, 'pirschInFront', CORE, 2],
  [16, 'handle', EXPRESS, 15],
  [17, 'writev', 'node:internal/stream_base_commons', 16], // the app our wrapper calls: Express's
  [18, 'send', 'file:///repo/node_modules/express/lib/response.js', 2],
  [19, 'track', 'file:///repo/packages/express/dist/index.js', 18], // ours under Express's send: track
  [20, '(program)', '', 1],
];

describe('bench shares: who a sample belongs to', () => {
  it('gives a sample to the first frame that is neither Node\'s nor V8\'s, and splits ours by phase', () => {
    // 20 samples: 2 idle; 18 busy, of which 2 GC and 8 ours (4 track, 2 serialise, 2 post)
    const samples = [14, 14, 13, 13, 4, 4, 17, 17, 20, 3, 15, 6, 19, 19, 10, 9, 12, 11, 16, 2];
    const shares = attributeProfile(profileOf(ROWS, samples));
    expect(shares.samples).toBe(20);
    expect(shares.busy).toBe(18);
    expect(shares.gc).toBeCloseTo(2 / 18);
    // ours: 15 (pirschInFront itself), 6, 19, 19 -> track 4; 10, 9 -> serialise 2; 12, 11 -> post 2
    expect(shares.ours).toBeCloseTo(8 / 18);
    expect(shares.phases.track).toBeCloseTo(4 / 18);
    expect(shares.phases.serialise).toBeCloseTo(2 / 18);
    expect(shares.phases.post).toBeCloseTo(2 / 18);
    expect(shares.top[0]).toEqual({ name: 'track (index.js)', share: 2 / 18 });
    expect(shares.top.map((entry) => entry.name)).toContain('onFinish (chunk-1.js)');
  });

  it('gives ours and its phases as time too, each sample the time since the one before it', () => {
    // V8 samples less often than asked under load: a sample's time is its own delta, not the interval
    const profile = { ...profileOf(ROWS, [6, 6, 10, 12, 4]), timeDeltas: [100, 300, 250, 700, 50] };
    const shares = attributeProfile(profile) as Shares & { busyUs: number; oursUs: number; phasesUs: Shares['phases'] };
    expect(shares.oursUs).toBe(100 + 300 + 250 + 700);
    expect(shares.busyUs).toBe(100 + 300 + 250 + 700 + 50);
    expect(shares.phasesUs).toEqual({ track: 400, serialise: 250, post: 700 });
  });

  it('leaves out the samples taken before fromUs', () => {
    // the first four (100 µs apart) are ours, the last four Express's
    const shares = attributeProfile(profileOf(ROWS, [6, 6, 6, 6, 4, 4, 4, 4]), { fromUs: 450 });
    expect([shares.samples, shares.busy, shares.ours]).toEqual([4, 4, 0]);
  });

  it("counts the bench's least tracking and sending as ours, and WebAssembly as its caller's", () => {
    const rows: [number, string, string, number | undefined][] = [
      [1, '(root)', '', undefined],
      [2, 'processTicksAndRejections', 'node:internal/process/task_queues', 1],
      [3, 'send', LEAST, 2],
      [4, 'serialiseBatch', LEAST, 3],
      [5, 'stringify', '', 4], // JSON of the least sender's batch: ours, serialise
      [6, 'postBatch', LEAST, 3],
      [7, 'request', UNDICI, 6], // undici for the least sender's POST: ours, post
      [8, 'ended', LEAST, 2], // the least tracker's listener: ours, track
      [9, 'onData', UNDICI, 2],
      [10, 'wasm-function[20]', 'wasm://wasm/00a1b2c3', 9], // undici's parser: its caller's, so ours, post
      [11, 'handleRequest', KOA, 2],
      [12, 'wasm-function[3]', 'wasm://wasm/00ffeedd', 11], // WebAssembly under Koa's code: Koa's
      [13, 'leastLookalike', 'file:///repo/bench/least.mjs.bak', 2], // not the least file
    ];
    const shares = attributeProfile(profileOf(rows, [5, 4, 7, 6, 3, 8, 8, 10, 12, 13]));
    expect(shares.busy).toBe(10);
    expect(shares.ours).toBeCloseTo(8 / 10);
    expect(shares.phases.serialise).toBeCloseTo(2 / 10);
    expect(shares.phases.post).toBeCloseTo(4 / 10);
    expect(shares.phases.track).toBeCloseTo(2 / 10);
    expect(shares.top.map((entry) => entry.name)).toEqual(expect.arrayContaining(['serialiseBatch (least.mjs)', 'ended (least.mjs)', 'onData (client-h1.js)']));
  });

  it("reads each thread's CPU time from /proc, in ns where schedstat has it, and leaves the profiler's thread out", () => {
    const task = mkdtempSync(join(tmpdir(), 'pirsch-task-'));
    const thread = (tid: number, comm: string, files: Record<string, string>) => {
      mkdirSync(join(task, String(tid)));
      writeFileSync(join(task, String(tid), 'comm'), `${comm}\n`);
      for (const [name, text] of Object.entries(files)) writeFileSync(join(task, String(tid), name), text);
    };
    try {
      thread(100, 'node', { schedstat: '800000 5000 12\n' });
      thread(101, 'V8 Worker', { schedstat: '150000 100 3\n' });
      thread(102, 'v8:ProfEvntProc', { schedstat: '300000 10 99\n' });
      // no schedstat: stat's utime + stime (2 + 1 ticks of 10 ms), the command name with spaces and ')'
      thread(103, 'odd) name', { stat: '103 (odd) name) S 1 1 1 0 -1 0 0 0 0 0 2 1 0 0 20 0 1 0 0 0 0\n' });
      expect((threadTimes as (dir: string, main: number) => unknown)(task, 100)).toEqual({ main: 800_000, all: 800_000 + 150_000 + 30_000_000 });
    } finally {
      rmSync(task, { recursive: true, force: true });
    }
  });

  it('turns shares into capacity, the GC\'s change included', () => {
    type Shares = { ours: number; gc: number; mainShare?: number };
    const capacity = capacityFromShares as (variant: Shares, bare: Shares) => number;
    // bare: 100 µs a request, 4 of them GC; ours adds 8 µs of its own and 2 µs of GC: 110 µs, 6 of GC
    expect(capacity({ ours: 8 / 110, gc: 6 / 110 }, { ours: 0, gc: 4 / 100 })).toBeCloseTo(100 / 110);
    // less garbage with us than without: capacity above 1 - ours
    expect(capacity({ ours: 0.05, gc: 0.02 }, { ours: 0, gc: 0.04 })).toBeCloseTo(0.93 / 0.96);
    // other threads: bare 100 µs on the main thread + 10 on helpers; ours 100 + 5 ours on the main
    // thread (main 105 of 125: 20 on helpers, 10 more than bare's): 110 / 125
    expect(capacity({ ours: 5 / 105, gc: 0, mainShare: 105 / 125 }, { ours: 0, gc: 0, mainShare: 100 / 110 })).toBeCloseTo(110 / 125);
  });

});

describe('bench split: two copies of an app in one profile', () => {
  type SplitShares = Shares & { frameworks: { bare: number; variant: number } };
  // Koa loaded twice: scripts 31 (bare's copy) and 32 (the variant's), same URL
  const rows: [number, string, string, number | undefined, string][] = [
    [1, '(root)', '', undefined, '0'],
    [2, 'parserOnIncoming', 'node:_http_server', 1, '5'], // Node's HTTP: common
    [3, 'handleRequest', KOA, 2, '31'],
    [4, 'writev', 'node:internal/stream_base_commons', 3, '5'], // under bare's Koa: bare's
    [5, 'handleRequest', KOA, 2, '32'],
    [6, 'get ip', 'file:///repo/node_modules/koa/lib/request.js', 7, '33'], // a Koa getter our middleware calls: the variant's
    [7, 'pirschMiddleware', 'file:///repo/packages/koa/dist/index.js', 5, '40'],
    [8, 'onFinish', CORE, 2, '41'], // ours
    [9, 'takeTurns', 'file:///repo/bench/split-app.mjs', 2, '50'], // neither copy: common
    [10, '(garbage collector)', '', 1, '0'],
    [11, '(idle)', '', 1, '0'],
  ];
  const profile = (samples: number[]) => {
    const nodes = rows.map(([id, functionName, url, , scriptId]) => ({
      id,
      callFrame: { functionName, url, lineNumber: 0, columnNumber: 0, scriptId },
      children: rows.filter((row) => row[3] === id).map((row) => row[0]),
    }));
    return { nodes, startTime: 0, endTime: samples.length, samples, timeDeltas: samples.map(() => 1), scriptInstances: { 31: 'bare', 32: 'variant', 33: 'variant' } };
  };

  it("gives each sample to a copy by its first userland frame's script, and the rest to neither", () => {
    // 20 busy: bare 6 (3, 4), variant 6 (5, 6), ours 4 (7, 8), common 4 (2, 9, GC)
    const shares = (attribute as (p: unknown) => SplitShares)(profile([3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 7, 7, 8, 8, 2, 2, 9, 10, 11, 11]));
    expect(shares.busy).toBe(20);
    expect(shares.frameworks).toEqual({ bare: 6 / 20, variant: 6 / 20 });
    expect(shares.ours).toBeCloseTo(4 / 20);
  });

  it('turns one split profile into capacity, the common part counted per request for both', () => {
    const capacity = capacityFromSplit as (shares: unknown, served: { bare: number; variant: number }) => number;
    // 100 requests each; per request (in thousandths of the busy time): bare's copy 3, the
    // variant's 3 + ours 1, common 30 % / 200 = 1.5: bare 4.5, variant 5.5
    expect(capacity({ frameworks: { bare: 0.3, variant: 0.3 }, ours: 0.1 }, { bare: 100, variant: 100 })).toBeCloseTo(4.5 / 5.5);
    // the variant served half as many: bare 40 % / 100 = 4, variant (20 + 10) % / 50 = 6, common 30 % / 150 = 2
    expect(capacity({ frameworks: { bare: 0.4, variant: 0.2 }, ours: 0.1 }, { bare: 100, variant: 50 })).toBeCloseTo(6 / 8);
    // the same work in both copies and no code of ours: 1
    expect(capacity({ frameworks: { bare: 0.35, variant: 0.35 }, ours: 0 }, { bare: 10, variant: 10 })).toBeCloseTo(1);
  });

  it("charges the variant with the common part's excess over bare against bare", () => {
    type Split = { frameworks: { bare: number; variant: number }; ours: number };
    const served = { bare: 100, variant: 100 };
    // bare's copy 30 % (0.003 a request, the unit), the variant's 28 % and ours 5 % (1.1 units a
    // request), common 37 % over 200 requests: 0.6167 units a request
    const run: Split = { frameworks: { bare: 0.3, variant: 0.28 }, ours: 0.05 };
    expect((commonPerRequest as (s: Split, n: typeof served) => number)(run, served)).toBeCloseTo(0.37 / 200 / 0.003, 6);
    const charged = capacityWithCommonExcess as (s: Split, n: typeof served, commonBare: number) => number;
    const common = 0.37 / 200 / 0.003;
    // bare against bare had 0.5: bare keeps 0.5, the variant carries the rest of the pair's 2 x 0.6167
    expect(charged(run, served, 0.5)).toBeCloseTo(1.5 / (1.1 + 2 * common - 0.5), 6);
    // with the same common part as A/A, the same as capacityFromSplit
    expect(charged(run, served, common)).toBeCloseTo((capacityFromSplit as (s: Split, n: typeof served) => number)(run, served), 6);
  });

  it('checks our variants against the targets, and says what the least design and the A/A tell', () => {
    const run = (capacity: number) => ({ capacity, frameworks: { bare: 0.3, variant: 0.3 }, ours: 0.05, gc: 0.02, rps: 1, hits: 5, servedVariant: 5, served: { bare: 5, variant: 5 } });
    const rows = (summarizeSplit as (results: unknown) => unknown)(
      new Map(
        Object.entries({
          'koa bare': [run(1.01), run(0.99), run(1.0)],
          'koa ours': [run(0.87), run(0.9), run(0.86)],
          'koa least': [run(0.95), run(0.93), run(0.94)],
          'express least': [run(0.91), run(0.92), run(0.9)],
          'fastify least': [run(0.84), run(0.86), run(0.83)],
        }),
      ),
    );
    const checks = (splitChecks as (rows: unknown) => { what: string; actual: string; ok: boolean | undefined }[])(rows);
    expect(checks.map((check) => [check.what.split(' (')[0], check.ok])).toEqual([
      ['koa: capacity from split profiles', false],
      ['koa: capacity from split profiles', undefined],
      ['express: capacity from split profiles', undefined],
      ['fastify: capacity from split profiles', undefined],
    ]);
    // koa has bare against bare: the common part, alike in every run here, is 0.5833 units a request,
    // the variant 1.1667: charged (1 + 0.5833) / (1.1667 + 0.5833) = 0.905
    expect(checks[0]!.actual).toBe('0.870 (0.860 to 0.900); at or above the target in 1 of 3 repeats; 0.905 with the common excess charged to it');
    expect(checks[1]!.actual).toMatch(/^0\.940 .*not ruled out/);
    // express has no bare against bare: nothing charged
    expect(checks[2]!.actual).toMatch(/^0\.910 .*below the target in every repeat: no in-process design of this kind reaches it here$/);
    expect(checks[3]!.actual).toMatch(/^0\.840 .*below the target by the median, at or above the target in 1 of 3 repeats: not shown either way/);
  });
});

describe('bench split: added and our own CPU per tracked request against the floor of the same repeat', () => {
  type Run = { capacity: number; frameworks: { bare: number; variant: number }; ours: number; gc: number; rps: number; hits: number; servedVariant: number; served: { bare: number; variant: number }; busyUs?: number; oursUs?: number; phasesUs?: { track: number; serialise: number; post: number }; floorUs?: number; floorBatch?: number };
  // 1000 requests served by each copy; the bare copy 30 % of the busy time, the variant's 32 % and
  // ours 5 %: the variant adds 7 % of the busy time over 1000 requests, of which ours is 5 %
  const run = (addedUs: number, floorUs: number | undefined): Run => {
    const busyUs = (addedUs * 1000) / 0.07;
    const oursUs = 0.05 * busyUs;
    return {
      capacity: 0.9,
      frameworks: { bare: 0.3, variant: 0.32 },
      ours: 0.05,
      gc: 0.02,
      rps: 1,
      hits: 1000,
      servedVariant: 1000,
      served: { bare: 1000, variant: 1000 },
      busyUs,
      oursUs,
      phasesUs: { track: oursUs / 2, serialise: (oursUs * 3) / 10, post: oursUs / 5 },
      floorUs,
      floorBatch: 500,
    };
  };
  type Row = { variant: string; addedUs?: number; ownUs?: number; ownPhasesUs?: { track: number; serialise: number; post: number }; floorUs?: number; overFloor?: number; addedOverFloor?: number; addedOverFloorLow?: number; addedOverFloorHigh?: number };
  const summarize = (results: Record<string, Run[]>) => (summarizeSplit as (results: unknown) => Row[])(new Map(Object.entries(results)));
  const check = floorChecks as (rows: unknown) => { what: string; actual: string; ok: boolean | undefined }[];

  it('takes what the variant adds from both copies per request, and ours alone, each repeat against its own floor', () => {
    expect((addedPerRequestUs as (run: Run) => number | undefined)(run(7, 4))).toBeCloseTo(7);
    // the copies served different numbers of requests: each copy's samples per its own requests
    expect((addedPerRequestUs as (run: Run) => number | undefined)({ ...run(7, 4), served: { bare: 500, variant: 1000 } })).toBeCloseTo(7 - (0.3 * 100_000) / 1000, 6);
    expect((ownOverFloor as (run: Run) => number | undefined)(run(7, 4))).toBeCloseTo(5 / 4);
    // no floor, or no time (a run saved before either was measured): nothing
    expect((ownOverFloor as (run: Run) => number | undefined)(run(7, undefined))).toBeUndefined();
    expect((addedPerRequestUs as (run: Run) => number | undefined)({ ...run(7, 4), busyUs: undefined })).toBeUndefined();
    const [row] = summarize({ 'fastify ours': [run(6, 4), run(9, 4), run(4, 2)] });
    // per repeat 1.5, 2.25 and 2: each repeat against its own floor, not the medians' ratio (6 / 4)
    expect(row!.addedOverFloor).toBeCloseTo(2);
    expect(row!.addedOverFloorLow).toBeCloseTo(1.5);
    expect(row!.addedOverFloorHigh).toBeCloseTo(2.25);
    expect(row!.addedUs).toBeCloseTo(6);
    expect(row!.ownUs).toBeCloseTo((6 * 5) / 7);
    expect(row!.ownPhasesUs!.track).toBeCloseTo((6 * 5) / 14);
    expect(row!.floorUs).toBe(4);
    expect(summarize({ 'fastify ours': [run(6, undefined)] })[0]!.addedOverFloor).toBeUndefined();
  });

  it('meets or misses the target by the median of added over floor, and says what the least design tells', () => {
    const rows = summarize({
      'koa bare': [run(0, 3), run(0, 3), run(0, 3)],
      'koa ours': [run(6, 3), run(6.3, 3), run(4, 3)],
      'koa least': [run(4, 3), run(4.2, 3), run(4.8, 3)],
      'fastify ours': [run(4, 3), run(4.2, 3), run(4.8, 3)],
      'fastify least': [run(4, 3), run(5, 3), run(4.8, 3)],
      'express ours': [run(6, undefined)],
    });
    const checks = check(rows);
    // bare against bare tracks nothing, and a run without a floor has no row
    expect(checks.map((entry) => [entry.what.split(' (')[0], entry.what.includes('least'), entry.ok])).toEqual([
      ['koa: added CPU per tracked request from split profiles', false, false],
      ['koa: added CPU per tracked request from split profiles', true, undefined],
      ['fastify: added CPU per tracked request from split profiles', false, true],
      ['fastify: added CPU per tracked request from split profiles', true, undefined],
    ]);
    expect(checks[0]!.actual).toBe('6.00 µs = 2.00 × floor (1.33 to 2.10; floor 3.00 µs), within 1.5 × floor in 1 of 3 repeats; our own 4.29 µs = 1.43 × floor');
    expect(checks[1]!.actual).toMatch(/= 1\.40 × floor .*within 1\.5 × floor in 2 of 3 repeats; its own .*: an in-process design of this kind is not ruled out$/);
    expect(checks[3]!.actual).toMatch(/= 1\.60 × floor .*in 1 of 3 repeats; its own .*: not shown either way$/);
    const above = check(summarize({ 'express least': [run(5, 3), run(5.5, 3), run(6, 3)] }));
    expect(above[0]!.actual).toMatch(/within 1\.5 × floor in 0 of 3 repeats; .*: no in-process design of this kind meets it here$/);
  });
});

describe('bench profile tools: a saved run rendered again', () => {
  it('renders --from-results with the settings, commit and machine it was measured with, measuring nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirsch-results-'));
    try {
      const saved = join(dir, 'runs.json');
      const runs = { 'koa ours': [{ capacity: 0.87 }, { capacity: 0.89 }] };
      writeFileSync(saved, JSON.stringify({ settings: { repeats: 2, duration: 8 }, results: runs, commit: '`abc1234`', startedAt: '2026-12-01T10:00:00.000Z', seconds: 321, machine: 'Some CPU (2 cores)', node: 'v20.0.0' }));
      const out = join(dir, 'report.md');
      const seen: unknown[] = [];
      await (runProfileTool as (options: object) => Promise<void>)({
        tool: 'bench/split.mjs',
        title: 'A title',
        options: { out, noWrite: false, fromResults: saved },
        saved: JSON.parse(readFileSync(saved, 'utf8')),
        settings: { repeats: 9 },
        log: () => {},
        measure: () => {
          throw new Error('measured');
        },
        render: (results: Map<string, unknown>, settings: unknown) => {
          seen.push([...results.keys()], settings);
          return ['rendered'];
        },
        checks: () => [],
      });
      expect(seen).toEqual([['koa ours'], { repeats: 2, duration: 8 }]);
      expect(readFileSync(out, 'utf8')).toContain('Written by `node bench/split.mjs` on 2026-12-01 at commit `abc1234`, on Some CPU (2 cores), Node v20.0.0, in 321 s.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench shares: the targets', () => {
  const run = (ours: number, gc: number) => ({ ours, gc, mainShare: 1, phases: { track: ours, serialise: 0, post: 0 }, top: [], busy: 1000, rps: 1, served: 10, hits: 10, posts: 1 });
  const pairs = [
    { framework: 'express', variant: 'bare' },
    { framework: 'express', variant: 'ours' },
    { framework: 'express', variant: 'wrapped' },
    { framework: 'nest', variant: 'bare' },
    { framework: 'nest', variant: 'ours' },
  ];
  const checksOf = (results: Record<string, ReturnType<typeof run>[]>) =>
    (shareChecks as (rows: unknown) => { what: string; actual: string; ok: boolean | undefined }[])(
      (summarizeShares as (p: unknown, r: unknown) => unknown)(pairs, new Map(Object.entries(results))),
    );

  it('an upper bound: below a target a miss, at or above it not shown either way', () => {
    const checks = checksOf({
      'express bare': [run(0, 0.04), run(0, 0.04), run(0, 0.04)],
      // (1 - 0.03 - 0.04) / 0.96 = 0.969: above 0.93, an upper bound
      'express ours': [run(0.03, 0.04), run(0.03, 0.04), run(0.5, 0.04)],
      // (1 - 0.08 - 0.04) / 0.96 = 0.917: missed
      'express wrapped': [run(0.08, 0.04), run(0.08, 0.04), run(0.08, 0.04)],
      'nest bare': [run(0, 0.03), run(0, 0.03), run(0, 0.03)],
      // (1 - 0.05 - 0.03) / 0.97 = 0.948: above 0.93, in front of Express, and still only an upper bound
      'nest ours': [run(0.05, 0.03), run(0.06, 0.03), run(0.05, 0.03)],
    });
    expect(checks.map((check) => [check.what.split(':')[0], check.ok])).toEqual([
      ['express', undefined],
      ['express', false],
      ['nest', undefined],
    ]);
    expect(checks[0]!.actual).toMatch(/^at most 0\.969 \(0\.479 to 0\.969\).*not ruled out, not shown/);
    expect(checks[1]!.actual).toMatch(/^at most 0\.917 .*below the target even so/);
    expect(checks[2]!.actual).toMatch(/^at most 0\.948 \(0\.938 to 0\.948\)/);
    expect(checks[2]!.what).toContain('our module in front of Express');
  });

  it("pairs each repeat's variant with that repeat's bare", () => {
    const summarize = summarizeShares as (p: unknown, r: unknown) => { variant: string; capacity?: number; capacityLow?: number; capacityHigh?: number }[];
    const rows = summarize(
      pairs.slice(0, 2),
      new Map(
        Object.entries({
          // the GC's share moves from repeat to repeat, alike in bare and ours
          'express bare': [run(0, 0.02), run(0, 0.04), run(0, 0.3)],
          'express ours': [run(0.05, 0.02), run(0.05, 0.04), run(0.05, 0.3)],
        }),
      ),
    );
    const ours = rows.find((row) => row.variant === 'ours')!;
    // (1 - 0.05 - g) / (1 - g): 0.9490, 0.9479, 0.9286; paired with another repeat's bare, 0.69 or 1.31
    expect(ours.capacityLow).toBeCloseTo(0.65 / 0.7, 4);
    expect(ours.capacityHigh).toBeCloseTo(0.93 / 0.98, 4);
    expect(ours.capacity).toBeCloseTo(0.91 / 0.96, 4);
  });
});

describe('bench shares: a real app profiled in its own process', () => {
  type Child = ChildProcess;
  const start = startChild as (file: string, args: string[]) => Promise<{ child: Child; ready: Record<string, string> }>;
  const askChild = ask as (child: Child, cmd: string, type: string, fields?: object) => Promise<Record<string, unknown>>;
  const stop = stopChild as (child: Child) => Promise<Record<string, unknown>>;
  const dir = mkdtempSync(join(tmpdir(), 'pirsch-shares-test-'));
  const children: Child[] = [];
  afterAll(() => {
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0';

  /** The bench's API in a process of its own, and a caller of its IPC commands. */
  async function startApi() {
    const { child, ready } = await start('api-process.mjs', []);
    children.push(child);
    return { api: ready, callApi: (ipcCaller as (child: Child) => (cmd: string) => Promise<Record<string, number>>)(child) };
  }

  /** An app process (bench/`file` with `args`) started, its profiler sampling every 50 µs. */
  async function startProfiled(file: string, args: string[]) {
    const { child, ready } = await start(file, args);
    children.push(child);
    await askChild(child, 'profile-start', 'profiling', { intervalUs: 50 });
    return { child, url: ready.url! };
  }

  /** 40 rounds of `request()` 25 times and `extra()` once, each round awaited. */
  async function rounds(request: () => Promise<string>, extra?: () => Promise<string>) {
    for (let i = 0; i < 40; i++) await Promise.all([...Array.from({ length: 25 }, request), ...(extra ? [extra()] : [])]);
  }

  it('finds our code in Express behind withPirsch, and none in bare Express', async () => {
    const { api } = await startApi();
    const shares: Record<string, Shares> = {};
    for (const variant of ['bare', 'wrapped']) {
      const { child, url } = await startProfiled('app-process.mjs', ['express', variant, api.url!, api.accessKey!]);
      await rounds(() => fetch(url, { headers: { 'user-agent': FIREFOX, accept: 'text/html' } }).then((response) => response.text()));
      const file = join(dir, `${variant}.cpuprofile`);
      const { file: written, mainShare } = (await askChild(child, 'profile-stop', 'profiled', { file })) as { file: string; mainShare: number };
      expect(written).toBe(file);
      // the main thread's part of the process's CPU, read from /proc
      expect(mainShare).toBeGreaterThan(0.3);
      expect(mainShare).toBeLessThanOrEqual(1);
      shares[variant] = attributeProfile(JSON.parse(readFileSync(file, 'utf8')));
      expect((await stop(child)).served).toBe(1000);
    }
    expect(shares.bare!.busy).toBeGreaterThan(100);
    expect(shares.bare!.ours).toBe(0);
    expect(shares.wrapped!.ours).toBeGreaterThan(0);
    expect(shares.wrapped!.phases.track).toBeGreaterThan(0);
    expect(shares.wrapped!.top.some((entry) => /^pirschInFront|^track|^buildHit|^onFinish|^skipReason/.test(entry.name))).toBe(true);
  }, 60_000);

  /** The split app of `framework` (bare and `variant`, bench/split-app.mjs) after 40 rounds of 25 page views, each copy having served half; its profile. */
  async function profiledSplit(framework: string, variant: string) {
    const { api, callApi } = await startApi();
    const { child, url } = await startProfiled('split-app.mjs', [framework, variant, api.url!, api.accessKey!]);
    await rounds(() => fetch(url, { headers: { 'user-agent': FIREFOX } }).then((response) => response.text()));
    const file = join(dir, `${framework}-split.cpuprofile`);
    const { served } = (await askChild(child, 'profile-stop', 'profiled', { file })) as { served: { bare: number; variant: number } };
    expect(served).toEqual({ bare: 500, variant: 500 });
    return { child, callApi, profile: JSON.parse(readFileSync(file, 'utf8')) };
  }

  /** Both copies' frameworks and our code have samples; stopped, each copy served 500 and only the variant's copy tracked. */
  async function expectSplitServed({ child, callApi, profile }: Awaited<ReturnType<typeof profiledSplit>>) {
    const shares = (attribute as (p: unknown) => Shares & { frameworks: { bare: number; variant: number } })(profile);
    expect(shares.frameworks.bare).toBeGreaterThan(0);
    expect(shares.frameworks.variant).toBeGreaterThan(0);
    expect(shares.ours).toBeGreaterThan(0);
    const stopped = (await stop(child)) as { bare: { served: number }; variant: { served: number } };
    expect([stopped.bare.served, stopped.variant.served]).toEqual([500, 500]);
    expect((await callApi('counts')).hits).toBe(500);
  }

  it('splits one process between two copies of Koa, bare and the least design, taking requests in turn', async () => {
    const split = await profiledSplit('koa', 'least');
    const { profile } = split;
    // each copy's scripts, Koa's among them in both
    const koaScripts = profile.nodes.filter((node: { callFrame: { url: string } }) => node.callFrame.url.endsWith('/koa/lib/application.js')).map((node: { callFrame: { scriptId: string } }) => profile.scriptInstances[node.callFrame.scriptId]);
    expect(new Set(koaScripts)).toEqual(new Set(['bare', 'variant']));
    // code neither copy owns is no copy's: the bench's apps and server, the least design, undici
    const unowned = profile.nodes
      .filter((node: { callFrame: { url: string } }) => /\/bench\/(apps|least|split-app)\.mjs$|\/undici\//.test(node.callFrame.url))
      .map((node: { callFrame: { scriptId: string } }) => profile.scriptInstances[node.callFrame.scriptId]);
    expect(unowned.length).toBeGreaterThan(0);
    expect(unowned.filter((instance: string | undefined) => instance !== undefined)).toEqual([]);
    await expectSplitServed(split);
  }, 60_000);

  it('splits Nest too: its bare copy loads from a copy of its files (ES modules load once per path), removed when the process exits', async () => {
    const split = await profiledSplit('nest', 'ours');
    const { profile } = split;
    type Frame = { callFrame: { url: string; scriptId: string } };
    // Nest's and Express's scripts in both copies: the bare copy's from the copy, the variant's from the workspace
    const copies = new Map<string, Set<string>>();
    for (const node of profile.nodes as Frame[]) {
      const match = /\/node_modules\/(@nestjs\/[a-z-]+|express)\//.exec(node.callFrame.url);
      const instance = profile.scriptInstances[node.callFrame.scriptId];
      if (!match || instance === undefined) continue;
      const where = node.callFrame.url.includes('/pirsch-bench-copy-') ? 'copy' : 'workspace';
      copies.set(`${instance} ${where}`, (copies.get(`${instance} ${where}`) ?? new Set()).add(match[1]!));
    }
    expect([...copies.keys()].sort()).toEqual(['bare copy', 'variant workspace']);
    for (const packages of copies.values()) expect([...packages]).toEqual(expect.arrayContaining(['@nestjs/core', 'express']));
    const copied = (profile.nodes as Frame[]).find((node) => node.callFrame.url.includes('/pirsch-bench-copy-'))!.callFrame.url;
    const copyDir = /^(.*\/pirsch-bench-copy-[^/]+)\//.exec(copied.startsWith('file:') ? fileURLToPath(copied) : copied)![1]!;
    expect(existsSync(copyDir)).toBe(true);
    // our module tracked the variant's 500, the bare copy none
    await expectSplitServed(split);
    expect(existsSync(copyDir)).toBe(false);
  }, 60_000);

  it('profiles the least in-process design in Koa: its code is ours, and it delivers each page view that succeeded', async () => {
    const { api, callApi } = await startApi();
    const { child, url } = await startProfiled('app-process.mjs', ['koa', 'least', api.url!, api.accessKey!]);
    const get = (path: string) => fetch(new URL(path, url), { headers: { 'user-agent': FIREFOX, 'accept-language': 'de' } }).then((response) => response.text());
    await rounds(() => get('/'), () => get('/missing'));
    const file = join(dir, 'koa-least.cpuprofile');
    await askChild(child, 'profile-stop', 'profiled', { file });
    const shares = attributeProfile(JSON.parse(readFileSync(file, 'utf8')));
    expect((await stop(child)).served).toBe(1000);
    // the 40 answered 404 are not page views
    expect((await callApi('counts')).hits).toBe(1000);
    expect(shares.ours).toBeGreaterThan(0);
    expect(shares.phases.track).toBeGreaterThan(0);
    expect(shares.top.some((entry) => / \(least\.mjs\)$/.test(entry.name))).toBe(true);
  }, 60_000);
});
