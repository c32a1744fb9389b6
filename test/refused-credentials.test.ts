import { createClient, PirschApiError, PirschDropError, type PirschClient, type PirschClientOptions, type PirschError } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';

// Refused credentials back off. The scenario is 2,000 hits/s for 10 s with a revoked
// access key or a wrong client secret, and the default backoff (500 ms doubling to 30 s). Here it
// runs at a quarter of the time: 2,000 hits/s for 2.5 s with the backoff a quarter as long (125 ms
// doubling to 7.5 s), which makes the same number of backoff rounds, so the same number of
// requests. Real emulator, real time, real HTTP.

failOnUnhandledErrors();

const RATE_PER_S = 2000;
const SCALE = 4;
const SCENARIO_MS = 10_000 / SCALE;
const scaledBackoff = { minRetryDelayMs: 500 / SCALE, maxRetryDelayMs: 30_000 / SCALE };

let emulator: PirschEmulator | undefined;
let client: PirschClient | undefined;
afterEach(async () => {
  await client?.close(100);
  await emulator?.close();
  client = undefined;
  emulator = undefined;
});

let next = 0;
/** Enqueues hits at `RATE_PER_S` for `ms` of real time, each with its own URL; resolves with how many. */
async function stream(pirsch: PirschClient, ms: number): Promise<number> {
  const started = Date.now();
  let sent = 0;
  for (;;) {
    const elapsed = Date.now() - started;
    const due = Math.floor((Math.min(elapsed, ms) / 1000) * RATE_PER_S);
    while (sent < due) {
      pirsch.hit({ url: `https://shop.example/p/${next++}`, ip: '203.0.113.7', user_agent: 'Mozilla/5.0 stream' });
      sent++;
    }
    if (elapsed >= ms) return sent;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const tokenRequests = (e: PirschEmulator) => e.requests.filter((r) => r.path === '/api/v1/token').length;
const ingestRequests = (e: PirschEmulator) => e.requests.filter((r) => r.path.startsWith('/api/v1/hit')).length;

function expectEachOnce(e: PirschEmulator, count: number): void {
  expect(e.hits).toHaveLength(count);
  expect(new Set(e.hits.map((hit) => hit.url)).size).toBe(count);
}

const AUTHS: Array<[string, (e: PirschEmulator) => Partial<PirschClientOptions>]> = [
  ['a revoked access key', (e) => ({ accessKey: e.accessKey })],
  ['revoked client credentials (the token request refused)', (e) => ({ clientId: e.clientId, clientSecret: e.clientSecret })],
];

describe.each(AUTHS)('%s', (_name, auth) => {
  it('pauses delivery with backoff: at most 20 requests in the scenario, one report per pause, and every queued hit arrives once the credentials work', async () => {
    emulator = await createPirschEmulator();
    const e = emulator;
    const reported: PirschError[] = [];
    const pirsch = createClient({ baseUrl: e.url, ...auth(e), ...scaledBackoff, onError: (error) => reported.push(error) } as PirschClientOptions);
    client = pirsch;
    e.setCredentialsValid(false);

    const queued = await stream(pirsch, SCENARIO_MS);
    const requests = tokenRequests(e) + ingestRequests(e);
    console.log(`[credentials] ${_name}: ${queued} hits in ${SCENARIO_MS} ms: ${tokenRequests(e)} token + ${ingestRequests(e)} ingest requests, ${reported.length} reports, metrics ${JSON.stringify(pirsch.metrics)}`);
    expect(requests).toBeLessThanOrEqual(20);
    expect(requests).toBeGreaterThan(1); // it does ask again
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(PirschApiError);
    expect((reported[0] as PirschApiError).status).toBe(401);
    // Nothing given up, nothing lost: the hits wait in the bounded queue.
    expect(pirsch.metrics).toMatchObject({ sent: 0, failed: 0, dropped: 0 });
    expect(pirsch.metrics.queued + pirsch.metrics.inFlight).toBe(queued);

    // Fixed in the dashboard: the next probe gets through and everything waiting goes.
    e.setCredentialsValid(true);
    expect(await pirsch.flush(15_000)).toBe(true);
    expectEachOnce(e, queued);
    expect(pirsch.metrics).toMatchObject({ sent: queued, failed: 0, dropped: 0, queued: 0, inFlight: 0 });
    expect(reported).toHaveLength(1);

    // Revoked again: a new pause, reported once more, and delivered again once fixed.
    e.setCredentialsValid(false);
    const more = await stream(pirsch, 500);
    expect(reported.filter((error) => error instanceof PirschApiError)).toHaveLength(2);
    e.setCredentialsValid(true);
    expect(await pirsch.flush(15_000)).toBe(true);
    expectEachOnce(e, queued + more);
    expect(reported).toHaveLength(2);
  }, 60_000);
});

it('a key that stays wrong holds at most maxQueueSize (the oldest dropped, in summed reports), asks once per backoff, and is reported once', async () => {
  emulator = await createPirschEmulator();
  const e = emulator;
  const reported: PirschError[] = [];
  const pirsch = createClient({ baseUrl: e.url, accessKey: 'pa_wrong_key', ...scaledBackoff, maxQueueSize: 1000, onError: (error) => reported.push(error) });
  client = pirsch;
  const queued = await stream(pirsch, SCENARIO_MS);
  expect(pirsch.metrics.queued + pirsch.metrics.inFlight).toBeLessThanOrEqual(1000);
  expect(pirsch.metrics.dropped).toBe(queued - (pirsch.metrics.queued + pirsch.metrics.inFlight));
  expect(pirsch.metrics.failed).toBe(0);
  expect(ingestRequests(e)).toBeLessThanOrEqual(20);
  expect(reported.filter((error) => error instanceof PirschApiError)).toHaveLength(1);
  const drops = reported.filter((error): error is PirschDropError => error instanceof PirschDropError);
  expect(drops.every((drop) => drop.reason === 'queue-full')).toBe(true);
  // Summed: about one report a second, not one per dropped hit.
  expect(drops.length).toBeLessThanOrEqual(SCENARIO_MS / 1000 + 2);
  expect(e.hits).toHaveLength(0);
}, 30_000);
