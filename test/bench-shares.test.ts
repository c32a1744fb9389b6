import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { attribute, median } from '../bench/shares-analysis.mjs';

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
    // 20 samples: 2 idle, 2 GC, 16 busy of which 7 ours (3 track, 2 serialise, 2 post)
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

  it('leaves out the samples taken before fromUs', () => {
    // the first four (100 µs apart) are ours, the last four Express's
    const shares = attributeProfile(profileOf(ROWS, [6, 6, 6, 6, 4, 4, 4, 4]), { fromUs: 450 });
    expect([shares.samples, shares.busy, shares.ours]).toEqual([4, 4, 0]);
  });

  it('takes the median of an odd and an even count', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), Number.isNaN(median([]))]).toEqual([2, 2.5, true]);
  });
});

describe('bench shares: a real app profiled in its own process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pirsch-shares-test-'));
  const children: ChildProcess[] = [];
  const start = async (file: string, args: string[]) => {
    const child = fork(fileURLToPath(new URL(`../bench/${file}`, import.meta.url)), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    return { child, ready: await new Promise<Record<string, string>>((resolve) => child.once('message', resolve)) };
  };
  const next = (child: ChildProcess, type: string) => new Promise<Record<string, unknown>>((resolve) => child.on('message', (message: { type?: string }) => message.type === type && resolve(message)));
  afterAll(() => {
    for (const child of children) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds our code in Express behind withPirsch, and none in bare Express', async () => {
    const { ready: api } = await start('api-process.mjs', []);
    const shares: Record<string, Shares> = {};
    for (const variant of ['bare', 'wrapped']) {
      const { child, ready } = await start('app-process.mjs', ['express', variant, api.url!, api.accessKey!]);
      const profiling = next(child, 'profiling');
      child.send({ cmd: 'profile-start', intervalUs: 50 });
      await profiling;
      for (let i = 0; i < 40; i++) {
        await Promise.all(Array.from({ length: 25 }, () => fetch(ready.url!, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0', accept: 'text/html' } }).then((response) => response.text())));
      }
      const file = join(dir, `${variant}.cpuprofile`);
      const profiled = next(child, 'profiled');
      child.send({ cmd: 'profile-stop', file });
      expect((await profiled).file).toBe(file);
      shares[variant] = attributeProfile(JSON.parse(readFileSync(file, 'utf8')));
      const stopped = next(child, 'stopped');
      child.send({ cmd: 'stop' });
      expect((await stopped).served).toBe(1000);
    }
    expect(shares.bare!.busy).toBeGreaterThan(100);
    expect(shares.bare!.ours).toBe(0);
    expect(shares.wrapped!.ours).toBeGreaterThan(0);
    expect(shares.wrapped!.phases.track).toBeGreaterThan(0);
    expect(shares.wrapped!.top.some((entry) => /^pirschInFront|^track|^buildHit|^onFinish|^skipReason/.test(entry.name))).toBe(true);
  }, 60_000);
});
