import { PirschConfigError, type PirschClientOptions, type WebTrackingOptions } from '@pirsch-node/core/web';
import { createPirsch, optionsFromEnv, type PirschNext } from '@pirsch-node/next';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { NextRequest } from 'next/server.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const DOCUMENT = { 'user-agent': UA, accept: 'text/html,application/xhtml+xml', 'sec-fetch-dest': 'document', 'x-forwarded-for': '203.0.113.7' };

let emulator: PirschEmulator;
beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => emulator.reset());

/** The `NextFetchEvent` of a proxy call: what it is handed, to await like the platform does. */
function fetchEvent() {
  const handed: Promise<unknown>[] = [];
  return { handed, waitUntil: (promise: Promise<unknown>) => void handed.push(promise) };
}

const pirschFor = (options: WebTrackingOptions & PirschClientOptions = {}): PirschNext =>
  createPirsch({ accessKey: emulator.accessKey, baseUrl: emulator.url, ...options });

describe('proxy', () => {
  it('tracks a document navigation as a page view and hands its delivery to event.waitUntil', async () => {
    const pirsch = pirschFor();
    const event = fetchEvent();
    const response = pirsch.proxy(new NextRequest('http://shop.test/products?page=2', { headers: DOCUMENT }), event as never);

    // The request goes on to the page: `NextResponse.next()`.
    expect(response.headers.get('x-middleware-next')).toBe('1');
    expect(event.handed).toHaveLength(1);
    await Promise.all(event.handed);
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.hits[0]).toMatchObject({ url: 'http://shop.test/products?page=2', ip: '203.0.113.7', user_agent: UA });
    expect(pirsch.tracked).toBe(1);
    await pirsch.shutdown();
  });

  it('takes the IP the last proxy wrote in X-Forwarded-For (trustProxy: 1), not one the visitor forged', async () => {
    const pirsch = pirschFor();
    const event = fetchEvent();
    pirsch.proxy(new NextRequest('http://shop.test/', { headers: { ...DOCUMENT, 'x-forwarded-for': '6.6.6.6, 198.51.100.2' } }), event as never);
    await Promise.all(event.handed);
    expect(emulator.hits.map((hit) => hit.ip)).toEqual(['198.51.100.2']);
    await pirsch.shutdown();
  });

  it("tracks the site's URL from X-Forwarded-Host/Host and X-Forwarded-Proto, not the server's own address that next start puts in request.url", async () => {
    const pirsch = pirschFor();
    const event = fetchEvent();
    pirsch.proxy(new NextRequest('http://localhost:3000/pricing?plan=pro', { headers: { ...DOCUMENT, host: 'localhost:3000', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' } }), event as never);
    pirsch.proxy(new NextRequest('http://localhost:3000/about', { headers: { ...DOCUMENT, host: 'www.shop.example' } }), event as never);
    await Promise.all(event.handed);
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example/pricing?plan=pro', 'http://www.shop.example/about']);
    const handler = new Request('http://localhost:3000/api/signup', { method: 'POST', headers: { 'user-agent': UA, host: 'shop.example', 'x-forwarded-proto': 'https', 'x-forwarded-for': '192.0.2.9' } });
    await pirsch.event('Signup', { request: handler });
    expect(emulator.events.map((sent) => sent.url)).toEqual(['https://shop.example/api/signup']);
    await pirsch.shutdown();
  });

  it('counts a browser navigation without Sec-Fetch-Dest by its Accept header', async () => {
    const pirsch = pirschFor();
    const { 'sec-fetch-dest': _dest, ...older } = DOCUMENT;
    pirsch.proxy(new NextRequest('http://shop.test/about', { headers: older }), fetchEvent() as never);
    await pirsch.client.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.test/about']);
    await pirsch.shutdown();
  });

  it.each([
    ['an RSC fetch of the router (RSC: 1)', { rsc: '1' }, '/about', 'not-navigation'],
    ['an RSC fetch seen with its _rsc parameter', {}, '/about?_rsc=1x2y3', 'not-navigation'],
    ["the router's prefetch", { 'next-router-prefetch': '1' }, '/about', 'prefetch'],
    ['a segment prefetch', { 'next-router-segment-prefetch': '/_tree' }, '/about', 'prefetch'],
    ['a browser prefetch (Purpose: prefetch)', { purpose: 'prefetch' }, '/about', 'prefetch'],
    ['a speculation-rules prerender (Sec-Purpose)', { 'sec-purpose': 'prefetch;prerender' }, '/about', 'prefetch'],
    ["a page's fetch() (Sec-Fetch-Dest: empty)", { 'sec-fetch-dest': 'empty', accept: '*/*' }, '/about', 'not-navigation'],
    ['an image the matcher let through (Sec-Fetch-Dest: image)', { 'sec-fetch-dest': 'image', accept: 'image/avif,*/*' }, '/logo', 'not-navigation'],
    ['a pages-router data request', { 'x-nextjs-data': '1' }, '/about', 'not-navigation'],
    ['a request accepting no HTML, without Sec-Fetch-Dest', { 'sec-fetch-dest': '', accept: 'application/json' }, '/about', 'not-navigation'],
    ['a static file of public/', {}, '/logo.svg', 'asset'],
  ] as const)('does not track %s', async (_name, headers, path, reason) => {
    const pirsch = pirschFor();
    const event = fetchEvent();
    const merged: Record<string, string> = { ...DOCUMENT, ...headers };
    if (merged['sec-fetch-dest'] === '') delete merged['sec-fetch-dest'];
    const response = pirsch.proxy(new NextRequest(`http://shop.test${path}`, { headers: merged }), event as never);
    expect(response.headers.get('x-middleware-next')).toBe('1');
    await pirsch.client.flush();
    expect(event.handed).toEqual([]);
    expect(emulator.hits).toEqual([]);
    expect(pirsch.tracked).toBe(0);
    expect(pirsch.skipped[reason]).toBe(1);
    await pirsch.shutdown();
  });

  it('sets the client hint headers on the response with clientHints', async () => {
    const pirsch = pirschFor({ clientHints: true });
    const response = pirsch.proxy(new NextRequest('http://shop.test/', { headers: DOCUMENT }), fetchEvent() as never);
    expect(response.headers.get('accept-ch')).toContain('Sec-CH-UA-Platform-Version');
    expect(response.headers.get('x-middleware-next')).toBe('1');
    await pirsch.shutdown();
  });
});

describe('in the Edge runtime of Next.js', () => {
  it("creates its client without touching the stand-in process, whose on() throws there, and tracks", async () => {
    // What Next's edge sandbox has: a global EdgeRuntime, and a process whose on() throws.
    const global = globalThis as { EdgeRuntime?: string };
    const on = process.on;
    global.EdgeRuntime = 'edge-runtime';
    process.on = (() => {
      throw new Error('A Node.js API is used (process.on) which is not supported in the Edge Runtime.');
    }) as typeof process.on;
    let pirsch: PirschNext | undefined;
    try {
      pirsch = pirschFor();
    } finally {
      process.on = on;
      delete global.EdgeRuntime;
    }
    const event = fetchEvent();
    pirsch.proxy(new NextRequest('http://shop.test/edge', { headers: DOCUMENT }), event as never);
    await Promise.all(event.handed);
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.test/edge']);
    await pirsch.shutdown();
  });
});

describe('trackPageView in your own proxy', () => {
  it('tracks with the response given (a redirect is no page view) and never throws', async () => {
    const pirsch = pirschFor();
    const event = fetchEvent();
    pirsch.trackPageView(new Request('http://shop.test/old', { headers: DOCUMENT }), event, Response.redirect('http://shop.test/new', 308));
    pirsch.trackPageView(new Request('http://shop.test/new', { headers: DOCUMENT }), event, new Response(null, { status: 200 }));
    // Neither a request that is no Request nor an event without waitUntil reaches the app.
    expect(() => pirsch.trackPageView(null as unknown as Request)).not.toThrow();
    pirsch.trackPageView(new Request('http://shop.test/no-event', { headers: DOCUMENT }), {} as never);
    await Promise.all(event.handed);
    await pirsch.client.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.test/new', 'http://shop.test/no-event']);
    expect(pirsch.skipped.status).toBe(1);
    await pirsch.shutdown();
  });
});

describe('event()', () => {
  it("sends the event of a route handler's request; outside a request scope (no after()) it waits for the delivery", async () => {
    const pirsch = pirschFor();
    const request = new Request('http://shop.test/api/signup', { method: 'POST', headers: { 'user-agent': UA, 'x-forwarded-for': '192.0.2.4' } });
    await pirsch.event('Signup', { request, meta: { plan: 'pro' } });
    // No flush here: the returned promise waited for it.
    expect(emulator.events).toHaveLength(1);
    expect(emulator.events[0]).toMatchObject({ event_name: 'Signup', event_meta: { plan: 'pro' }, url: 'http://shop.test/api/signup', ip: '192.0.2.4', user_agent: UA });
    await pirsch.shutdown();
  });

  it('without a request and outside a request scope (no headers()), sends nothing and resolves', async () => {
    const pirsch = pirschFor();
    await expect(pirsch.event('Signup')).resolves.toBeUndefined();
    await pirsch.client.flush();
    expect(emulator.events).toEqual([]);
    await pirsch.shutdown();
  });
});

describe('options', () => {
  it('come from the environment: a key, or a client id and secret, and PIRSCH_BASE_URL; none is enabled: false', () => {
    expect(optionsFromEnv({ PIRSCH_ACCESS_KEY: ' pa_k ', PIRSCH_BASE_URL: 'http://127.0.0.1:1' })).toEqual({ accessKey: 'pa_k', baseUrl: 'http://127.0.0.1:1' });
    expect(optionsFromEnv({ PIRSCH_CLIENT_ID: 'id', PIRSCH_CLIENT_SECRET: 'secret' })).toEqual({ clientId: 'id', clientSecret: 'secret' });
    expect(optionsFromEnv({ PIRSCH_ACCESS_KEY: '' })).toEqual({ enabled: false });
    expect(optionsFromEnv({})).toEqual({ enabled: false });
  });

  it('from process.env by default, with what is given winning', async () => {
    const saved = { ...process.env };
    try {
      process.env.PIRSCH_ACCESS_KEY = emulator.accessKey;
      process.env.PIRSCH_BASE_URL = emulator.url;
      const fromEnv = createPirsch();
      fromEnv.trackPageView(new Request('http://shop.test/env', { headers: DOCUMENT }));
      await fromEnv.client.flush();
      expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.test/env']);
      await fromEnv.shutdown();

      // A given client id replaces the key of the environment; the base URL stays.
      const given = createPirsch({ clientId: emulator.clientId, clientSecret: emulator.clientSecret });
      given.trackPageView(new Request('http://shop.test/given', { headers: DOCUMENT }));
      await given.client.flush();
      expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.test/env', 'http://shop.test/given']);
      expect(emulator.tokensIssued).toBe(1);
      await given.shutdown();

      delete process.env.PIRSCH_ACCESS_KEY;
      const none = createPirsch();
      none.trackPageView(new Request('http://shop.test/none', { headers: DOCUMENT }));
      expect(none.tracked).toBe(1);
      await none.shutdown();
      expect(emulator.hits).toHaveLength(2);
    } finally {
      process.env = saved;
    }
  });

  it('a bad option throws a PirschConfigError naming it, at configuration time', () => {
    expect(() => pirschFor({ trustProxy: 'yes' as never })).toThrow(PirschConfigError);
    expect(() => pirschFor({ exclude: 'admin' as never })).toThrow(/exclude/);
    expect(() => createPirsch({ baseUrl: 'not a url', accessKey: 'pa_x' })).toThrow(/baseUrl/);
  });
});
