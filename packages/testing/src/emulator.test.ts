import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPirschEmulator, type PirschEmulator } from './emulator.js';
import { managementState } from './management.js';
import type { ReceivedEvent, ReceivedHit, ReceivedSession, RecordedRequest } from './store.js';

const hit = { url: 'https://example.com/pricing?plan=pro', ip: '203.0.113.7', user_agent: 'Mozilla/5.0 Firefox/125.0' };

let emulator: PirschEmulator;

beforeEach(async () => {
  emulator = await createPirschEmulator();
});

afterEach(async () => {
  await emulator.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown; raw?: string } = {}) {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function token(): Promise<string> {
  const answer = await call('POST', '/api/v1/token', {
    body: { client_id: emulator.clientId, client_secret: emulator.clientSecret },
  });
  return (answer.json as { access_token: string }).access_token;
}

describe('createPirschEmulator', () => {
  it('listens on loopback at a free port with the default credentials', () => {
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.port).toBeGreaterThan(0);
    expect(emulator.clientId).toBe('test-client-id');
    expect(emulator.clientSecret).toBe('test-client-secret');
    expect(emulator.accessKey).toBe('pa_test_access_key');
  });

  it('takes its credentials from the options', async () => {
    const custom = await createPirschEmulator({ clientId: 'id-1', clientSecret: 'secret-1', accessKey: 'pa_key_1' });
    try {
      const refused = await fetch(`${custom.url}/api/v1/token`, {
        method: 'POST',
        body: JSON.stringify({ client_id: 'test-client-id', client_secret: 'test-client-secret' }),
      });
      expect(refused.status).toBe(401);
      const issued = await fetch(`${custom.url}/api/v1/token`, {
        method: 'POST',
        body: JSON.stringify({ client_id: 'id-1', client_secret: 'secret-1' }),
      });
      expect(issued.status).toBe(200);
      const viaKey = await fetch(`${custom.url}/api/v1/hit`, {
        method: 'POST',
        headers: { authorization: 'Bearer pa_key_1' },
        body: JSON.stringify(hit),
      });
      expect(viaKey.status).toBe(200);
    } finally {
      await custom.close();
    }
  });

  it('rejects invalid options, naming the option', async () => {
    await expect(createPirschEmulator({ port: -1 })).rejects.toThrow(/"port"/);
    await expect(createPirschEmulator({ clientSecret: '' })).rejects.toThrow(/"clientSecret"/);
    await expect(createPirschEmulator({ tokenTtlMs: 0 })).rejects.toThrow(/"tokenTtlMs"/);
    await expect(createPirschEmulator({ clockOffsetMs: Number.NaN })).rejects.toThrow(/"clockOffsetMs"/);
    await expect(createPirschEmulator({ sendDate: 'no' as unknown as boolean })).rejects.toThrow(/"sendDate"/);
  });

  it('rejects when the port is taken', async () => {
    await expect(createPirschEmulator({ port: emulator.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('rejects a rate limit without a whole number of requests or a positive window', async () => {
    await expect(createPirschEmulator({ rateLimit: { requests: 0 } })).rejects.toThrow(/"rateLimit"/);
    await expect(createPirschEmulator({ rateLimit: { requests: 1.5 } })).rejects.toThrow(/"rateLimit"/);
    await expect(createPirschEmulator({ rateLimit: { requests: 5, windowMs: 0 } })).rejects.toThrow(/"rateLimit"/);
  });
});

describe('rate limit', () => {
  it('sends no X-RateLimit headers without the option', async () => {
    const answer = await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('counts requests per window in X-RateLimit-*, answers 429 with Retry-After past the limit without recording, and opens a new window after it', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ rateLimit: { requests: 2, windowMs: 400 } });
    const started = Date.now();
    const first = await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    const second = await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    const third = await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect([first, second, third].map((a) => a.headers.get('x-ratelimit-limit'))).toEqual(['2', '2', '2']);
    expect([first, second, third].map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['1', '0', '0']);
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset * 1000).toBeGreaterThanOrEqual(started + 400 - 1000);
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 400 + 1000);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.json).toEqual({ validation: {}, error: ['rate limit exceeded (emulated)'] });
    expect(emulator.hits).toHaveLength(2);
    expect(emulator.requests.map((r) => r.status)).toEqual([200, 200, 429]);

    await new Promise((resolve) => setTimeout(resolve, 450 - (Date.now() - started)));
    const later = await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    expect(later.status).toBe(200);
    expect(later.headers.get('x-ratelimit-remaining')).toBe('1');

    await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    expect((await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).status).toBe(429);
    emulator.reset();
    expect((await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).status).toBe(200);
  });
});

describe('POST /api/v1/token', () => {
  it('issues a random token with an RFC 3339 UTC expiry one TTL ahead', async () => {
    const before = Date.now();
    const answer = await call('POST', '/api/v1/token', { body: { client_id: 'test-client-id', client_secret: 'test-client-secret' } });
    expect(answer.status).toBe(200);
    const body = answer.json as { access_token: string; expires_at: string };
    expect(body.access_token).toMatch(/^[\w-]{20,}$/);
    expect(body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(body.expires_at)).toBeGreaterThanOrEqual(before + 60 * 60 * 1000);
    expect(await token()).not.toBe(body.access_token);
    expect(emulator.tokensIssued).toBe(2);
  });

  it('sends a Date header by default, by the machine clock', async () => {
    const before = Date.now();
    const answer = await call('POST', '/api/v1/token', { body: { client_id: 'test-client-id', client_secret: 'test-client-secret' } });
    const date = Date.parse(answer.headers.get('date') ?? '');
    expect(date).toBeGreaterThanOrEqual(before - 1000);
    expect(date).toBeLessThanOrEqual(Date.now());
  });

  it('runs on its own clock with clockOffsetMs: Date header, expires_at and token expiry', async () => {
    const behind = await createPirschEmulator({ clockOffsetMs: -2 * 3600_000, tokenTtlMs: 60_000 });
    try {
      const before = Date.now();
      const answer = await fetch(`${behind.url}/api/v1/token`, { method: 'POST', body: JSON.stringify({ client_id: behind.clientId, client_secret: behind.clientSecret }) });
      const { access_token: issued, expires_at: expiresAt } = (await answer.json()) as { access_token: string; expires_at: string };
      const date = Date.parse(answer.headers.get('date') ?? '');
      expect(date).toBeGreaterThanOrEqual(before - 2 * 3600_000 - 1000);
      expect(date).toBeLessThanOrEqual(Date.now() - 2 * 3600_000);
      // A minute from the emulator's now, which is two hours before this machine's.
      expect(Date.parse(expiresAt) - date).toBeGreaterThanOrEqual(60_000);
      expect(Date.parse(expiresAt) - date).toBeLessThan(61_000);
      // By the emulator's clock the token is live, though its expires_at is long past here.
      const used = await fetch(`${behind.url}/api/v1/domain`, { headers: { authorization: `Bearer ${issued}` } });
      expect(used.status).toBe(200);
    } finally {
      await behind.close();
    }
  });

  it('answers without a Date header with sendDate: false, faults included', async () => {
    const dateless = await createPirschEmulator({ sendDate: false });
    try {
      dateless.failNext(1, { scope: 'token', status: 503 });
      const faulted = await fetch(`${dateless.url}/api/v1/token`, { method: 'POST', body: '{}' });
      expect(faulted.status).toBe(503);
      expect(faulted.headers.get('date')).toBeNull();
      const answer = await fetch(`${dateless.url}/api/v1/token`, { method: 'POST', body: JSON.stringify({ client_id: dateless.clientId, client_secret: dateless.clientSecret }) });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('date')).toBeNull();
    } finally {
      await dateless.close();
    }
  });

  it('refuses wrong credentials with 401 and the error JSON', async () => {
    const answer = await call('POST', '/api/v1/token', { body: { client_id: 'test-client-id', client_secret: 'nope' } });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ validation: {}, error: [expect.any(String)] });
    expect(emulator.tokensIssued).toBe(0);
  });

  it('answers 400 for missing credentials and for a body that is not JSON', async () => {
    const missing = await call('POST', '/api/v1/token', { body: { client_id: 'test-client-id' } });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ validation: { client_secret: 'required' }, error: [] });
    const garbage = await call('POST', '/api/v1/token', { raw: '{"client_id":' });
    expect(garbage.status).toBe(400);
  });
});

describe('authentication', () => {
  it('answers 401 without a token, with an unknown token and with a malformed header', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer not-a-token' }, { authorization: 'Basic dGVzdA==' }];
    for (const headers of attempts) {
      const response = await fetch(`${emulator.url}/api/v1/hit`, { method: 'POST', headers, body: JSON.stringify(hit) });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ validation: {}, error: [expect.any(String)] });
    }
    expect(emulator.hits).toHaveLength(0);
  });

  it('accepts an issued token until it expires', async () => {
    const shortLived = await createPirschEmulator({ tokenTtlMs: 1 });
    try {
      const issued = await fetch(`${shortLived.url}/api/v1/token`, {
        method: 'POST',
        body: JSON.stringify({ client_id: shortLived.clientId, client_secret: shortLived.clientSecret }),
      });
      const { access_token, expires_at } = (await issued.json()) as { access_token: string; expires_at: string };
      while (Date.now() <= Date.parse(expires_at)) await new Promise((resolve) => setImmediate(resolve));
      const response = await fetch(`${shortLived.url}/api/v1/hit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
        body: JSON.stringify(hit),
      });
      expect(response.status).toBe(401);
      expect(shortLived.hits).toHaveLength(0);
    } finally {
      await shortLived.close();
    }
  });

  it('expireTokens() turns every token issued so far into a 401, but not later ones', async () => {
    const first = await token();
    expect((await call('POST', '/api/v1/hit', { token: first, body: hit })).status).toBe(200);
    emulator.expireTokens();
    expect((await call('POST', '/api/v1/hit', { token: first, body: hit })).status).toBe(401);
    const second = await token();
    expect((await call('POST', '/api/v1/hit', { token: second, body: hit })).status).toBe(200);
    expect(emulator.hits).toHaveLength(2);
  });

  it('setCredentialsValid(false) refuses the access key, the client and its tokens with 401; true accepts the key and the client again', async () => {
    const issued = await token();
    emulator.setCredentialsValid(false);
    expect(emulator.credentialsValid).toBe(false);
    expect((await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).status).toBe(401);
    expect((await call('POST', '/api/v1/hit', { token: issued, body: hit })).status).toBe(401);
    const refused = await call('POST', '/api/v1/token', { body: { client_id: emulator.clientId, client_secret: emulator.clientSecret } });
    expect(refused.status).toBe(401);
    expect(emulator.hits).toHaveLength(0);

    emulator.setCredentialsValid(true);
    expect((await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).status).toBe(200);
    expect((await call('POST', '/api/v1/hit', { token: issued, body: hit })).status).toBe(401);
    expect((await call('POST', '/api/v1/hit', { token: await token(), body: hit })).status).toBe(200);
    expect(emulator.hits).toHaveLength(2);

    emulator.setCredentialsValid(false);
    emulator.reset();
    expect(emulator.credentialsValid).toBe(true);
  });

  it('accepts the access key on every ingest endpoint', async () => {
    const key = emulator.accessKey;
    const time = '2026-01-02T03:04:05Z';
    expect((await call('POST', '/api/v1/hit', { token: key, body: hit })).status).toBe(200);
    expect((await call('POST', '/api/v1/event', { token: key, body: { ...hit, event_name: 'Signup' } })).status).toBe(200);
    expect((await call('POST', '/api/v1/session', { token: key, body: { ip: hit.ip, user_agent: hit.user_agent } })).status).toBe(200);
    expect((await call('POST', '/api/v1/hit/batch', { token: key, body: [{ ...hit, time }] })).status).toBe(200);
    expect((await call('POST', '/api/v1/event/batch', { token: key, body: [{ ...hit, event_name: 'A', time }] })).status).toBe(200);
    expect((await call('POST', '/api/v1/session/batch', { token: key, body: [{ ip: hit.ip, user_agent: 'x', time }] })).status).toBe(200);
    expect([emulator.hits.length, emulator.events.length, emulator.sessions.length]).toEqual([2, 2, 2]);
  });

  it('refuses the access key on statistics and management routes with 403', async () => {
    for (const path of ['/api/v1/domain', '/api/v1/statistics/total?id=x&from=2026-01-01&to=2026-01-31']) {
      const answer = await call('GET', path, { token: emulator.accessKey });
      expect(answer.status).toBe(403);
      expect(answer.json).toEqual({ validation: {}, error: [expect.stringMatching(/write-only/)] });
    }
  });
});

describe('ingest', () => {
  it('records a single hit with its arrival time, and the request', async () => {
    const before = Date.now();
    const access = await token();
    const answer = await call('POST', '/api/v1/hit', { token: access, body: { ...hit, title: 'Pricing', screen_width: 1920 } });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(emulator.hits).toEqual([{ ...hit, title: 'Pricing', screen_width: 1920, time: expect.any(String) }]);
    expect(Date.parse(emulator.hits[0]!.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(emulator.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/hit',
      query: {},
      headers: { authorization: `Bearer ${access}` },
      body: { ...hit, title: 'Pricing', screen_width: 1920 },
      status: 200,
    });
  });

  it('uses the arrival time even when a single call carries its own time', async () => {
    await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: { ...hit, time: '2001-01-01T00:00:00Z' } });
    expect(emulator.hits[0]!.time).not.toBe('2001-01-01T00:00:00Z');
  });

  it('records a single event and a session', async () => {
    const event = { ...hit, event_name: 'Signup', event_duration: 3, event_meta: { plan: 'pro' }, non_interactive: true };
    expect((await call('POST', '/api/v1/event', { token: emulator.accessKey, body: event })).status).toBe(200);
    expect((await call('POST', '/api/v1/session', { token: emulator.accessKey, body: { ip: hit.ip, user_agent: 'UA' } })).status).toBe(200);
    expect(emulator.events).toEqual([{ ...event, time: expect.any(String) }]);
    expect(emulator.sessions).toEqual([{ ip: hit.ip, user_agent: 'UA', time: expect.any(String) }]);
  });

  it('records a batch in order, each item with its own time', async () => {
    const items = [
      { ...hit, url: 'https://example.com/a', time: '2026-03-01T10:00:00Z' },
      { ...hit, url: 'https://example.com/b', time: '2026-03-01T10:00:01.250+02:00' },
    ];
    expect((await call('POST', '/api/v1/hit/batch', { token: await token(), body: items })).status).toBe(200);
    expect(emulator.hits).toEqual(items);
  });

  it('answers 400 with the missing fields for each kind', async () => {
    const key = emulator.accessKey;
    const noHit = await call('POST', '/api/v1/hit', { token: key, body: { title: 'x' } });
    expect(noHit.status).toBe(400);
    expect(noHit.json).toEqual({ validation: { url: 'required', ip: 'required', user_agent: 'required' }, error: [] });
    const noName = await call('POST', '/api/v1/event', { token: key, body: hit });
    expect(noName.json).toEqual({ validation: { event_name: 'required' }, error: [] });
    const noSession = await call('POST', '/api/v1/session', { token: key, body: { url: 'https://example.com/' } });
    expect(noSession.json).toEqual({ validation: { ip: 'required', user_agent: 'required' }, error: [] });
    expect(emulator.hits.length + emulator.events.length + emulator.sessions.length).toBe(0);
    expect(emulator.requests.map((request) => request.status)).toEqual([400, 400, 400]);
  });

  it('refuses a whole batch when one item is invalid, naming the index', async () => {
    const items = [
      { ...hit, time: '2026-03-01T10:00:00Z' },
      { ...hit, user_agent: undefined, time: '2026-03-01T10:00:01Z' },
      { ...hit, time: 'yesterday' },
    ];
    const answer = await call('POST', '/api/v1/hit/batch', { token: emulator.accessKey, body: items });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      validation: { '1.user_agent': 'required', '2.time': 'must be an RFC 3339 time' },
      error: ['invalid batch items 1, 2: nothing was recorded'],
    });
    expect(emulator.hits).toHaveLength(0);
  });

  it('refuses what refuseItem refuses, like an invalid item: single calls, and a batch whole, naming the index', async () => {
    const picky = await createPirschEmulator({ refuseItem: (item, kind) => (kind === 'hit' && String(item.url).endsWith('/blocked') ? 'this page is blocked' : undefined) });
    try {
      const send = (path: string, body: unknown) =>
        fetch(`${picky.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${picky.accessKey}` }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json().catch(() => undefined)) as unknown }));
      const blocked = { ...hit, url: 'https://example.com/blocked' };
      expect(await send('/api/v1/hit', blocked)).toEqual({ status: 400, json: { validation: { item: 'this page is blocked' }, error: [] } });
      expect((await send('/api/v1/event', { ...blocked, event_name: 'E' })).status).toBe(200);
      const time = '2026-03-01T10:00:00Z';
      const batch = await send('/api/v1/hit/batch', [{ ...hit, time }, { ...blocked, time }]);
      expect(batch).toEqual({ status: 400, json: { validation: { '1.item': 'this page is blocked' }, error: ['invalid batch item 1: nothing was recorded'] } });
      expect((await send('/api/v1/hit/batch', [{ ...hit, time }])).status).toBe(200);
      expect(picky.hits.map((h) => h.url)).toEqual([hit.url]);
    } finally {
      await picky.close();
    }
    await expect(createPirschEmulator({ refuseItem: 'no' as unknown as () => undefined })).rejects.toThrow(/"refuseItem"/);
  });

  it('wants an object for single calls and an array for batches', async () => {
    const key = emulator.accessKey;
    expect((await call('POST', '/api/v1/hit', { token: key, body: [hit] })).status).toBe(400);
    expect((await call('POST', '/api/v1/hit/batch', { token: key, body: hit })).status).toBe(400);
    expect((await call('POST', '/api/v1/hit', { token: key })).status).toBe(400);
  });

  it('enforces the field types and the limits of tags and event meta', async () => {
    const key = emulator.accessKey;
    const tooManyTags = Object.fromEntries(Array.from({ length: 21 }, (_, index) => [`k${index}`, 'v']));
    const cases: Array<[string, unknown, Record<string, string>]> = [
      ['/api/v1/hit', { ...hit, screen_width: '1920' }, { screen_width: 'must be a non-negative integer' }],
      ['/api/v1/hit', { ...hit, screen_width: 1920.5 }, { screen_width: 'must be a non-negative integer' }],
      ['/api/v1/event', { ...hit, event_name: 'E', event_duration: -1 }, { event_duration: 'must be a non-negative integer' }],
      ['/api/v1/hit', { ...hit, ip: 7 }, { ip: 'must be a string' }],
      ['/api/v1/hit', { ...hit, disable_bot_filter: 'yes' }, { disable_bot_filter: 'must be a boolean' }],
      ['/api/v1/hit', { ...hit, tags: tooManyTags }, { tags: 'at most 20 tags' }],
      ['/api/v1/hit', { ...hit, tags: { author: 'x'.repeat(51) } }, { tags: 'keys and values up to 50 characters' }],
      ['/api/v1/event', { ...hit, event_name: 'E', event_meta: { nested: { no: 1 } } }, { event_meta: 'must be an object of scalars' }],
      ['/api/v1/event', { ...hit, event_name: 'E', event_meta: { k: 'v'.repeat(2001) } }, { event_meta: 'values up to 2000 characters' }],
      ['/api/v1/event', { ...hit, event_name: 'E', event_meta: { ['k'.repeat(101)]: 'v' } }, { event_meta: 'keys up to 100 characters' }],
    ];
    for (const [path, body, validation] of cases) {
      const answer = await call('POST', path, { token: key, body });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ validation, error: [] });
    }
    const atLimits = { ...hit, event_name: 'E', tags: { ['t'.repeat(50)]: 'v'.repeat(50) }, event_meta: { n: 1, b: true, s: 'v'.repeat(2000) } };
    expect((await call('POST', '/api/v1/event', { token: key, body: atLimits })).status).toBe(200);
  });

  it('answers 400 for a body that is not JSON and records the raw text', async () => {
    const answer = await call('POST', '/api/v1/hit', { token: emulator.accessKey, raw: 'url=x' });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ validation: {}, error: [expect.stringMatching(/JSON/)] });
    expect(emulator.requests[0]).toMatchObject({ body: 'url=x', status: 400 });
  });

  it('answers 413 for a body over maxBodyBytes', async () => {
    const small = await createPirschEmulator({ maxBodyBytes: 100 });
    try {
      const response = await fetch(`${small.url}/api/v1/hit/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${small.accessKey}` },
        body: JSON.stringify(Array.from({ length: 10 }, () => ({ ...hit, time: '2026-03-01T10:00:00Z' }))),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ validation: {}, error: [expect.stringMatching(/100 bytes/)] });
      expect(small.hits).toHaveLength(0);
      expect(small.requests).toMatchObject([{ status: 413, body: undefined }]);
    } finally {
      await small.close();
    }
  });

  it('answers 404 with the error JSON for unknown paths and methods', async () => {
    const access = await token();
    for (const [method, path] of [['GET', '/api/v1/hit'], ['POST', '/api/v1/nope'], ['GET', '/api/v1/token'], ['POST', '/api/v1/hit/']]) {
      const answer = await call(method!, path!, { token: access });
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ validation: {}, error: [expect.stringContaining(path!)] });
    }
  });

  it('answers 404 for unknown paths whoever asks: without a token, with an access key, with a bad token', async () => {
    const credentials: Array<string | undefined> = [undefined, emulator.accessKey, 'not-a-token'];
    for (const access of credentials) {
      for (const [method, path] of [['GET', '/'], ['GET', '/favicon.ico'], ['POST', '/api/v1/nope'], ['GET', '/api/v1/statistics/nope'], ['GET', '/api/v2/domain']]) {
        const answer = await call(method!, path!, access === undefined ? {} : { token: access });
        expect({ access, path, status: answer.status }).toEqual({ access, path, status: 404 });
      }
    }
    // Known paths still ask for auth first.
    expect((await call('GET', '/api/v1/domain')).status).toBe(401);
    expect((await call('GET', '/api/v1/domain', { token: emulator.accessKey })).status).toBe(403);
  });

  it('keeps at most maxRecorded entries per list, dropping the oldest', async () => {
    const bounded = await createPirschEmulator({ maxRecorded: 2 });
    try {
      for (const url of ['https://e.com/1', 'https://e.com/2', 'https://e.com/3']) {
        await fetch(`${bounded.url}/api/v1/hit`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bounded.accessKey}` },
          body: JSON.stringify({ ...hit, url }),
        });
      }
      expect(bounded.hits.map((received) => received.url)).toEqual(['https://e.com/2', 'https://e.com/3']);
      expect(bounded.requests).toHaveLength(2);
    } finally {
      await bounded.close();
    }
  });
});

describe('events', () => {
  it('emits hit, event, session and request as they arrive', async () => {
    const seen: string[] = [];
    const hits: ReceivedHit[] = [];
    const events: ReceivedEvent[] = [];
    const sessions: ReceivedSession[] = [];
    const requests: RecordedRequest[] = [];
    emulator.on('hit', (received) => (hits.push(received), seen.push('hit')));
    emulator.on('event', (received) => (events.push(received), seen.push('event')));
    emulator.on('session', (received) => (sessions.push(received), seen.push('session')));
    emulator.on('request', (request) => (requests.push(request), seen.push(`request ${request.status}`)));
    const key = emulator.accessKey;
    const time = '2026-03-01T10:00:00Z';
    await call('POST', '/api/v1/hit/batch', { token: key, body: [{ ...hit, time }, { ...hit, time }] });
    await call('POST', '/api/v1/event', { token: key, body: { ...hit, event_name: 'E' } });
    await call('POST', '/api/v1/session', { token: key, body: { ip: '1', user_agent: 'u' } });
    await call('POST', '/api/v1/hit', { token: key, body: {} });
    expect(seen).toEqual(['hit', 'hit', 'request 200', 'event', 'request 200', 'session', 'request 200', 'request 400']);
    expect(hits).toEqual(emulator.hits);
    expect(events).toEqual(emulator.events);
    expect(sessions).toEqual(emulator.sessions);
    expect(requests).toEqual(emulator.requests);
  });
});

describe('waitFor', () => {
  it('resolves once the condition holds, checking after each request', async () => {
    const waiting = emulator.waitFor((e) => e.hits.length === 2);
    await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit });
    await expect(waiting).resolves.toBeUndefined();
  });

  it('rejects after its timeout and when the emulator closes', async () => {
    await expect(emulator.waitFor(() => false, 20)).rejects.toThrow(/did not hold within 20 ms \(0 hits/);
    const waiting = emulator.waitFor(() => false);
    await emulator.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe('reset', () => {
  it('clears recorded data, faults and tokens in place and keeps listening', async () => {
    const hits = emulator.hits;
    const old = await token();
    await call('POST', '/api/v1/hit', { token: old, body: hit });
    emulator.failNext(3);
    emulator.reset();
    expect(emulator.hits).toBe(hits);
    expect([emulator.hits.length, emulator.requests.length, emulator.tokensIssued, emulator.pendingFaults]).toEqual([0, 0, 0, 0]);
    expect((await call('POST', '/api/v1/hit', { token: old, body: hit })).status).toBe(401);
    expect((await call('POST', '/api/v1/hit', { token: await token(), body: hit })).status).toBe(200);
    expect(hits).toHaveLength(1);
  });

  it('starts the management state again', () => {
    const before = managementState(emulator.store);
    before.goals.push({} as (typeof before.goals)[number]);
    emulator.reset();
    expect(managementState(emulator.store).goals).toEqual([]);
  });

  it('ends an outage', async () => {
    emulator.setAvailable(false);
    await expect(call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).rejects.toThrow();
    emulator.reset();
    expect(emulator.available).toBe(true);
    expect((await call('POST', '/api/v1/hit', { token: emulator.accessKey, body: hit })).status).toBe(200);
  });
});

describe('waitFor with a throwing predicate', () => {
  it('rejects the wait and records the request once', async () => {
    const emulator = await createPirschEmulator();
    try {
      // Throws only once a hit arrived, i.e. inside the emulator's request handling.
      const waiting = emulator.waitFor((e) => e.hits.length > 0 && (e.hits[1] as { url: string }).url === 'never').catch((error: unknown) => error);
      const response = await fetch(`${emulator.url}/api/v1/hit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emulator.accessKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'https://a.example/', ip: '192.0.2.1', user_agent: 'UA' }),
      });
      expect(response.status).toBe(200);
      expect(await waiting).toBeInstanceOf(TypeError);
      expect(emulator.hits).toHaveLength(1);
    } finally {
      await emulator.close();
    }
  });
});
