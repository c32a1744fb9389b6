import { createClient, type PirschError } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';
import { listenOnLoopback, type Listening } from './support/listen.js';
import { expectSoundIngest } from './support/hits.js';
import { drive, seededRandom, shuffle } from './support/load.js';

// Chaos: an Express app serves 1000 page views while the API fails its first 60 ingest calls in
// every way it can (500, 502, 503, 429 with Retry-After, connection resets, requests that never
// get an answer). The app answers every request, and once flushed every hit arrived exactly once.

failOnUnhandledErrors();

const REQUESTS = 1000;

type Fault = '500' | '502' | '503' | '429' | 'reset' | 'hang';
const FAULT_MIX: Record<Fault, number> = { '500': 10, '502': 10, '503': 10, '429': 8, reset: 14, hang: 8 };

/** Plans the first 60 ingest calls' faults, in a shuffled but fixed order. */
function planFaults(emulator: PirschEmulator, seed: number): Fault[] {
  const faults = shuffle(
    Object.entries(FAULT_MIX).flatMap(([fault, count]) => Array<Fault>(count).fill(fault as Fault)),
    seededRandom(seed),
  );
  for (const fault of faults) {
    if (fault === 'reset') emulator.resetNext(1);
    else if (fault === 'hang') emulator.hangNext(1);
    else if (fault === '429') emulator.failNext(1, { status: 429, retryAfter: 1 });
    else emulator.failNext(1, { status: Number(fault) });
  }
  return faults;
}

let emulator: PirschEmulator | undefined;
let served: Listening | undefined;
afterEach(async () => {
  await served?.close();
  await emulator?.close();
});

describe('chaos', () => {
  it.each([1, 2])('1000 requests through Express while the first 60 ingest calls fail (fault order %i): all answered, every hit once', async (seed) => {
    emulator = await createPirschEmulator();
    const faults = planFaults(emulator, seed);
    expect(faults).toHaveLength(60);
    expect(emulator.pendingFaults).toBe(60);

    const reported: PirschError[] = [];
    const client = createClient({
      baseUrl: emulator.url,
      accessKey: emulator.accessKey,
      // Small batches so the faults spread over many of them, and retries that do not crawl.
      batchSize: 10,
      flushIntervalMs: 20,
      timeoutMs: 1500,
      maxRetries: 100,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 200,
      onError: (error) => reported.push(error),
    });
    const app = express();
    app.use(pirsch({ client }));
    app.get('/page/:n', (req, res) => void res.send(`page ${req.params.n}`));
    served = await listenOnLoopback(app);
    const { url } = served;

    const load = await drive(url, REQUESTS, 20, (i) => `/page/${i}`);
    expect(load.statuses.filter((status) => status !== 200)).toEqual([]);

    expect(await client.flush(25_000)).toBe(true);
    // Every fault was served to the client, and retried past.
    expect(emulator.pendingFaults).toBe(0);
    const ingest = emulator.requests.filter((r) => r.path.startsWith('/api/v1/hit'));
    expect(ingest.filter((r) => r.status !== 200)).toHaveLength(60);

    // Exactly once: 1000 hits, one per page.
    const pages = emulator.hits.map((hit) => new URL(hit.url).pathname);
    expect(pages).toHaveLength(REQUESTS);
    expect(new Set(pages).size).toBe(REQUESTS);
    expect(pages.filter((p) => !/^\/page\/\d+$/.test(p))).toEqual([]);
    expect(client.metrics).toMatchObject({ sent: REQUESTS, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
    expect(client.metrics.retried).toBeGreaterThanOrEqual(60);
    expect(expectSoundIngest(emulator, { faulted: true })).toBe(REQUESTS);

    // Retried failures are not failures: nothing was lost, so nothing was reported.
    expect(reported.map((error) => error.message)).toEqual([]);
    await client.close();
  }, 40_000);
});
