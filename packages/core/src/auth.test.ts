import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from './client.js';
import type { PirschError } from './errors.js';

let emulator: PirschEmulator | undefined;
let client: PirschClient | undefined;
afterEach(async () => {
  await client?.close(1000);
  await emulator?.close();
});

const hit = (n: number) => ({ url: `https://auth.example/${n}`, ip: '198.51.100.4', user_agent: 'Mozilla/5.0 auth' });

async function setUp(tokenTtlMs?: number) {
  emulator = await createPirschEmulator(tokenTtlMs === undefined ? {} : { tokenTtlMs });
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
