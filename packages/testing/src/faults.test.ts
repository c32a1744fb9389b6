import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPirschEmulator, type PirschEmulator } from './emulator.js';
import { FaultPlan, failFault } from './faults.js';

const hit = { url: 'https://example.com/', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };

let emulator: PirschEmulator;

beforeEach(async () => {
  emulator = await createPirschEmulator();
});

afterEach(async () => {
  await emulator.close();
});

function sendHit(signal?: AbortSignal): Promise<Response> {
  return fetch(`${emulator.url}/api/v1/hit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.accessKey}` },
    body: JSON.stringify(hit),
    ...(signal ? { signal } : {}),
  });
}

function requestToken(): Promise<Response> {
  return fetch(`${emulator.url}/api/v1/token`, {
    method: 'POST',
    body: JSON.stringify({ client_id: emulator.clientId, client_secret: emulator.clientSecret }),
  });
}

/** The error code under fetch's "fetch failed". */
async function networkErrorOf(request: Promise<Response>): Promise<string | undefined> {
  const error: unknown = await request.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  return ((error as Error).cause as { code?: string } | undefined)?.code;
}

describe('failNext', () => {
  it('answers 503 with the error JSON by default, records the request but not its hit', async () => {
    emulator.failNext(1);
    const response = await sendHit();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({ validation: {}, error: ['Service Unavailable (emulated fault)'] });
    expect(emulator.hits).toHaveLength(0);
    expect(emulator.requests).toMatchObject([{ path: '/api/v1/hit', status: 503, body: hit }]);
  });

  it('sends the status and Retry-After it is given: seconds, a date, or any string', async () => {
    const date = new Date('2030-01-01T00:00:00Z');
    emulator.failNext(1, { status: 429, retryAfter: 2 });
    emulator.failNext(1, { retryAfter: date });
    emulator.failNext(1, { retryAfter: 'soon' });
    const first = await sendHit();
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '2']);
    const second = await sendHit();
    expect([second.status, second.headers.get('retry-after')]).toEqual([503, 'Tue, 01 Jan 2030 00:00:00 GMT']);
    const third = await sendHit();
    expect([third.status, third.headers.get('retry-after')]).toEqual([503, 'soon']);
  });

  it('consumes one request per count, then answers normally', async () => {
    emulator.failNext(2);
    expect(emulator.pendingFaults).toBe(2);
    const statuses = [];
    for (let index = 0; index < 3; index += 1) statuses.push((await sendHit()).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(emulator.pendingFaults).toBe(0);
    expect(emulator.hits).toHaveLength(1);
  });

  it('only touches requests of its scope', async () => {
    emulator.failNext(1, { scope: 'token' });
    expect((await sendHit()).status).toBe(200);
    expect((await requestToken()).status).toBe(503);
    expect(emulator.tokensIssued).toBe(0);
    expect((await requestToken()).status).toBe(200);

    emulator.failNext(1, { scope: 'api' });
    expect((await sendHit()).status).toBe(200);
    const api = await fetch(`${emulator.url}/api/v1/domain`, { headers: { authorization: 'Bearer whatever' } });
    expect(api.status).toBe(503);

    emulator.failNext(2, { scope: 'all', status: 500 });
    expect((await requestToken()).status).toBe(500);
    expect((await sendHit()).status).toBe(500);
  });

  it('comes before authentication, like a proxy in front of the API', async () => {
    emulator.failNext(1);
    const response = await fetch(`${emulator.url}/api/v1/hit`, { method: 'POST', body: JSON.stringify(hit) });
    expect(response.status).toBe(503);
  });

  it('rejects a bad count, scope or status', () => {
    expect(() => emulator.failNext(-1)).toThrow(/count/);
    expect(() => emulator.failNext(1, { status: 200 })).toThrow(/status/);
    expect(() => emulator.failNext(1, { retryAfter: -1 })).toThrow(/retryAfter/);
    // @ts-expect-error: a scope that does not exist
    expect(() => emulator.hangNext(1, { scope: 'hits' })).toThrow(/scope/);
  });
});

describe('hangNext', () => {
  it('reads the request and never answers; the client times out and nothing is recorded as received', async () => {
    emulator.hangNext(1);
    const error = await sendHit(AbortSignal.timeout(200)).catch((reason: unknown) => reason);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(emulator.hits).toHaveLength(0);
    expect(emulator.requests).toMatchObject([{ path: '/api/v1/hit', status: 0, body: hit }]);
    expect((await sendHit()).status).toBe(200);
  });

  it('lets close() resolve while a request hangs, and the client then sees the connection end', async () => {
    emulator.hangNext(1);
    const hanging = sendHit();
    await emulator.waitFor((e) => e.requests.length === 1);
    await emulator.close();
    await expect(hanging).rejects.toThrow();
  });

  it('reset() drops hanging requests', async () => {
    emulator.hangNext(1);
    const hanging = sendHit();
    await emulator.waitFor((e) => e.requests.length === 1);
    emulator.reset();
    await expect(hanging).rejects.toThrow();
    expect((await sendHit()).status).toBe(200);
  });
});

describe('resetNext', () => {
  it('resets the connection after reading the request: the client sees ECONNRESET', async () => {
    emulator.resetNext(1);
    expect(await networkErrorOf(sendHit())).toBe('ECONNRESET');
    expect(emulator.hits).toHaveLength(0);
    expect(emulator.requests).toMatchObject([{ path: '/api/v1/hit', status: 0 }]);
    expect((await sendHit()).status).toBe(200);
  });

  it('applies to the token endpoint with scope token', async () => {
    emulator.resetNext(1, { scope: 'token' });
    expect(await networkErrorOf(requestToken())).toBe('ECONNRESET');
    expect((await requestToken()).status).toBe(200);
  });
});

describe('setAvailable', () => {
  it('refuses every connection while false and serves again once true', async () => {
    expect((await sendHit()).status).toBe(200);
    emulator.setAvailable(false);
    expect(emulator.available).toBe(false);
    // The first request may go out on the pooled keep-alive connection the outage just reset.
    expect(await networkErrorOf(sendHit())).toMatch(/^(ECONNRESET|UND_ERR_SOCKET|EPIPE)$/);
    expect(await networkErrorOf(requestToken())).toBe('ECONNRESET');
    expect(emulator.requests).toHaveLength(1);
    emulator.setAvailable(true);
    expect((await sendHit()).status).toBe(200);
    expect(emulator.hits).toHaveLength(2);
  });
});

describe('FaultPlan', () => {
  it('gives each request the first planned fault whose scope covers it', () => {
    const plan = new FaultPlan();
    plan.add({ kind: 'hang' }, 1, { scope: 'token' });
    plan.add({ kind: 'reset' }, 1, { scope: 'all' });
    plan.add(failFault(), 1);
    expect(plan.take('ingest')).toEqual({ kind: 'reset' });
    expect(plan.take('ingest')).toEqual({ kind: 'fail', status: 503, retryAfter: undefined });
    expect(plan.take('ingest')).toBeUndefined();
    expect(plan.take('api')).toBeUndefined();
    expect(plan.take('token')).toEqual({ kind: 'hang' });
    expect(plan.pending).toBe(0);
  });
});
