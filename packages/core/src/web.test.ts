import { createPirschEmulator } from '@pirsch-node/testing';
import { describe, expect, it } from 'vitest';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HEADERS } from './client-hints.js';
import { PirschConfigError, PirschNetworkError, type PirschError } from './errors.js';
import type { PirschClient } from './client-core.js';
import { FetchTransport } from './transport-fetch.js';
import { createClient, createWebTracker, type PirschWebOptions, type WebTracker } from './web.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';

// `@pirsch-node/core/web` on Node's own fetch: the fetch transport against the emulator on
// loopback, and the web tracker's decisions. The built entry in workerd, Bun and Deno is tested
// with the packages built on it (@pirsch-node/web, @pirsch-node/hono); that it loads no `node:`
// built-in, in test/web-entry.test.ts.

const suite = useEmulator();

function newClient(options: Partial<Parameters<typeof createClient>[0]> = {}): { client: PirschClient; errors: PirschError[] } {
  const errors: PirschError[] = [];
  const client = createClient({ baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000, onError: (error) => errors.push(error), ...options } as Parameters<typeof createClient>[0]);
  suite.after(() => client.close(1000));
  return { client, errors };
}

function newTracker(options: Partial<PirschWebOptions> = {}): WebTracker {
  const tracker = createWebTracker({ baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000, onError: () => {}, ...options } as PirschWebOptions);
  suite.after(() => tracker.shutdown(1000));
  return tracker;
}

const page = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  new Request(`https://shop.example${path}`, { ...init, headers: { 'user-agent': BROWSER_UA, ...headers } });

describe('createClient of @pirsch-node/core/web (fetch)', () => {
  it('delivers hits, events and sessions in batches with the global fetch', async () => {
    const { client, errors } = newClient();
    for (let i = 0; i < 3; i++) client.hit({ url: `https://shop.example/p${i}`, ip: '203.0.113.1', user_agent: BROWSER_UA });
    client.event('Signup', { url: 'https://shop.example/signup', ip: '203.0.113.1', user_agent: BROWSER_UA }, { meta: { plan: 'pro' } });
    client.session({ url: 'https://shop.example/', ip: '203.0.113.1', user_agent: BROWSER_UA });
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example/p0', 'https://shop.example/p1', 'https://shop.example/p2']);
    expect(suite.emulator.events.map((event) => [event.event_name, event.event_meta])).toEqual([['Signup', { plan: 'pro' }]]);
    expect(suite.emulator.sessions).toHaveLength(1);
    expect(suite.emulator.requests.filter((request) => request.path === '/api/v1/hit/batch')).toHaveLength(1);
    expect(client.metrics).toMatchObject({ sent: 5, failed: 0, dropped: 0 });
    expect(errors).toEqual([]);
  });

  it('calls the read API with a token it fetched, and renews it on a 401', async () => {
    const { client } = newClient({ accessKey: undefined, clientId: suite.emulator.clientId, clientSecret: suite.emulator.clientSecret });
    const domains = await client.domains.list();
    expect(domains.length).toBeGreaterThan(0);
    suite.emulator.expireTokens();
    expect((await client.domains.list()).length).toBe(domains.length);
    expect(suite.emulator.tokensIssued).toBe(2);
  });

  it('retries a 503 and delivers once', async () => {
    const { client } = newClient({ minRetryDelayMs: 1, maxRetryDelayMs: 5 });
    suite.emulator.failNext(2);
    client.hit({ url: 'https://shop.example/', ip: '203.0.113.1', user_agent: BROWSER_UA });
    expect(await client.flush(5000)).toBe(true);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(client.metrics.retried).toBe(2);
  });

  it('names a refused connection by its code at the first failure', async () => {
    const closed = await createPirschEmulator();
    const url = closed.url;
    await closed.close();
    const errors: PirschError[] = [];
    const client = createClient({ baseUrl: url, accessKey: 'pa_x', onError: (error) => errors.push(error), minRetryDelayMs: 50, maxRetryDelayMs: 50, maxRetries: 1 });
    suite.after(() => client.close(100));
    client.hit({ url: 'https://shop.example/', ip: '203.0.113.1', user_agent: BROWSER_UA });
    await client.flush(2000);
    const network = errors.find((error): error is PirschNetworkError => error instanceof PirschNetworkError);
    expect(network?.code).toBe('ECONNREFUSED');
  });
});

describe('FetchTransport', () => {
  it('gives up on a request with no answer after timeoutMs, as a timeout', async () => {
    const transport = new FetchTransport(new URL(suite.emulator.url), 200);
    suite.after(() => transport.close());
    suite.emulator.hangNext(1);
    const error = await transport.send({ method: 'POST', path: '/api/v1/hit', body: {}, token: suite.emulator.accessKey }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PirschNetworkError);
    expect((error as PirschNetworkError).timeout).toBe(true);
  });

  it('aborts what is in flight on close(), and refuses after', async () => {
    const transport = new FetchTransport(new URL(suite.emulator.url), 30_000);
    suite.emulator.hangNext(1);
    const pending = transport.send({ method: 'POST', path: '/api/v1/hit', body: {}, token: suite.emulator.accessKey }).catch((caught: unknown) => caught);
    await suite.emulator.waitFor((e) => e.requests.length === 1);
    await transport.close();
    expect(((await pending) as PirschNetworkError).code).toBe('CLIENT_CLOSED');
    const after = await transport.send({ method: 'GET', path: '/api/v1/domain' }).catch((caught: unknown) => caught);
    expect((after as PirschNetworkError).code).toBe('CLIENT_CLOSED');
  });

  it('aborts on the caller signal, and never puts the token into an error', async () => {
    const transport = new FetchTransport(new URL(suite.emulator.url), 30_000);
    suite.after(() => transport.close());
    suite.emulator.hangNext(1);
    const controller = new AbortController();
    const pending = transport.send({ method: 'POST', path: '/api/v1/hit', body: {}, token: 'secret-token-value', signal: controller.signal }).catch((caught: unknown) => caught);
    await suite.emulator.waitFor((e) => e.requests.length === 1);
    controller.abort();
    const error = (await pending) as PirschNetworkError;
    expect(error.code).toBe('ABORTED');
    expect(`${error.message} ${error.stack}`).not.toContain('secret-token-value');
  });
});

describe('createWebTracker', () => {
  it('tracks a page view from a Request and its Response, with the runtime IP', async () => {
    const tracker = newTracker();
    tracker.track(page('/pricing?ref=newsletter', { 'accept-language': 'de-DE' }), new Response('ok'), { ip: '198.51.100.7' });
    expect(tracker.tracked).toBe(1);
    await tracker.client.flush();
    expect(suite.emulator.hits).toHaveLength(1);
    expect(suite.emulator.hits[0]).toMatchObject({ url: 'https://shop.example/pricing?ref=newsletter', ip: '198.51.100.7', user_agent: BROWSER_UA, accept_language: 'de-DE' });
  });

  it('makes the adapters decisions: method, status, asset, DNT, prefetch, bot, exclude, filter', async () => {
    const seen: string[] = [];
    const tracker = newTracker({
      exclude: ['/admin'],
      filter: (request, response) => {
        seen.push(`${new URL(request.url).pathname} ${response.status}`);
        return !request.url.includes('nope');
      },
    });
    tracker.track(page('/', {}, { method: 'POST' }), new Response('ok'));
    tracker.track(page('/missing'), 404);
    tracker.track(page('/app.js'), new Response('x'));
    tracker.track(page('/', { dnt: '1' }), new Response('ok'));
    tracker.track(page('/', { 'sec-purpose': 'prefetch' }), new Response('ok'));
    tracker.track(page('/', { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' }), new Response('ok'));
    tracker.track(page('/admin/users'), new Response('ok'));
    tracker.track(page('/nope'), new Response('ok'));
    tracker.track(page('/yes'), new Response('ok'), { ip: '198.51.100.7' });
    expect(tracker.skipped).toMatchObject({ method: 1, status: 1, asset: 1, dnt: 1, prefetch: 1, bot: 1, excluded: 1, filter: 1 });
    expect(tracker.tracked).toBe(1);
    expect(seen).toEqual(['/nope 200', '/yes 200']);
    await tracker.client.flush();
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example/yes']);
  });

  it('gives title, tags and beforeSend the Request', async () => {
    const tracker = newTracker({
      title: (request) => `Title of ${new URL(request.url).pathname}`,
      tags: (request) => ({ method: request.method }),
      beforeSend: (hit, request) => ({ ...hit, url: hit.url.replace('secret', new URL(request.url).pathname.length.toString()) }),
      stripQuery: ['token'],
    });
    tracker.track(page('/secret?token=abc&lang=de'), new Response('ok'), { ip: '198.51.100.7' });
    await tracker.client.flush();
    expect(suite.emulator.hits[0]).toMatchObject({ url: 'https://shop.example/7?lang=de', title: 'Title of /secret', tags: { method: 'GET' } });
  });

  it('takes the IP from X-Forwarded-For only as trustProxy says, else the runtime, else CF-Connecting-IP', async () => {
    const forwarded = { 'x-forwarded-for': '6.6.6.6, 203.0.113.5, 10.0.0.2' };
    const hops = newTracker({ trustProxy: 2 });
    hops.track(page('/', forwarded), new Response('ok'), { ip: '10.0.0.3' });
    const leftmost = newTracker({ trustProxy: true });
    leftmost.track(page('/', forwarded), new Response('ok'), { ip: '10.0.0.3' });
    const none = newTracker();
    none.track(page('/', forwarded), new Response('ok'), { ip: '10.0.0.3' });
    const workers = newTracker();
    workers.track(page('/', { 'cf-connecting-ip': '198.51.100.9' }), new Response('ok'));
    await Promise.all([hops, leftmost, none, workers].map((tracker) => tracker.client.flush()));
    expect(suite.emulator.hits.map((hit) => hit.ip).sort()).toEqual(['10.0.0.3', '198.51.100.9', '203.0.113.5', '6.6.6.6'].sort());
  });

  it('refuses a bad trustProxy or a misspelt option when created', () => {
    expect(() => createWebTracker({ accessKey: 'pa_x', trustProxy: 'yes' as never })).toThrow(PirschConfigError);
    expect(() => createWebTracker({ accessKey: 'pa_x', trustProxy: -1 })).toThrow(/trustProxy/);
    expect(() => createWebTracker({ accessKey: 'pa_x', excludes: [] } as never)).toThrow(/did you mean "exclude"/);
  });

  it('hands the delivery to waitUntil: the hit arrives with nothing else flushing', async () => {
    const tracker = newTracker();
    const handed: Array<Promise<unknown>> = [];
    tracker.track(page('/'), new Response('ok'), { ip: '198.51.100.7', waitUntil: (promise) => handed.push(promise) });
    tracker.track(page('/app.css'), new Response('ok'), { waitUntil: (promise) => handed.push(promise) });
    expect(handed).toHaveLength(1); // the asset was not tracked: nothing to wait for
    await handed[0];
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example/']);
  });

  it('sends the helper events for the request page, through waitUntil, and none for a bot', async () => {
    const tracker = newTracker();
    const handed: Array<Promise<unknown>> = [];
    const waitUntil = (promise: Promise<unknown>) => handed.push(promise);
    tracker.helper(page('/signup'), { ip: '198.51.100.7', waitUntil }).event('Signup', { meta: { plan: 'pro' } });
    tracker.helper(page('/signup', { 'user-agent': 'curl/8.0' }), { waitUntil }).event('Signup');
    await Promise.all(handed);
    expect(suite.emulator.events.map((event) => [event.url, event.ip, event.event_name])).toEqual([['https://shop.example/signup', '198.51.100.7', 'Signup']]);
  });

  it('a waitUntil that throws costs nothing: the item is delivered all the same', async () => {
    const tracker = newTracker();
    expect(() =>
      tracker.track(page('/'), new Response('ok'), {
        ip: '198.51.100.7',
        waitUntil: () => {
          throw new Error('invocation over');
        },
      }),
    ).not.toThrow();
    // The flush had started when waitUntil refused it: delivery goes on without the platform's wait.
    await tracker.client.flush();
    expect(suite.emulator.hits).toHaveLength(1);
  });

  it('asks for client hints on a Response, also one whose headers are immutable', () => {
    const tracker = newTracker({ clientHints: true });
    const own = new Response('ok', { headers: { 'permissions-policy': 'camera=()' } });
    expect(tracker.prepareResponse(own)).toBe(own);
    expect(own.headers.get('accept-ch')).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
    expect(own.headers.get('permissions-policy')).toMatch(/^camera=\(\), ch-ua=/);
    const redirect = Response.redirect('https://shop.example/', 302); // immutable headers
    const copy = tracker.prepareResponse(redirect);
    expect(copy).not.toBe(redirect);
    expect(copy.status).toBe(302);
    expect(copy.headers.get('location')).toBe('https://shop.example/');
    expect(copy.headers.get('accept-ch')).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
    const off = newTracker();
    const plain = new Response('ok');
    expect(off.prepareResponse(plain)).toBe(plain);
    expect(plain.headers.get('accept-ch')).toBeNull();
  });
});

describe('in the Edge runtime of Next.js and Vercel', () => {
  it('creates a client though `process.on` throws there: it hooks no process exit', async () => {
    const global = globalThis as { EdgeRuntime?: unknown };
    const realOn = process.on;
    global.EdgeRuntime = 'edge-runtime';
    process.on = (() => {
      throw new Error('A Node.js API is used (process.on) which is not supported in the Edge Runtime.');
    }) as typeof process.on;
    try {
      const { client } = newClient();
      client.hit({ url: 'https://shop.example/', ip: '203.0.113.1', user_agent: BROWSER_UA });
      expect(await client.flush()).toBe(true);
      expect(suite.emulator.hits).toHaveLength(1);
    } finally {
      process.on = realOn;
      delete global.EdgeRuntime;
    }
  });
});
