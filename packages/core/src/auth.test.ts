import { createPirschEmulator, type PirschEmulator, type PirschEmulatorOptions } from '@pirsch-node/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenSource, tokenLifetime } from './auth.js';
import { createClient, type PirschClient } from './client.js';
import type { PirschError } from './errors.js';
import { UndiciTransport } from './transport-undici.js';

let emulator: PirschEmulator | undefined;
let client: PirschClient | undefined;
afterEach(async () => {
  await client?.close(1000);
  await emulator?.close();
});

const hit = (n: number) => ({ url: `https://auth.example/${n}`, ip: '198.51.100.4', user_agent: 'Mozilla/5.0 auth' });

async function setUp(tokenTtlMs?: number, emulatorOptions: PirschEmulatorOptions = {}) {
  emulator = await createPirschEmulator({ ...emulatorOptions, ...(tokenTtlMs === undefined ? {} : { tokenTtlMs }) });
  const errors: PirschError[] = [];
  client = createClient({
    baseUrl: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    batchSize: 5,
    minRetryDelayMs: 10,
    maxRetryDelayMs: 100,
    onError: (error) => errors.push(error),
  });
  return { emulator, client, errors };
}

describe('token lifecycle', () => {
  it('renews a short-lived token before it expires, mid-stream, losing and doubling nothing', async () => {
    const { emulator, client } = await setUp(300);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10; i++) client.hit(hit(round * 10 + i));
      expect(await client.flush(5000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120)); // time passes: the 300 ms tokens expire mid-stream
    }
    expect(emulator.hits).toHaveLength(60);
    expect(new Set(emulator.hits.map((h) => h.url)).size).toBe(60);
    expect(emulator.tokensIssued).toBeGreaterThanOrEqual(2);
  });

  it('rides out a failing token endpoint', async () => {
    const { emulator, client } = await setUp();
    emulator.failNext(3, { status: 503, scope: 'token' });
    for (let i = 0; i < 10; i++) client.hit(hit(i));
    expect(await client.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(10);
    expect(emulator.requests.filter((r) => r.path === '/api/v1/token' && r.status === 503)).toHaveLength(3);
    expect(client.metrics.retried).toBeGreaterThanOrEqual(1);
  });

  it('renews after tokens are revoked mid-stream', async () => {
    const { emulator, client } = await setUp();
    for (let i = 0; i < 10; i++) client.hit(hit(i));
    await client.flush(5000);
    emulator.expireTokens();
    for (let i = 10; i < 30; i++) client.hit(hit(i));
    expect(await client.flush(5000)).toBe(true);
    expect(new Set(emulator.hits.map((h) => h.url)).size).toBe(30);
    expect(emulator.hits).toHaveLength(30);
  });
});

const HOURS_2 = 2 * 3600_000;
const tokenRequests = (e: PirschEmulator) => e.requests.filter((r) => r.path === '/api/v1/token');
const refused = (e: PirschEmulator) => e.requests.filter((r) => r.status === 401);

/** `rounds` batches of 5 hits, each flushed, and an API call (`domains.list`) after every fifth. */
async function batchesAndCalls(c: PirschClient, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < 5; i++) c.hit(hit(round * 5 + i));
    expect(await c.flush(5000)).toBe(true);
    if (round % 5 === 4) await c.domains.list();
  }
}

/** One hit at a time, each flushed, with 50 ms between them, for `ms`: time passes as tokens near their expiry. Returns how many. */
async function hitsFor(c: PirschClient, ms: number): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < ms) {
    c.hit(hit(sent++));
    expect(await c.flush(5000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return sent;
}

describe('a wrong clock', () => {
  it.each([
    ['with the API\'s Date header', true],
    ['without a Date header', false],
  ])('a client clock 2 h ahead of the API uses one token for 20 batches and 4 API calls, %s', async (_, sendDate) => {
    const { emulator, client } = await setUp(undefined, { clockOffsetMs: -HOURS_2, sendDate });
    await batchesAndCalls(client, 20);
    expect(emulator.hits).toHaveLength(100);
    expect(tokenRequests(emulator)).toHaveLength(1);
  });

  it('a client clock 2 h behind the API still renews before the token expires, never meeting a 401', async () => {
    // By its own clock the client would keep the 2 s token for 2 h and learn of its expiry from 401s.
    const { emulator, client } = await setUp(2000, { clockOffsetMs: HOURS_2 });
    expect(emulator.hits).toHaveLength(await hitsFor(client, 2600));
    expect(refused(emulator)).toEqual([]);
    expect(emulator.tokensIssued).toBeGreaterThanOrEqual(2);
    expect(emulator.tokensIssued).toBeLessThanOrEqual(4);
  });

  it('without a Date header and with a right clock, renews a short-lived token before it expires', async () => {
    const { emulator, client } = await setUp(1000, { sendDate: false });
    expect(emulator.hits).toHaveLength(await hitsFor(client, 1500));
    expect(refused(emulator)).toEqual([]);
    expect(emulator.tokensIssued).toBeGreaterThanOrEqual(2);
  });

  it('a jump of the local wall clock after a token was fetched does not renew it', async () => {
    emulator = await createPirschEmulator();
    const transport = new UndiciTransport(new URL(emulator.url), 5000, 2);
    try {
      const tokens = createTokenSource({ kind: 'client', clientId: emulator.clientId, clientSecret: emulator.clientSecret }, transport);
      const first = await tokens.token();
      const now = Date.now();
      const jumped = vi.spyOn(Date, 'now').mockImplementation(() => now + HOURS_2);
      try {
        expect(await tokens.token()).toBe(first);
      } finally {
        jumped.mockRestore();
      }
      expect(emulator.tokensIssued).toBe(1);
    } finally {
      await transport.close();
    }
  });
});

describe('tokenLifetime', () => {
  const date = 'Tue, 01 Dec 2026 10:00:00 GMT';
  const serverNow = Date.parse(date);
  const inAnHour = new Date(serverNow + 3600_000).toISOString();

  it('counts from the server\'s Date, wherever the local clock is', () => {
    expect(tokenLifetime(inAnHour, date, serverNow + HOURS_2)).toBe(3600_000 - 1000);
    expect(tokenLifetime(inAnHour, date, serverNow - HOURS_2)).toBe(3600_000 - 1000);
    expect(tokenLifetime(inAnHour, [date], serverNow + HOURS_2)).toBe(3600_000 - 1000);
  });

  it('takes the local clock, to the millisecond, where it agrees with the Date header', () => {
    expect(tokenLifetime(inAnHour, date, serverNow + 400)).toBe(3600_000 - 400);
  });

  it('falls back to the local clock without a readable Date header', () => {
    expect(tokenLifetime(inAnHour, undefined, serverNow + 5000)).toBe(3600_000 - 5000);
    expect(tokenLifetime(inAnHour, 'yesterday-ish', serverNow + 5000)).toBe(3600_000 - 5000);
  });

  it('keeps a token 10 minutes when the expiry is unreadable or already past by every clock it has', () => {
    expect(tokenLifetime(undefined, date, serverNow)).toBe(600_000);
    expect(tokenLifetime('soon', date, serverNow)).toBe(600_000);
    expect(tokenLifetime(inAnHour, undefined, serverNow + HOURS_2)).toBe(600_000);
    expect(tokenLifetime(new Date(serverNow - 1).toISOString(), date, serverNow)).toBe(600_000);
  });
});
