import { fileURLToPath } from 'node:url';
import { PirschDropError, type PirschError } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { startChild } from './support/child.js';
import { failOnUnhandledErrors } from './support/guard.js';
import { listenOnLoopback, type Listening } from './support/listen.js';
import { expectSoundIngest } from './support/hits.js';
import { drive } from './support/load.js';

// Outage: the API unreachable. The app keeps answering at the same pace, the client's memory
// stays bounded, drops are counted and reported a bounded number of times, and delivery resumes
// when the API is back.

failOnUnhandledErrors();

let emulators: PirschEmulator[] = [];
let served: Listening | undefined;
let tracking: ReturnType<typeof pirsch> | undefined;
afterEach(async () => {
  await served?.close();
  await tracking?.shutdown(500);
  await Promise.all(emulators.map((e) => e.close()));
  emulators = [];
  served = undefined;
  tracking = undefined;
});

async function emulator(): Promise<PirschEmulator> {
  const e = await createPirschEmulator();
  emulators.push(e);
  return e;
}

describe('outage, in process through Express', () => {
  it('drops past maxQueueSize are counted and reported in a few sums; delivery resumes when the API is back', async () => {
    const api = await emulator();
    api.setAvailable(false);
    const reported: PirschError[] = [];
    tracking = pirsch({
      baseUrl: api.url,
      accessKey: api.accessKey,
      maxQueueSize: 200,
      batchSize: 20,
      flushIntervalMs: 20,
      timeoutMs: 1000,
      maxRetries: 100,
      minRetryDelayMs: 20,
      maxRetryDelayMs: 200,
      onError: (error) => reported.push(error),
    });
    const app = express();
    app.use(tracking);
    app.get('/:section/:n', (req, res) => void res.send(`${req.params.section} ${req.params.n}`));
    served = await listenOnLoopback(app);
    const { url } = served;
    const client = tracking.client;

    // The outage: 3000 page views, each answered.
    const during = await drive(url, 3000, 16, (i) => `/page/${i}`);
    expect(during.statuses.filter((status) => status !== 200)).toEqual([]);
    expect(tracking.tracked).toBe(3000);
    const { queued, inFlight, dropped, sent, failed } = client.metrics;
    expect(queued + inFlight).toBeLessThanOrEqual(200);
    expect(sent).toBe(0);
    expect(failed).toBe(0); // still retrying: nothing given up, only the oldest dropped for room
    expect(dropped).toBe(3000 - queued - inFlight);
    expect(api.requests).toHaveLength(0); // nothing reached it

    // Back: the held page views and new ones are delivered.
    api.setAvailable(true);
    const after = await drive(url, 50, 5, (i) => `/after/${i}`);
    expect(after.statuses.every((status) => status === 200)).toBe(true);
    expect(await client.flush(10_000)).toBe(true);
    const pages = api.hits.map((hit) => new URL(hit.url).pathname);
    expect(new Set(pages).size).toBe(pages.length);
    expect(pages.filter((p) => p.startsWith('/after/'))).toHaveLength(50);
    // What was held through the outage arrives too, less any the first new hits pushed out while
    // the held ones still waited for their retry. Room is made a whole waiting batch (20) at a
    // time, so 50 new hits push out at most 3 batches. The oldest made room, so the held ones are
    // recent: among the newest 400 (the queue holds 200; a batch in a request is not evicted).
    const pushedOut = client.metrics.dropped - dropped;
    expect(pushedOut).toBeLessThanOrEqual(Math.ceil(50 / 20) * 20);
    const held = pages.filter((p) => p.startsWith('/page/'));
    expect(held).toHaveLength(queued + inFlight - pushedOut);
    expect(Math.min(...held.map((p) => Number(p.slice('/page/'.length))))).toBeGreaterThanOrEqual(3000 - 400);
    expect(client.metrics).toMatchObject({ sent: pages.length, failed: 0, queued: 0, inFlight: 0 });
    expect(client.metrics.sent + client.metrics.dropped).toBe(3050);
    expectSoundIngest(api);

    // Reported: drops as sums (far fewer reports than drops), and every one counted.
    const drops = reported.filter((error): error is PirschDropError => error instanceof PirschDropError);
    expect(drops.every((error) => error.reason === 'queue-full')).toBe(true);
    expect(drops.reduce((sum, error) => sum + error.count, 0)).toBe(client.metrics.dropped);
    expect(reported.length).toBeLessThanOrEqual(15);
    expect(reported.length).toBeGreaterThan(0);
  });
});

interface Measured {
  rps: number;
  bestRps: number;
  rpsPerRound: number[];
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  delivery: { sent: number; dropped: number; queued: number; inFlight: number; failed: number };
  reports?: number;
}
interface OutageResult {
  throughput: { healthy: Measured & { flushed: number }; outage: Measured };
  memory: {
    hits: number;
    rssBeforeMiB: number;
    rssAfterMiB: number;
    rssGrowthMiB: number;
    anonGrowthMiB: number;
    fileBackedGrowthMiB: number;
    heapGrowthMiB: number;
    spaces: Record<string, number>;
    held: number;
    metrics: { dropped: number; sent: number; failed: number };
    elapsedMs: number;
    nsPerHit: number;
    reports: number;
    reportKinds: string[];
    droppedReported: number;
    droppedCounted: number;
    droppedAfterClose: number;
    droppedReportedAfterClose: number;
  };
}

describe('outage, measured in a child process (built packages)', () => {
  it('throughput and latency do not move, 200k hits grow RSS by < 64 MiB, drops are counted and reported in a few sums', async () => {
    const healthy = await emulator();
    const down = await emulator();
    down.setAvailable(false);
    const child = startChild(
      fileURLToPath(new URL('./fixtures/outage.mjs', import.meta.url)),
      { HEALTHY_URL: healthy.url, DOWN_URL: down.url, ACCESS_KEY: healthy.accessKey },
      // The young generation at a fixed size: V8 grows it (up to 64 MiB on Node 24) by its own
      // heuristics, which would show in RSS as noise the client has no part in.
      ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'],
    );
    let result: OutageResult;
    try {
      const [, json] = await child.waitFor(/^RESULT (.*)$/m, 60_000);
      result = JSON.parse(json as string) as OutageResult;
      const { code } = await child.exited;
      expect(code).toBe(0);
      expect(child.stderr()).toBe('');
    } finally {
      child.kill();
    }
    const { throughput: t, memory: m } = result;
    console.info(
      `outage vs healthy: best ${t.outage.bestRps} vs ${t.healthy.bestRps} req/s, median ${t.outage.rps} vs ${t.healthy.rps} (rounds ${t.outage.rpsPerRound} vs ${t.healthy.rpsPerRound}), ` +
        `p50 ${t.outage.p50Ms} vs ${t.healthy.p50Ms} ms, p99 ${t.outage.p99Ms} vs ${t.healthy.p99Ms} ms; ` +
        `200k hits under outage: RSS ${m.rssBeforeMiB} -> ${m.rssAfterMiB} MiB (+${m.rssGrowthMiB}: anonymous +${m.anonGrowthMiB}, file-backed +${m.fileBackedGrowthMiB}), ` +
        `heap +${m.heapGrowthMiB} MiB (spaces ${JSON.stringify(m.spaces)}), ` +
        `${m.nsPerHit} ns per hit(), ${m.metrics.dropped} dropped, ${m.reports} reports (${m.reportKinds.join(', ')})`,
    );

    // Every request answered, in both modes.
    for (const mode of [t.healthy, t.outage]) expect(Object.keys(mode.statuses)).toEqual(['200']);
    // The healthy app delivered; the one under outage delivered nothing and dropped past its queue.
    expect(t.healthy.delivery.failed).toBe(0);
    expect(t.healthy.flushed).toBe(t.healthy.delivery.sent + t.healthy.delivery.queued + t.healthy.delivery.inFlight);
    expect(t.outage.delivery.sent).toBe(0);
    expect(t.outage.delivery.dropped).toBeGreaterThan(0);
    expect(t.outage.delivery.queued + t.outage.delivery.inFlight).toBeLessThanOrEqual(1000);
    expect(t.outage.reports).toBeLessThanOrEqual(20);
    // The outage does not slow the app: a generous bound, the machine is noisy.
    // Throughput is compared on each mode's best round: noise only ever slows a round down.
    expect(t.outage.bestRps).toBeGreaterThanOrEqual(0.5 * t.healthy.bestRps);
    expect(t.outage.p50Ms).toBeLessThanOrEqual(2 * t.healthy.p50Ms + 2);
    expect(t.outage.p99Ms).toBeLessThanOrEqual(3 * t.healthy.p99Ms + 10);

    // Memory stays flat: the queue is bounded (10k by default), the rest is dropped. Measured on
    // the resident memory the process allocated (anonymous: heap, buffers, malloc); pages of the
    // node binary touched on the way are file-backed and not ours. The total is printed above.
    expect(m.anonGrowthMiB).toBeLessThan(64);
    expect(m.heapGrowthMiB).toBeLessThan(32);
    expect(m.held).toBeLessThanOrEqual(10_000);
    expect(m.metrics.sent).toBe(0);
    expect(m.metrics.dropped).toBe(m.hits - m.held);
    // Counted and reported: the reported sums add up to the count, in a handful of reports.
    expect(m.droppedReported).toBe(m.droppedCounted);
    expect(m.droppedReportedAfterClose).toBe(m.droppedAfterClose);
    expect(m.reports).toBeLessThanOrEqual(20);
  }, 90_000);
});
