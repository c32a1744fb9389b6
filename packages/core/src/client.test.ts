import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { inspect } from 'node:util';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENQUEUE_OWNED_HIT, createClient, type OwnedHitSink, type PirschClient } from './client.js';
import { PirschApiError, PirschConfigError, PirschDropError, type PirschError } from './errors.js';
import type { Hit, PirschClientOptions } from './types.js';

let emulator: PirschEmulator;
const clients: PirschClient[] = [];

beforeEach(async () => {
  emulator = await createPirschEmulator();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(1000)));
  await emulator.close();
});

function client(options: Partial<PirschClientOptions> = {}): PirschClient {
  const created = createClient({
    baseUrl: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    minRetryDelayMs: 20,
    maxRetryDelayMs: 200,
    ...options,
  } as PirschClientOptions);
  clients.push(created);
  return created;
}

function hit(n: number): Hit {
  return { url: `https://shop.example/page/${n}`, ip: `10.0.${Math.floor(n / 250)}.${n % 250}`, user_agent: 'Mozilla/5.0 test' };
}

const ingestRequests = () => emulator.requests.filter((r) => r.path.startsWith('/api/v1/hit') || r.path.startsWith('/api/v1/event') || r.path.startsWith('/api/v1/session'));
const tokenRequests = () => emulator.requests.filter((r) => r.path === '/api/v1/token');
const urls = () => emulator.hits.map((h) => h.url).sort();
const expectEachOnce = (count: number) => {
  expect(emulator.hits).toHaveLength(count);
  expect(new Set(urls()).size).toBe(count);
};

describe('batching', () => {
  it('delivers 200 hits in at most 20 POSTs with one token', async () => {
    const pirsch = client();
    for (let i = 0; i < 200; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(200);
    const posts = ingestRequests();
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.length).toBeLessThanOrEqual(20);
    expect(posts.every((r) => r.path === '/api/v1/hit/batch')).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expect(pirsch.metrics).toMatchObject({ sent: 200, queued: 0, inFlight: 0, failed: 0, dropped: 0 });
  });

  it('gives every batch item its time, in order', async () => {
    const pirsch = client();
    const before = Date.now();
    for (let i = 0; i < 5; i++) pirsch.hit(hit(i));
    await pirsch.flush(5000);
    const body = ingestRequests()[0]?.body as Array<{ time: string; url: string }>;
    expect(body.map((item) => item.url)).toEqual([0, 1, 2, 3, 4].map((i) => hit(i).url));
    for (const item of body) {
      expect(Date.parse(item.time)).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(item.time)).toBeLessThanOrEqual(Date.now());
    }
  });

  it('sends a partial batch after flushIntervalMs without a flush()', async () => {
    const pirsch = client({ flushIntervalMs: 50 });
    pirsch.hit(hit(1));
    // The client counts a hit as sent when the response arrives, which is after the emulator stores it.
    await expect.poll(() => pirsch.metrics.sent, { timeout: 3000 }).toBe(1);
    expect(emulator.hits.length).toBe(1);
    expect(pirsch.metrics.queued).toBe(0);
  });

  it('uses the single endpoints with batchSize 1', async () => {
    const pirsch = client({ batchSize: 1 });
    pirsch.hit(hit(1));
    pirsch.event('Signup', hit(2), { duration: 3, meta: { plan: 'pro', seats: 4, trial: true }, nonInteractive: false });
    pirsch.session({ ip: '10.1.1.1', user_agent: 'Mozilla/5.0 test' });
    expect(await pirsch.flush(5000)).toBe(true);
    expect(ingestRequests().map((r) => r.path).sort()).toEqual(['/api/v1/event', '/api/v1/hit', '/api/v1/session']);
    expect(emulator.events[0]).toMatchObject({
      event_name: 'Signup',
      event_duration: 3,
      event_meta: { plan: 'pro', seats: '4', trial: 'true' },
      non_interactive: false,
      url: hit(2).url,
    });
    expect(emulator.sessions[0]).toMatchObject({ ip: '10.1.1.1' });
  });

  it('batches events and sessions to their batch endpoints', async () => {
    const pirsch = client();
    pirsch.event('Click', hit(1), { meta: { button: 'buy' } });
    pirsch.event('Click', hit(2));
    pirsch.session({ ip: '10.1.1.1', user_agent: 'Mozilla/5.0 test' });
    expect(await pirsch.flush(5000)).toBe(true);
    expect(ingestRequests().map((r) => r.path).sort()).toEqual(['/api/v1/event/batch', '/api/v1/session/batch']);
    expect(emulator.events).toHaveLength(2);
    expect(emulator.sessions).toHaveLength(1);
  });

  it('drops and counts items without url, ip or user_agent instead of sending them', async () => {
    const pirsch = client();
    pirsch.hit({ url: 'https://a.example/', ip: '1.2.3.4', user_agent: '' });
    pirsch.hit({ url: '', ip: '1.2.3.4', user_agent: 'UA' });
    pirsch.hit(null as unknown as Hit);
    pirsch.event('', hit(1));
    pirsch.session({ ip: '', user_agent: 'UA' });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(true);
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.requests.some((r) => r.status === 400)).toBe(false);
    expect(pirsch.metrics.dropped).toBe(5);
  });
});

describe('auth', () => {
  it('uses an access key as the bearer token without a token request', async () => {
    const pirsch = client({ clientId: undefined, clientSecret: undefined, accessKey: emulator.accessKey });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(true);
    expect(tokenRequests()).toHaveLength(0);
    expect(ingestRequests()[0]?.headers.authorization).toBe(`Bearer ${emulator.accessKey}`);
    expect(emulator.hits).toHaveLength(1);
  });

  it('refreshes the token once for all concurrent requests', async () => {
    const pirsch = client({ batchSize: 5, concurrency: 8 });
    for (let i = 0; i < 100; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expect(tokenRequests()).toHaveLength(1);
    expectEachOnce(100);
  });

  it('gets a new token after an expired one is refused, losing and doubling nothing', async () => {
    const pirsch = client();
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(true);
    emulator.expireTokens();
    for (let i = 2; i <= 10; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expect(tokenRequests()).toHaveLength(2);
    expect(ingestRequests().filter((r) => r.status === 401)).toHaveLength(1);
    expectEachOnce(10);
  });

  it('pauses on a batch refused (401) even with the token renewed for it, reports it once, and loses nothing', async () => {
    const errors: PirschError[] = [];
    const pirsch = client({ onError: (error) => errors.push(error) });
    // The cached token is refused, and so is the fresh one the client fetches for its second try.
    emulator.failNext(2, { status: 401 });
    for (let i = 0; i < 3; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(3);
    expect(ingestRequests().map((r) => r.status)).toEqual([401, 401, 200]);
    expect(pirsch.metrics).toMatchObject({ sent: 3, failed: 0, retried: 1 });
    expect(errors.map((error) => (error as PirschApiError).status)).toEqual([401]);
  });

  it('pauses on a batch an access key cannot send (401) instead of giving it up, and delivers it once the key works', async () => {
    const errors: PirschError[] = [];
    const pirsch = client({ clientId: undefined, clientSecret: undefined, accessKey: emulator.accessKey, onError: (error) => errors.push(error) });
    emulator.failNext(1, { status: 401 });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(true);
    expect(ingestRequests().map((r) => r.status)).toEqual([401, 200]);
    expect(pirsch.metrics).toMatchObject({ sent: 1, failed: 0, retried: 1 });
    expect(errors).toHaveLength(1);
    expect((errors[0] as PirschApiError).status).toBe(401);
  });

  it('reports bad credentials once through onError, never showing the secret; the items wait', async () => {
    const errors: PirschError[] = [];
    const secret = 'very-secret-value-123';
    const pirsch = client({ clientSecret: secret, onError: (error) => errors.push(error), batchSize: 2 });
    for (let i = 0; i < 6; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(300)).toBe(false);
    const apiErrors = errors.filter((e): e is PirschApiError => e instanceof PirschApiError);
    expect(apiErrors).toHaveLength(1);
    expect(apiErrors[0]?.status).toBe(401);
    // Waiting, none given up: queued, or in a request retrying the token when flush gave up (a slow machine).
    expect(pirsch.metrics).toMatchObject({ failed: 0, dropped: 0, sent: 0 });
    expect(pirsch.metrics.queued + pirsch.metrics.inFlight).toBe(6);
    expect(emulator.hits).toHaveLength(0);
    for (const error of errors) {
      for (const text of [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error), error.stack ?? '']) {
        expect(text).not.toContain(secret);
      }
    }
    expect(inspect(pirsch, { depth: 10, showHidden: true })).not.toContain(secret);
  });
});

describe('retries', () => {
  it('retries through 503s and delivers each hit once', async () => {
    emulator.failNext(3, { status: 503 });
    const pirsch = client();
    for (let i = 0; i < 20; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(20);
    expect(pirsch.metrics.retried).toBe(3);
  });

  it('waits as long as Retry-After asks on a 429', async () => {
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    const pirsch = client();
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(true);
    const [first, second] = ingestRequests();
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    expect((second?.time.getTime() ?? 0) - (first?.time.getTime() ?? 0)).toBeGreaterThanOrEqual(900);
    expectEachOnce(1);
  });

  it('times out a hanging request and retries it', async () => {
    emulator.hangNext(1);
    const pirsch = client({ timeoutMs: 300 });
    for (let i = 0; i < 3; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(3);
    expect(pirsch.metrics.retried).toBe(1);
  });

  it('retries after a connection reset', async () => {
    emulator.resetNext(2);
    const pirsch = client();
    for (let i = 0; i < 3; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(3);
  });

  it('does not retry other 4xx answers', async () => {
    const errors: PirschError[] = [];
    emulator.failNext(1, { status: 404 });
    const pirsch = client({ onError: (error) => errors.push(error) });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(false);
    expect(ingestRequests()).toHaveLength(1);
    expect(pirsch.metrics).toMatchObject({ failed: 1, retried: 0 });
    expect(errors[0]).toBeInstanceOf(PirschApiError);
  });

  it('backs off as a whole while the API fails: a few requests per backoff, not one per batch; then everything goes', async () => {
    emulator.failNext(1_000_000, { status: 503 });
    // Backoff rounds of 50 to 100 ms (jitter between half and the whole of 100 ms).
    const pirsch = client({ batchSize: 10, minRetryDelayMs: 100, maxRetryDelayMs: 100, maxRetries: 100 });
    const started = Date.now();
    let n = 0;
    while (Date.now() - started < 400) {
      for (let i = 0; i < 20; i++) pirsch.hit(hit(n++));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const elapsed = Date.now() - started;
    const attempts = ingestRequests().length;
    // Dozens of full batches were cut; one request per batch would be at least one each.
    expect(n / 10).toBeGreaterThan(100);
    // At most `concurrency` (4) requests per round of at least 50 ms, plus the first round.
    expect(attempts).toBeLessThanOrEqual(4 * (Math.floor(elapsed / 50) + 2));
    expect(pirsch.metrics.sent).toBe(0);

    // The API answers again: the first success opens the gate for every batch waiting.
    emulator.reset();
    const recovering = Date.now();
    expect(await pirsch.flush(5000)).toBe(true);
    expect(Date.now() - recovering).toBeLessThan(2000);
    expectEachOnce(n);
    expect(pirsch.metrics).toMatchObject({ sent: n, failed: 0, dropped: 0 });
  });

  it('delivers through a rate limit (429 with Retry-After): each hit once, nothing reported, a few requests refused', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ rateLimit: { requests: 4, windowMs: 1000 } });
    const errors: PirschError[] = [];
    const pirsch = client({ accessKey: emulator.accessKey, clientId: undefined, clientSecret: undefined, batchSize: 10, onError: (error) => errors.push(error) });
    for (let i = 0; i < 100; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(10_000)).toBe(true);
    expectEachOnce(100);
    const statuses = ingestRequests().map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    // 10 batches at 4 per second: the limit was hit, and waited out.
    expect(statuses).toContain(429);
    // Refused at most a round (4 slots) per window: the client waits for Retry-After as a whole.
    expect(statuses.filter((status) => status === 429).length).toBeLessThanOrEqual(4 * 3);
    expect(errors).toEqual([]);
  }, 15_000);

  it('holds every request, not only the refused batch, for a Retry-After', async () => {
    emulator.failNext(1, { status: 429, retryAfter: 1 });
    const pirsch = client({ batchSize: 1, concurrency: 1 });
    pirsch.hit(hit(1));
    pirsch.hit(hit(2));
    pirsch.hit(hit(3));
    expect(await pirsch.flush(5000)).toBe(true);
    const [refused, ...later] = ingestRequests();
    expect(refused?.status).toBe(429);
    expect(later.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const request of later) expect(request.time.getTime() - (refused?.time.getTime() ?? 0)).toBeGreaterThanOrEqual(900);
    expectEachOnce(3);
  });

  it('gives up after maxRetries and counts the items as failed', async () => {
    emulator.failNext(10, { status: 500 });
    const pirsch = client({ maxRetries: 2 });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(false);
    expect(ingestRequests()).toHaveLength(3);
    expect(pirsch.metrics).toMatchObject({ failed: 1, retried: 2, sent: 0 });
  });
});

describe('items the API would refuse', () => {
  /** An emulator that refuses the hits whose URL ends in /blocked/<n>, as the API refuses an invalid item. */
  async function pickyEmulator(): Promise<void> {
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: (item) => (/\/blocked\/\d+$/.test(String(item.url)) ? 'this page is blocked' : undefined) });
  }
  const blocked = (n: number): Hit => ({ ...hit(n), url: `https://shop.example/blocked/${n}` });

  it('brings malformed fields within the API\'s limits before queuing: a batch with one of each arrives whole, nothing refused', async () => {
    const errors: PirschError[] = [];
    const pirsch = client({ onError: (error) => errors.push(error) });
    const malformed: Array<Record<string, unknown>> = [
      { tags: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      { tags: { ['k'.repeat(60)]: 'v' } },
      { tags: { author: 'v'.repeat(60) } },
      { tags: { count: 3, nested: { no: true } } },
      { title: 404 },
      { screen_width: -5, screen_height: 1080.5 },
      { disable_bot_filter: 'yes' },
      { user_agent: `Mozilla/5.0 ${'x'.repeat(3000)}` },
    ];
    for (let i = 0; i < 42; i++) pirsch.hit(hit(i));
    malformed.forEach((fields, i) => pirsch.hit({ ...hit(100 + i), ...fields } as unknown as Hit));
    pirsch.event('Signup', hit(200), { duration: -3, meta: { plan: 'pro', seats: 4, nested: { no: 1 } as unknown as string } });
    expect(await pirsch.flush(5000)).toBe(true);
    expect(ingestRequests().map((r) => r.status)).toEqual([200, 200]);
    expect(emulator.hits).toHaveLength(50);
    const byUrl = new Map(emulator.hits.map((h) => [h.url, h]));
    expect(Object.keys(byUrl.get(hit(100).url)?.tags ?? {})).toHaveLength(20);
    expect(byUrl.get(hit(101).url)?.tags).toEqual({ ['k'.repeat(50)]: 'v' });
    expect(byUrl.get(hit(102).url)?.tags).toEqual({ author: 'v'.repeat(50) });
    expect(byUrl.get(hit(103).url)?.tags).toEqual({ count: '3' });
    expect(byUrl.get(hit(104).url)).not.toHaveProperty('title');
    expect(byUrl.get(hit(105).url)).toMatchObject({ screen_height: 1081 });
    expect(byUrl.get(hit(105).url)).not.toHaveProperty('screen_width');
    expect(byUrl.get(hit(106).url)).not.toHaveProperty('disable_bot_filter');
    expect(byUrl.get(hit(107).url)?.user_agent).toHaveLength(512);
    expect(emulator.events).toHaveLength(1);
    expect(emulator.events[0]).not.toHaveProperty('event_duration');
    expect(emulator.events[0]?.event_meta).toEqual({ plan: 'pro', seats: '4' });
    expect(errors).toEqual([]);
  });

  it('bisects a batch the API refuses: the refused item alone is dropped, with the API\'s message; the 49 others arrive, in about 2 log2(50) requests', async () => {
    await pickyEmulator();
    const errors: PirschError[] = [];
    const pirsch = client({ onError: (error) => errors.push(error) });
    for (let i = 0; i < 50; i++) pirsch.hit(i === 17 ? blocked(i) : hit(i));
    expect(await pirsch.flush(5000)).toBe(false);
    expectEachOnce(49);
    expect(urls()).not.toContain(blocked(17).url);
    const requests = ingestRequests();
    expect(requests.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(50)) + 1);
    expect(requests.at(-1)?.body).toEqual([expect.objectContaining({ url: blocked(17).url })]);
    expect(pirsch.metrics).toMatchObject({ sent: 49, dropped: 1, failed: 0, retried: 0, queued: 0, inFlight: 0 });
    expect(errors).toHaveLength(1);
    const drop = errors[0] as PirschDropError;
    expect(drop).toBeInstanceOf(PirschDropError);
    expect(drop).toMatchObject({ reason: 'invalid', count: 1, validation: { item: 'this page is blocked' } });
    expect(drop.message).toContain('this page is blocked');
  });

  it('finds several refused items across batches and slots, releasing every item once: flush settles, counts add up', async () => {
    await pickyEmulator();
    const errors: PirschError[] = [];
    const pirsch = client({ batchSize: 50, concurrency: 4, onError: (error) => errors.push(error) });
    const bad = new Set([0, 49, 50, 77, 78, 199]);
    for (let i = 0; i < 200; i++) pirsch.hit(bad.has(i) ? blocked(i) : hit(i));
    const flushed = pirsch.flush(5000);
    // A second waiter, for part of the items, settles too.
    expect(await Promise.all([flushed, pirsch.flush(5000)])).toEqual([false, false]);
    expectEachOnce(194);
    expect(pirsch.metrics).toMatchObject({ sent: 194, dropped: 6, failed: 0, queued: 0, inFlight: 0 });
    // Equal messages are summed into one report.
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ reason: 'invalid', count: 6 });
    expect(await pirsch.flush(1000)).toBe(true);
  });

  it('a credentials pause that ends on a batch refused as invalid goes on with the rest (they stalled before)', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: (item) => (String(item.url).includes('/bad') ? 'blocked' : undefined) });
    const pirsch = client({ accessKey: emulator.accessKey, clientId: undefined, clientSecret: undefined, batchSize: 10, onError: () => {} });
    emulator.setCredentialsValid(false);
    pirsch.hit({ ...hit(0), url: 'https://shop.example/bad' });
    void pirsch.flush(50); // cut now: 401, and delivery pauses
    await vi.waitFor(() => expect(pirsch.metrics.retried).toBeGreaterThanOrEqual(1), { timeout: 5000, interval: 5 });
    for (let i = 1; i <= 5; i++) pirsch.hit(hit(i));
    void pirsch.flush(10); // cut the good ones: they wait behind the pause
    emulator.setCredentialsValid(true);
    // The probe after the pause is the bad hit, refused as invalid: the good ones must follow it.
    expect(await pirsch.flush(5000)).toBe(false); // the bad one was dropped
    expect(emulator.hits.map((h) => h.url).sort()).toEqual([1, 2, 3, 4, 5].map((i) => hit(i).url).sort());
    expect(await pirsch.flush(1000)).toBe(true);
    expect(pirsch.metrics).toMatchObject({ sent: 5, dropped: 1, queued: 0, inFlight: 0 });
  });

  it('the tags and meta of an item are the ones at the call: changing them afterwards changes nothing sent', async () => {
    const pirsch = client({ flushIntervalMs: 60_000 });
    const tags: Record<string, string> = { a: 'first' };
    const meta: Record<string, string | number> = { plan: 'free' };
    pirsch.hit({ ...hit(1), tags });
    pirsch.event('Signup', hit(2), { meta });
    tags.a = 'second';
    meta.plan = 'changed';
    (meta as Record<string, unknown>).nested = { not: 'a scalar' }; // would make the API refuse the event
    expect(await pirsch.flush()).toBe(true);
    expect(emulator.hits.map((h) => h.tags)).toEqual([{ a: 'first' }]);
    expect(emulator.events.map((e) => e.event_meta)).toEqual([{ plan: 'free' }]);
  });

  it('a concurrency above 10 prints no MaxListenersExceededWarning (every request listens on one abort signal)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const pirsch = client({ concurrency: 16, batchSize: 1, timeoutMs: 60_000 });
      emulator.hangNext(16);
      for (let i = 0; i < 16; i++) pirsch.hit(hit(i));
      await vi.waitFor(() => expect(pirsch.metrics.inFlight).toBe(16), { timeout: 5000, interval: 5 });
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on the next tick
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      await pirsch.close(0);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a run of bad items in a good batch (a bot on one bad URL) costs no good item, whatever the concurrency', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: (item) => (String(item.url).includes('/bad/') ? 'blocked' : undefined) });
    for (const concurrency of [1, 4]) {
      emulator.reset();
      const pirsch = client({ concurrency, onError: () => {} });
      const good: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const bad = i % 200 >= 100 && i % 200 < 120; // a run of 20 bad items every 200
        const url = `https://shop.example/${bad ? 'bad' : 'ok'}/${i}`;
        if (!bad) good.push(url);
        pirsch.hit({ ...hit(i), url });
      }
      expect(await pirsch.flush(30_000)).toBe(false);
      expect(emulator.hits.map((h) => h.url).sort()).toEqual(good.sort());
      expect(pirsch.metrics).toMatchObject({ sent: 1800, dropped: 200 });
    }
  });

  it('when the API refuses every item, it stops splitting after a bisection\'s worth of refusals: a few requests per batch, not two per item', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: () => 'nothing is accepted today' });
    const errors: PirschError[] = [];
    const pirsch = client({ batchSize: 50, onError: (error) => errors.push(error) });
    for (let i = 0; i < 400; i++) pirsch.hit(hit(i));
    expect(await pirsch.flush(5000)).toBe(false);
    expect(emulator.hits).toHaveLength(0);
    expect(pirsch.metrics).toMatchObject({ dropped: 400, sent: 0, failed: 0, queued: 0, inFlight: 0 });
    // Splitting all 8 batches down to single items would take 8 * 99 requests; the guard allows
    // about one whole bisection (99 requests), then sends each batch once.
    expect(ingestRequests().length).toBeLessThanOrEqual(2 * 99 + 8);
    expect(errors.reduce((sum, error) => sum + (error as PirschDropError).count, 0)).toBe(400);

    // The API accepts items again: splitting finds the refused ones again too.
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: (item) => (String(item.url).endsWith('/blocked/7') ? 'blocked' : undefined) });
    const next = client({ batchSize: 50 });
    for (let i = 0; i < 50; i++) next.hit(i === 7 ? blocked(7) : hit(i));
    expect(await next.flush(5000)).toBe(false);
    expectEachOnce(49);
  });

  it('with batchSize 1, a refused item is just that item: dropped as invalid, the others go', async () => {
    await pickyEmulator();
    const errors: PirschError[] = [];
    const pirsch = client({ batchSize: 1, onError: (error) => errors.push(error) });
    for (let i = 0; i < 4; i++) pirsch.hit(i === 2 ? blocked(i) : hit(i));
    expect(await pirsch.flush(5000)).toBe(false);
    expectEachOnce(3);
    expect(ingestRequests()).toHaveLength(4);
    expect(pirsch.metrics).toMatchObject({ sent: 3, dropped: 1, failed: 0, retried: 0 });
    expect(errors).toEqual([expect.objectContaining({ reason: 'invalid', count: 1, validation: { item: 'this page is blocked' } })]);
  });

  it('a 400 without details for a batch of one is dropped as invalid with what the API said', async () => {
    const errors: PirschError[] = [];
    emulator.failNext(1, { status: 422 });
    const pirsch = client({ onError: (error) => errors.push(error) });
    pirsch.hit(hit(1));
    expect(await pirsch.flush(5000)).toBe(false);
    expect(ingestRequests()).toHaveLength(1);
    expect(pirsch.metrics).toMatchObject({ dropped: 1, failed: 0, retried: 0 });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toMatch(/invalid.*refused it \(422\)/);
  });

  it('keeps the reports bounded: many different messages give at most 11 reports, every item counted', async () => {
    await emulator.close();
    emulator = await createPirschEmulator({ refuseItem: (item) => (String(item.url).includes('/odd/') ? `reason ${String(item.url).split('/').pop()}` : undefined) });
    const errors: PirschError[] = [];
    const pirsch = client({ batchSize: 1, concurrency: 8, onError: (error) => errors.push(error) });
    for (let i = 0; i < 40; i++) pirsch.hit({ ...hit(i), url: `https://shop.example/odd/${i}` });
    expect(await pirsch.flush(5000)).toBe(false);
    expect(pirsch.metrics.dropped).toBe(40);
    expect(errors.length).toBeLessThanOrEqual(11);
    expect(errors.reduce((sum, error) => sum + (error as PirschDropError).count, 0)).toBe(40);
  });

  it('close() during a bisection drops what is left once, as closed', async () => {
    const errors: PirschError[] = [];
    emulator.failNext(1, { status: 400 });
    emulator.hangNext(2);
    const pirsch = client({ timeoutMs: 5000, onError: (error) => errors.push(error) });
    for (let i = 0; i < 10; i++) pirsch.hit(hit(i));
    await emulator.waitFor((e) => e.requests.length === 3);
    expect(pirsch.metrics.inFlight).toBe(10);
    expect(await pirsch.close(100)).toBe(false);
    expect(pirsch.metrics).toMatchObject({ dropped: 10, sent: 0, failed: 0, queued: 0, inFlight: 0 });
    expect(errors).toEqual([expect.objectContaining({ reason: 'closed', count: 10 })]);
  });
});

describe('batch size', () => {
  const batchRequests = () => emulator.requests.filter((r) => r.path === '/api/v1/hit/batch');
  const sizes = () => batchRequests().map((r) => (r.body as unknown[]).length);

  it('lets batches grow with the traffic: 500 items per request by default, a quiet site still sends within flushIntervalMs', async () => {
    const busy = client();
    for (let i = 0; i < 1200; i++) busy.hit(hit(i));
    expect(await busy.flush(10_000)).toBe(true);
    expect(sizes().sort((a, b) => b - a)).toEqual([500, 500, 200]);
    expectEachOnce(1200);

    emulator.reset();
    const quiet = client({ flushIntervalMs: 100 });
    const started = Date.now();
    quiet.hit(hit(1));
    quiet.hit(hit(2));
    await emulator.waitFor((e) => e.hits.length === 2, 2000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sizes()).toEqual([2]);
  });

  it('cuts a batch before it would pass maxBatchBytes, and sends every item', async () => {
    const pirsch = client({ maxBatchBytes: 8192 });
    // About 1.2 kB of JSON each: six fit in 8 kB.
    for (let i = 0; i < 60; i++) pirsch.hit({ ...hit(i), title: `${'t'.repeat(500)}${i}`, referrer: `https://ref.example/${'r'.repeat(500)}` });
    expect(await pirsch.flush(10_000)).toBe(true);
    expectEachOnce(60);
    const bytes = batchRequests().map((r) => r.bodyBytes);
    expect(Math.max(...bytes)).toBeLessThanOrEqual(8192);
    // Full batches, not needlessly small ones.
    expect(bytes.length).toBeLessThanOrEqual(12);
    expect(sizes().filter((n) => n < 5).length).toBeLessThanOrEqual(1);
  });

  it('keeps to maxBatchBytes on the wire when multi-byte text makes the JSON longer than estimated', async () => {
    const pirsch = client({ maxBatchBytes: 4096 });
    // 400 characters of three UTF-8 bytes each: the estimate counts 400, the body carries 1200.
    for (let i = 0; i < 40; i++) pirsch.hit({ ...hit(i), title: `${'日本語'.repeat(133)}${i}` });
    expect(await pirsch.flush(10_000)).toBe(true);
    expectEachOnce(40);
    expect(emulator.hits.map((h) => h.title).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `${'日本語'.repeat(133)}${i}`).sort());
    const bytes = batchRequests().map((r) => r.bodyBytes);
    expect(Math.max(...bytes)).toBeLessThanOrEqual(4096);
    expect(pirsch.metrics).toMatchObject({ sent: 40, dropped: 0, failed: 0 });
  });

  it('sends a batch of hundreds, serialised in parts, with every item once, in order, and cuts one in a later part at maxBatchBytes', async () => {
    const pirsch = client({ batchSize: 1000, maxBatchBytes: 65_536, flushIntervalMs: 60_000 });
    // About 500 bytes of JSON each, some of it multi-byte (the estimate counts characters): the
    // first parts of a hundred fit in 64 kB, a later one does not.
    for (let i = 0; i < 300; i++) pirsch.hit({ ...hit(i), title: `${'日本語'.repeat(40)} "${i}"` });
    expect(await pirsch.flush(10_000)).toBe(true);
    expectEachOnce(300);
    const batches = batchRequests();
    expect(Math.max(...batches.map((r) => r.bodyBytes))).toBeLessThanOrEqual(65_536);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches[0]?.body).toHaveLength(100);
    const sent = batches.flatMap((r) => r.body as Hit[]);
    expect(sent.map((h) => h.url)).toEqual(Array.from({ length: 300 }, (_, i) => hit(i).url));
    expect(sent.map((h) => h.title)).toEqual(Array.from({ length: 300 }, (_, i) => `${'日本語'.repeat(40)} "${i}"`));
    expect(pirsch.metrics).toMatchObject({ sent: 300, dropped: 0, failed: 0 });
  });

  it('drops an item JSON cannot carry from a batch of hundreds on its own', async () => {
    const pirsch = client({ batchSize: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 250; i++) pirsch.hit(i === 180 ? ({ ...hit(i), extra: 10n } as Hit) : hit(i));
    expect(await pirsch.flush(10_000)).toBe(false);
    expectEachOnce(249);
    expect(urls()).not.toContain(hit(180).url);
    expect(pirsch.metrics).toMatchObject({ sent: 249, dropped: 1, failed: 0 });
  });

  it('sends an item larger than maxBatchBytes on its own', async () => {
    const pirsch = client({ maxBatchBytes: 1024 });
    pirsch.hit(hit(1));
    pirsch.hit({ ...hit(2), referrer: `https://ref.example/${'r'.repeat(2000)}` });
    pirsch.hit(hit(3));
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(3);
    expect(sizes()).toEqual([1, 1, 1]);
    expect(batchRequests()[1]?.bodyBytes).toBeGreaterThan(1024);
  });

  it('refuses a batch bound it cannot keep, naming it, at configuration time', () => {
    expect(() => client({ maxBatchBytes: 100 })).toThrow(PirschConfigError);
    expect(() => client({ maxBatchBytes: 100 })).toThrow(/maxBatchBytes/);
    expect(() => client({ maxBatchBytes: 'big' as unknown as number })).toThrow(/maxBatchBytes/);
    expect(() => client({ batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('bounded memory', () => {
  it('never serialises a batch that waits out an outage and is evicted unsent', async () => {
    emulator.setAvailable(false);
    // A backoff of 1 to 2 s: longer than the turns below take, short enough to wait out at the end.
    const pirsch = client({ batchSize: 5, maxQueueSize: 20, concurrency: 1, minRetryDelayMs: 2000, maxRetryDelayMs: 2000 });
    const sink = pirsch as unknown as OwnedHitSink;
    // Hits handed over as the tracker hands its own, each telling when JSON.stringify reads it.
    const serialised = new Set<number>();
    const owned = (n: number) => Object.assign(hit(n), { toJSON(this: Hit & { toJSON?: unknown }) { serialised.add(n); const { toJSON, ...rest } = this; void toJSON; return rest; } });
    for (let n = 0; n < 5; n++) sink[ENQUEUE_OWNED_HIT](owned(n));
    // The first batch is sent and refused: the gate closes.
    await vi.waitFor(() => expect(pirsch.metrics.retried).toBe(1), { timeout: 5000 });
    // 95 more, five per event-loop turn: 19 batches cut, 80 items evicted as the queue holds 20.
    for (let n = 5; n < 100; n++) {
      sink[ENQUEUE_OWNED_HIT](owned(n));
      if (n % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(pirsch.metrics).toMatchObject({ dropped: 80, queued: 20, inFlight: 0 });
    // Only the batch that was sent was ever serialised (before, every cut batch was, at once).
    expect([...serialised].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);

    // What is kept (the newest 20: the refused batch waited, and went first) is serialised when it goes, and arrives.
    emulator.setAvailable(true);
    expect(await pirsch.flush(5000)).toBe(true);
    expect(urls()).toEqual(Array.from({ length: 20 }, (_, i) => hit(80 + i).url).sort());
    expect(serialised.size).toBe(25);
  });

  it('holds maxQueueSize with a dead API, drops the oldest, reports drops summed, and flush(500) returns false in time', async () => {
    emulator.setAvailable(false);
    const errors: PirschError[] = [];
    const pirsch = client({ maxQueueSize: 100, onError: (error) => errors.push(error), batchSize: 10, maxRetries: 100 });
    for (let i = 0; i < 5000; i++) pirsch.hit(hit(i));
    const { queued, inFlight } = pirsch.metrics;
    expect(queued + inFlight).toBeLessThanOrEqual(100);
    const started = Date.now();
    expect(await pirsch.flush(500)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
    const drops = errors.filter((e): e is PirschDropError => e instanceof PirschDropError);
    expect(drops.length).toBeGreaterThan(0);
    expect(drops.length).toBeLessThanOrEqual(3);
    expect(drops.reduce((sum, e) => sum + e.count, 0)).toBe(pirsch.metrics.dropped);
    expect(pirsch.metrics.dropped).toBeGreaterThanOrEqual(4900);

    // The newest items survive; once the API is back they are delivered.
    emulator.setAvailable(true);
    expect(await pirsch.flush(8000)).toBe(true);
    expect(emulator.hits.length).toBeGreaterThan(0);
    expect(emulator.hits.length).toBeLessThanOrEqual(100);
    expect(emulator.hits.some((h) => h.url === hit(4999).url)).toBe(true);
    // Only the batches that were already in a request (4 x 10) are older than the newest items kept.
    const delivered = emulator.hits.map((h) => Number(h.url.split('/').pop()));
    expect(delivered.filter((n) => n >= 40 && n < 4900)).toEqual([]);
  });
});

describe('close', () => {
  it('delivers what was queued, then ignores and counts later calls without throwing', async () => {
    const pirsch = client();
    for (let i = 0; i < 7; i++) pirsch.hit(hit(i));
    expect(await pirsch.close(5000)).toBe(true);
    expectEachOnce(7);
    expect(pirsch.closed).toBe(true);
    expect(() => pirsch.hit(hit(100))).not.toThrow();
    expect(() => pirsch.event('X', hit(100))).not.toThrow();
    expect(() => pirsch.session({ ip: '1.1.1.1', user_agent: 'x' })).not.toThrow();
    expect(pirsch.metrics.dropped).toBe(3);
    expect(await pirsch.close(5000)).toBe(true);
    expect(await pirsch.flush(100)).toBe(true);
    expect(emulator.hits).toHaveLength(7);
  });

  it('returns false from close() when the API hangs, within the timeout', async () => {
    emulator.hangNext(100);
    const pirsch = client({ timeoutMs: 5000 });
    pirsch.hit(hit(1));
    const started = Date.now();
    expect(await pirsch.close(300)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(pirsch.metrics.dropped + pirsch.metrics.failed).toBe(1);
  });
});

/** Never rejects: what `promise` resolved or rejected with, and when (performance.now()). */
function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; at: number }> {
  return promise.then(
    (value) => ({ value, at: performance.now() }),
    (error: unknown) => ({ error, at: performance.now() }),
  );
}

/** What `promise` resolves with, or `undefined` when it has not settled within `ms` (a bound, so a regression fails fast). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('close(ms) ends at its deadline', () => {
  it('rejects statistics and management calls waiting out a 60 s Retry-After, and drops ingest waiting too', async () => {
    const pirsch = client();
    emulator.failNext(2, { status: 429, retryAfter: 60, scope: 'api' });
    emulator.failNext(1, { status: 429, retryAfter: 60 });
    const statistics = outcome(pirsch.statistics.total({ id: 'any', from: '2024-01-01', to: '2024-01-02' }));
    const domains = outcome(pirsch.domains.list());
    pirsch.hit(hit(1));
    await emulator.waitFor((e) => e.requests.filter((r) => r.status === 429).length === 3);

    const closedAt = performance.now();
    const closing = await within(outcome(pirsch.close(1000)), 5000);
    const calls = await within(Promise.all([statistics, domains]), 5000);

    expect(closing, 'close(1000) settled within 5 s').toBeDefined();
    expect(closing?.value).toBe(false);
    expect((closing?.at ?? Infinity) - closedAt).toBeLessThan(1000 + 1000);
    expect(calls, 'the calls settled within 5 s').toBeDefined();
    for (const call of calls ?? []) {
      expect(call.error).toMatchObject({ name: 'PirschNetworkError', code: 'CLIENT_CLOSED', message: expect.stringContaining('closed while the call waited to retry') });
      expect(call.at - closedAt).toBeLessThan(1000 + 1000);
    }
    expect(pirsch.metrics).toMatchObject({ dropped: 1, sent: 0, queued: 0, inFlight: 0 });
    // Nothing was tried again after close.
    expect(emulator.requests.filter((r) => r.path !== '/api/v1/token')).toHaveLength(3);
  });

  it('aborts a statistics call in flight against a hanging API, final and not retried', async () => {
    const pirsch = client({ timeoutMs: 30_000 });
    emulator.hangNext(1, { scope: 'api' });
    const statistics = outcome(pirsch.statistics.total({ id: 'any', from: '2024-01-01', to: '2024-01-02' }));
    await emulator.waitFor((e) => e.requests.some((r) => r.path === '/api/v1/statistics/total'));
    const closedAt = performance.now();
    const closing = await within(outcome(pirsch.close(1000)), 5000);
    const call = await within(statistics, 5000);
    expect(closing?.value).toBe(true);
    expect((closing?.at ?? Infinity) - closedAt).toBeLessThan(1000 + 1000);
    expect(call?.error).toMatchObject({ name: 'PirschNetworkError', code: 'CLIENT_CLOSED' });
    expect(emulator.requests.filter((r) => r.path === '/api/v1/statistics/total')).toHaveLength(1);
  });

  it('flush(ms) running out aborts nothing: the batch in flight still arrives', async () => {
    const pirsch = client({ timeoutMs: 400 });
    emulator.hangNext(1);
    pirsch.hit(hit(1));
    expect(await pirsch.flush(100)).toBe(false);
    expect(await pirsch.flush(5000)).toBe(true);
    expectEachOnce(1);
    expect(pirsch.metrics).toMatchObject({ sent: 1, dropped: 0, failed: 0 });
  });
});

describe('configuration', () => {
  const base = { clientId: 'id', clientSecret: 'shh-secret' };
  it.each([
    [{}, 'accessKey'],
    [{ clientId: 'id' }, 'clientSecret'],
    [{ clientSecret: 'shh-secret' }, 'clientId'],
    [{ ...base, accessKey: 'pa_x' }, 'accessKey'],
    [{ accessKey: '' }, 'accessKey'],
    [{ accessKey: 42 }, 'accessKey'],
    [{ ...base, baseUrl: 'http://api.example.com' }, 'baseUrl'],
    [{ ...base, baseUrl: 'not a url' }, 'baseUrl'],
    [{ ...base, baseUrl: 'ftp://localhost' }, 'baseUrl'],
    [{ ...base, timeoutMs: 0 }, 'timeoutMs'],
    [{ ...base, batchSize: 0 }, 'batchSize'],
    [{ ...base, batchSize: 1.5 }, 'batchSize'],
    [{ ...base, flushIntervalMs: -1 }, 'flushIntervalMs'],
    [{ ...base, concurrency: 0 }, 'concurrency'],
    [{ ...base, maxQueueSize: 0 }, 'maxQueueSize'],
    [{ ...base, maxRetries: -1 }, 'maxRetries'],
    [{ ...base, onError: 'log' }, 'onError'],
    [{ ...base, logger: 'console' }, 'logger'],
    [{ ...base, debug: 'yes' }, 'debug'],
    [{ ...base, batchsize: 10 }, 'batchsize'],
  ])('refuses %o naming %s', (options, option) => {
    let thrown: unknown;
    try {
      createClient(options as PirschClientOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PirschConfigError);
    expect((thrown as PirschConfigError).option).toBe(option);
    expect((thrown as Error).message).toContain(option);
    expect((thrown as Error).message).not.toContain('shh-secret');
  });

  it('accepts http: for loopback hosts', () => {
    for (const baseUrl of ['http://localhost:1', 'http://127.0.0.1:1', 'http://[::1]:1']) {
      const created = createClient({ ...base, baseUrl });
      void created.close(10);
    }
  });
});

describe('robustness', () => {
  it('waits as long as asked: close(Infinity) delivers instead of timing out at once', async () => {
    const pirsch = client();
    for (let i = 0; i < 5; i++) pirsch.hit(hit(i));
    expect(await pirsch.close(Number.POSITIVE_INFINITY)).toBe(true);
    expectEachOnce(5);
  });

  it('keeps its own copy of a hit: changing the object afterwards changes nothing', async () => {
    const pirsch = client();
    const reused = hit(1);
    pirsch.hit(reused);
    reused.url = 'https://shop.example/changed';
    pirsch.session(reused);
    reused.ip = '192.0.2.99';
    expect(await pirsch.flush(5000)).toBe(true);
    expect(emulator.hits.map((h) => h.url)).toEqual([hit(1).url]);
    expect(emulator.sessions[0]).toMatchObject({ ip: hit(1).ip });
  });

  it('drops an item JSON cannot carry on its own and delivers the rest of its batch', async () => {
    const errors: PirschError[] = [];
    const pirsch = client({ onError: (error) => errors.push(error) });
    pirsch.hit(hit(1));
    // A field the API does not know is sent as it is: a BigInt there is more than JSON can carry.
    pirsch.hit({ ...hit(2), extra: 10n } as Hit);
    pirsch.hit(hit(3));
    expect(await pirsch.flush(5000)).toBe(false);
    expect(urls()).toEqual([hit(1).url, hit(3).url].sort());
    expect(pirsch.metrics).toMatchObject({ sent: 2, dropped: 1, failed: 0 });
    expect(errors.some((e) => e instanceof PirschDropError && e.reason === 'invalid')).toBe(true);
  });

  it('does not retry API calls on a closed client', async () => {
    const pirsch = client();
    await pirsch.close(1000);
    await expect(pirsch.domains.list()).rejects.toMatchObject({ name: 'PirschNetworkError', code: 'CLIENT_CLOSED' });
    expect(emulator.requests.filter((r) => r.path === '/api/v1/domain')).toHaveLength(0);
  }, 5000);
});
