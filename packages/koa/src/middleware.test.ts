import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { PirschConfigError, createClient, withPirsch } from '@pirsch-node/core';
import type { PirschClient, RequestHelper } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/koa';
import type { PirschKoaOptions, PirschMiddleware } from '@pirsch-node/koa';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import Koa3 from 'koa';
import type { Context, Middleware } from 'koa';
import mount from 'koa-mount';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { listenOnLoopback } from '../../../test/support/listen.js';
import { startForwardingProxy } from '../../../test/support/proxy.js';

// Koa 2 has no types of its own: it is the same API as far as these tests go.
const Koa2 = createRequire(import.meta.url)('koa2') as typeof Koa3;

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const HOST = 'shop.example.com';

let emulator: PirschEmulator;
let client: PirschClient;

beforeAll(async () => {
  emulator = await createPirschEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  // A long interval: what arrives was delivered by flush(), close() or shutdown(), not by a timer.
  client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
});

afterEach(async () => {
  await client.close(1000);
});

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Pages for the tests: a tiny router on ctx.path, as an app without a router package would have it. */
const pages: Middleware = async (ctx) => {
  const product = /^\/products\/(\w+)$/.exec(ctx.path);
  if (ctx.method === 'GET' && ctx.path === '/') ctx.body = 'home';
  else if (ctx.method === 'GET' && product) {
    ctx.state.title = `Product ${product[1]}`;
    ctx.body = `product ${product[1]}`;
  } else if (ctx.method === 'GET' && ['/after', '/about', '/admin/users', '/administrator', '/health/live'].includes(ctx.path)) {
    ctx.body = ctx.path;
  } else if (ctx.method === 'GET' && ctx.path === '/logo.png') {
    ctx.type = 'image/png';
    ctx.body = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  } else if (ctx.method === 'GET' && ctx.path === '/broken') {
    ctx.status = 500;
    ctx.body = 'broken';
  } else if (ctx.method === 'POST' && ctx.path === '/signup') {
    ctx.state.pirsch.event('Signup', { duration: 3, meta: { plan: 'pro', seats: 5 } });
    ctx.status = 201;
    ctx.body = 'welcome';
  } else if (ctx.method === 'POST' && ctx.path === '/') {
    ctx.body = 'posted';
  } else if (ctx.method === 'GET' && ctx.path === '/ping') {
    ctx.state.pirsch.session();
    ctx.body = 'pong';
  }
  // anything else: Koa's default 404
};

describe.each([
  { version: 'Koa 3', Koa: Koa3 },
  { version: 'Koa 2', Koa: Koa2 },
])('$version', ({ version, Koa }) => {
  /** An app with the middleware first and the pages behind it. */
  function appWith(options: PirschKoaOptions, ...more: Middleware[]): { app: Koa3; middleware: PirschMiddleware<PirschClient> } {
    const app = new Koa();
    app.silent = true;
    const middleware = pirsch(options) as PirschMiddleware<PirschClient>;
    app.use(middleware);
    for (const extra of more) app.use(extra);
    app.use(pages);
    return { app, middleware };
  }

  const get = (app: Koa3, path: string) => supertest(app.callback()).get(path).set('Host', HOST).set('User-Agent', UA);

  it('runs on the Koa version it says', () => {
    const manifest = createRequire(import.meta.url)(version === 'Koa 3' ? 'koa/package.json' : 'koa2/package.json') as { version: string };
    expect(manifest.version.startsWith(version === 'Koa 3' ? '3.' : '2.')).toBe(true);
    expect(Koa).not.toBe(version === 'Koa 3' ? Koa2 : Koa3);
  });

  it('tracks a page view with every field, keeping the koa-mount prefix', async () => {
    const shop = new Koa();
    const middleware = pirsch({ client });
    shop.use(middleware);
    shop.use(pages);
    const app = new Koa();
    app.use(mount('/shop', shop));
    let seenPath: string | undefined;
    app.use(async (ctx, next) => {
      seenPath = ctx.path;
      await next();
    });

    const response = await supertest(app.callback())
      .get('/shop/products/42?utm_source=newsletter')
      .set('Host', HOST)
      .set('User-Agent', UA)
      .set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8')
      .set('Referer', 'https://search.example.org/?q=shoes')
      .set('X-Forwarded-For', '203.0.113.9, 198.51.100.2')
      .set('Forwarded', 'for=203.0.113.9;proto=https')
      .set('X-Real-IP', '203.0.113.9')
      .set('CF-Connecting-IP', '203.0.113.9')
      .set('Sec-CH-UA', '"Chromium";v="126", "Google Chrome";v="126"')
      .set('Sec-CH-UA-Mobile', '?0')
      .set('Sec-CH-UA-Platform', '"Linux"')
      .set('Sec-CH-UA-Platform-Version', '"6.8.0"')
      .set('Sec-CH-Width', '1920')
      .set('Sec-CH-Viewport-Width', '1280');
    expect(response.status).toBe(200);
    expect(response.text).toBe('product 42');
    expect(seenPath).toBeUndefined(); // mount answered: the outer middleware never saw the request

    expect(await client.flush()).toBe(true);
    expect(emulator.hits).toHaveLength(1);
    const hit = emulator.hits[0];
    expect(hit).toMatchObject({
      url: `http://${HOST}/shop/products/42?utm_source=newsletter`,
      ip: '127.0.0.1', // app.proxy is off: the socket's address, not X-Forwarded-For
      user_agent: UA,
      accept_language: 'de-DE,de;q=0.9,en;q=0.8',
      referrer: 'https://search.example.org/?q=shoes',
      x_forwarded_for: '203.0.113.9, 198.51.100.2',
      forwarded: 'for=203.0.113.9;proto=https',
      x_real_ip: '203.0.113.9',
      cf_connecting_ip: '203.0.113.9',
      sec_ch_ua: '"Chromium";v="126", "Google Chrome";v="126"',
      sec_ch_ua_mobile: '?0',
      sec_ch_ua_platform: '"Linux"',
      sec_ch_ua_platform_version: '"6.8.0"',
      sec_ch_width: '1920',
      sec_ch_viewport_width: '1280',
    });
    expect(hit).not.toHaveProperty('title');
    expect(hit).not.toHaveProperty('dnt');
    expect(middleware.tracked).toBe(1);
  });

  it('keeps the mount prefix when the middleware is on the outer app', async () => {
    const shop = new Koa();
    shop.use(pages);
    const app = new Koa();
    const middleware = pirsch({ client });
    app.use(middleware);
    app.use(mount('/shop', shop));

    expect((await get(app, '/shop/about').expect(200)).text).toBe('/about');
    await client.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/shop/about`]);
  });

  it('counts a request once when the same middleware is on the outer app and a mounted one', async () => {
    const middleware = pirsch({ client });
    const shop = new Koa();
    shop.use(middleware);
    shop.use(async (ctx, next) => {
      if (ctx.path === '/about') (ctx.state as { pirsch: RequestHelper }).pirsch.event('About read');
      await next();
    });
    shop.use(pages);
    const app = new Koa();
    app.use(middleware);
    app.use(mount('/shop', shop));

    expect((await get(app, '/shop/about').expect(200)).text).toBe('/about');
    await client.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/shop/about`]);
    expect(emulator.events.map((event) => event.event_name)).toEqual(['About read']);
    expect(middleware.tracked).toBe(1);
  });

  it('steps aside for a withPirsch in front of the app: counted once, by it, and ctx.state.pirsch is its helper', async () => {
    const outer = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
    const { app, middleware } = appWith({ client, hostname: 'inner.example' });
    const wrapped = withPirsch(app.callback(), { client: outer, hostname: 'outer.example' });
    await supertest(createServer(wrapped)).get('/about').set('User-Agent', UA).expect(200);
    await supertest(createServer(wrapped)).post('/signup').set('User-Agent', UA).expect(201);
    await outer.close(1000);
    await client.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://outer.example/about']);
    expect(emulator.events.map((event) => [event.event_name, event.url])).toEqual([['Signup', 'http://outer.example/signup']]);
    expect(wrapped.tracked).toBe(1);
    expect(middleware.tracked + middleware.skipped.method).toBe(0);
  });

  it('uses the referrer from the query when there is no Referer header', async () => {
    const { app } = appWith({ client });
    await get(app, '/?ref=newsletter').expect(200);
    await client.flush();
    expect(emulator.hits[0]?.referrer).toBe('newsletter');
  });

  describe('skip rules', () => {
    type Case = {
      name: string;
      reason: string;
      options?: Partial<PirschKoaOptions>;
      send: (app: Koa3) => supertest.Test;
      status: number;
    };
    const cases: Case[] = [
      { name: 'a POST', reason: 'method', send: (app) => supertest(app.callback()).post('/').set('User-Agent', UA), status: 200 },
      { name: 'a 404', reason: 'status', send: (app) => get(app, '/nowhere'), status: 404 },
      { name: 'a 500', reason: 'status', send: (app) => get(app, '/broken'), status: 500 },
      { name: 'DNT: 1', reason: 'dnt', send: (app) => get(app, '/').set('DNT', '1'), status: 200 },
      { name: 'a static asset', reason: 'asset', send: (app) => get(app, '/logo.png'), status: 200 },
      { name: 'a prefetch', reason: 'prefetch', send: (app) => get(app, '/').set('Sec-Purpose', 'prefetch'), status: 200 },
      { name: 'a purpose: prefetch', reason: 'prefetch', send: (app) => get(app, '/').set('Purpose', 'prefetch'), status: 200 },
      {
        name: 'no User-Agent',
        reason: 'no-user-agent',
        send: (app) => supertest(app.callback()).get('/').set('Host', HOST).set('User-Agent', ''),
        status: 200,
      },
      { name: 'an excluded prefix', reason: 'excluded', options: { exclude: ['/admin'] }, send: (app) => get(app, '/admin/users'), status: 200 },
      { name: 'an excluded RegExp', reason: 'excluded', options: { exclude: [/^\/health\//] }, send: (app) => get(app, '/health/live'), status: 200 },
      {
        name: 'filter returning false',
        reason: 'filter',
        options: { filter: (ctx) => ctx.path !== '/about' },
        send: (app) => get(app, '/about'),
        status: 200,
      },
      {
        name: 'filter throwing',
        reason: 'filter',
        options: {
          filter: (ctx) => {
            if (ctx.path === '/about') throw new Error('filter bug');
            return true;
          },
        },
        send: (app) => get(app, '/about'),
        status: 200,
      },
    ];

    it.each(cases)('does not track $name', async ({ reason, options, send, status }) => {
      const { app, middleware } = appWith({ client, ...options } as PirschKoaOptions);
      await send(app).expect(status);
      // The same app still tracks a plain page, so the skip above was the rule, not a broken setup.
      await get(app, '/after').expect(200);
      expect(await client.flush()).toBe(true);
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/after`]);
      expect(middleware.skipped[reason as keyof typeof middleware.skipped]).toBe(1);
      expect(middleware.tracked).toBe(1);
    });

    it('tracks DNT: 1 with respectDnt: false, passing the header on', async () => {
      const { app } = appWith({ client, respectDnt: false });
      await get(app, '/').set('DNT', '1').expect(200);
      await client.flush();
      expect(emulator.hits).toHaveLength(1);
      expect(emulator.hits[0]?.dnt).toBe('1');
    });

    it('keeps a prefix exclude to whole path segments', async () => {
      const { app } = appWith({ client, exclude: ['/admin'] });
      await get(app, '/administrator').expect(200);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/administrator`]);
    });

    it('passes ctx and ctx.response to filter, with the final status', async () => {
      const seen: Array<{ path: string; status: number; sameContext: boolean }> = [];
      const { app } = appWith({
        client,
        filter: (ctx, response) => {
          seen.push({ path: ctx.path, status: response.status, sameContext: response === ctx.response });
          return true;
        },
      });
      await get(app, '/about').expect(200);
      await client.flush();
      expect(seen).toEqual([{ path: '/about', status: 200, sameContext: true }]);
      expect(emulator.hits).toHaveLength(1);
    });
  });

  it('adds title and tags from the callbacks, which see what handlers put into ctx.state', async () => {
    const { app } = appWith({
      client,
      title: (ctx) => (typeof ctx.state.title === 'string' ? ctx.state.title : undefined),
      tags: (ctx) => ({ section: ctx.path.split('/')[1] ?? '', method: ctx.method }),
    });
    await get(app, '/products/42').expect(200);
    await get(app, '/about').expect(200);
    await client.flush();
    expect(emulator.hits).toHaveLength(2);
    expect(emulator.hits[0]).toMatchObject({ title: 'Product 42', tags: { section: 'products', method: 'GET' } });
    expect(emulator.hits[1]).not.toHaveProperty('title');
    expect(emulator.hits[1]).toMatchObject({ tags: { section: 'about', method: 'GET' } });
  });

  it('tracks without title and tags when those callbacks throw', async () => {
    const { app } = appWith({
      client,
      title: () => {
        throw new Error('title bug');
      },
      tags: () => {
        throw new Error('tags bug');
      },
    });
    await get(app, '/about').expect(200);
    await client.flush();
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.hits[0]).not.toHaveProperty('title');
    expect(emulator.hits[0]).not.toHaveProperty('tags');
  });

  it('sends an event with meta from a POST handler through ctx.state.pirsch', async () => {
    const { app, middleware } = appWith({ client });
    const response = await supertest(app.callback())
      .post('/signup')
      .set('Host', HOST)
      .set('User-Agent', UA)
      .set('Referer', `http://${HOST}/`)
      .set('Accept-Language', 'en-US');
    expect(response.status).toBe(201);
    await client.flush();
    expect(emulator.events).toHaveLength(1);
    expect(emulator.events[0]).toMatchObject({
      event_name: 'Signup',
      event_duration: 3,
      event_meta: { plan: 'pro', seats: '5' },
      url: `http://${HOST}/signup`,
      ip: '127.0.0.1',
      user_agent: UA,
      referrer: `http://${HOST}/`,
      accept_language: 'en-US',
    });
    expect(emulator.hits).toHaveLength(0); // a POST is not a page view
    expect(middleware.skipped.method).toBe(1);
  });

  it('keeps the session alive through ctx.state.pirsch.session()', async () => {
    const { app } = appWith({ client });
    await get(app, '/ping').set('X-Forwarded-For', '203.0.113.9').expect(200);
    await client.flush();
    expect(emulator.sessions).toHaveLength(1);
    expect(emulator.sessions[0]).toMatchObject({ ip: '127.0.0.1', user_agent: UA, x_forwarded_for: '203.0.113.9' });
  });

  it('types ctx.state.pirsch through declaration merging', () => {
    const middleware: Middleware = (ctx) => {
      expectTypeOf(ctx.state.pirsch).toEqualTypeOf<RequestHelper>();
    };
    expect(typeof middleware).toBe('function');
  });

  it('answers at once while the API hangs, and delivers once it is back', async () => {
    client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, batchSize: 1, minRetryDelayMs: 10 });
    const { app } = appWith({ client });
    emulator.hangNext(1000);

    expect((await get(app, '/').expect(200)).text).toBe('home');
    await emulator.waitFor((e) => e.requests.some((request) => request.status === 0));
    // The API has not answered the first hit; pages are still served, with their full body.
    expect((await get(app, '/about').expect(200)).text).toBe('/about');
    expect((await get(app, '/products/7').expect(200)).text).toBe('product 7');
    expect(client.metrics.sent).toBe(0);
    expect(client.metrics.inFlight).toBeGreaterThan(0);

    emulator.reset(); // ends the hang: the client retries
    expect(await client.flush()).toBe(true);
    expect(emulator.hits.map((hit) => hit.url).sort()).toEqual([`http://${HOST}/`, `http://${HOST}/about`, `http://${HOST}/products/7`]);
  });

  describe('shutdown', () => {
    it('shutdown() on a middleware that created its client delivers what is queued and closes it', async () => {
      const { app, middleware } = appWith({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
      await get(app, '/').expect(200);
      await get(app, '/about').expect(200);
      expect(emulator.hits).toHaveLength(0);
      expect(middleware.ownsClient).toBe(true);
      await middleware.shutdown();
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/`, `http://${HOST}/about`]);
      expect(middleware.client.closed).toBe(true);
    });

    it('shutdown() on a middleware given a client flushes it and leaves it open', async () => {
      const { app, middleware } = appWith({ client });
      expect(middleware.client).toBe(client);
      expect(middleware.ownsClient).toBe(false);
      await get(app, '/').expect(200);
      expect(emulator.hits).toHaveLength(0);
      await middleware.shutdown();
      expect(emulator.hits).toHaveLength(1);
      expect(client.closed).toBe(false);
      // The client still delivers after the middleware's shutdown.
      await get(app, '/about').expect(200);
      await client.flush();
      expect(emulator.hits).toHaveLength(2);
    });

    it('shutdown() does not reject when the API is down', async () => {
      const { app, middleware } = appWith({ client });
      await get(app, '/').expect(200);
      emulator.setAvailable(false);
      await expect(middleware.shutdown(200)).resolves.toBeUndefined();
    });
  });

  describe('app.proxy', () => {
    const forwarded = (app: Koa3) => get(app, '/').set('X-Forwarded-For', '203.0.113.9, 198.51.100.2');

    it('off: the IP is the socket address, X-Forwarded-For goes along raw', async () => {
      let ctxIp = '';
      const { app } = appWith({ client }, async (ctx, next) => {
        ctxIp = ctx.ip;
        await next();
      });
      await forwarded(app).expect(200);
      await client.flush();
      expect(emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', x_forwarded_for: '203.0.113.9, 198.51.100.2' });
      expect(ctxIp).toMatch(/127\.0\.0\.1$/);
    });

    it('on: the IP is the one Koa resolved from X-Forwarded-For', async () => {
      let ctxIp = '';
      const { app } = appWith({ client }, async (ctx, next) => {
        ctxIp = ctx.ip;
        await next();
      });
      app.proxy = true;
      await forwarded(app).expect(200);
      await client.flush();
      expect(ctxIp).toBe('203.0.113.9');
      expect(emulator.hits[0]).toMatchObject({ ip: '203.0.113.9', x_forwarded_for: '203.0.113.9, 198.51.100.2' });
    });

    it('on: the URL takes protocol and host from X-Forwarded-Proto and X-Forwarded-Host', async () => {
      const { app } = appWith({ client });
      app.proxy = true;
      await get(app, '/about').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'shop.example').expect(200);
      await client.flush();
      expect(emulator.hits[0]?.url).toBe('https://shop.example/about');
    });

    it('off: X-Forwarded-Proto and X-Forwarded-Host of an untrusted client are ignored', async () => {
      const { app } = appWith({ client });
      await get(app, '/about').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'evil.example').expect(200);
      await client.flush();
      expect(emulator.hits[0]?.url).toBe(`http://${HOST}/about`);
    });

    it('off: an IP the app sets on the request (ctx.request.ip = ...) is the one sent, before or after ctx.ip was read, request by request', async () => {
      // e.g. from a CDN's header the app trusts without app.proxy
      const { app } = appWith({ client }, async (ctx, next) => {
        if (ctx.get('X-Read-First') === '1') void ctx.ip;
        const given = ctx.get('X-Client-IP');
        if (given !== '') ctx.request.ip = given;
        await next();
      });
      await get(app, '/').set('X-Client-IP', '203.0.113.50').expect(200);
      await get(app, '/').expect(200);
      await get(app, '/').set('X-Read-First', '1').set('X-Client-IP', '203.0.113.51').expect(200);
      await get(app, '/').set('X-Read-First', '1').expect(200);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.ip)).toEqual(['203.0.113.50', '127.0.0.1', '203.0.113.51', '127.0.0.1']);
    });

    it('off and on in turn, and two apps in turn: each request gets the IP its app resolves', async () => {
      const first = appWith({ client });
      const second = appWith({ client }, async (ctx, next) => {
        ctx.request.ip = '203.0.113.60';
        await next();
      });
      await forwarded(first.app).expect(200);
      await forwarded(second.app).expect(200);
      first.app.proxy = true;
      await forwarded(first.app).expect(200);
      first.app.proxy = false;
      await forwarded(first.app).expect(200);
      await forwarded(second.app).expect(200);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.ip)).toEqual(['127.0.0.1', '203.0.113.60', '203.0.113.9', '127.0.0.1', '203.0.113.60']);
    });

    it('off: an app that defines its own ip (on app.context or app.request) is asked for it', async () => {
      const onContext = appWith({ client });
      Object.defineProperty(onContext.app.context, 'ip', { get: () => '203.0.113.70', configurable: true });
      const onRequest = appWith({ client });
      Object.defineProperty(onRequest.app.request, 'ip', { get: () => '203.0.113.71', configurable: true });
      await forwarded(onContext.app).expect(200);
      await forwarded(onRequest.app).expect(200);
      await forwarded(onContext.app).expect(200);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.ip)).toEqual(['203.0.113.70', '203.0.113.71', '203.0.113.70']);
    });

    it('on with maxIpsCount: 1: the entry the nearest proxy added', async () => {
      const { app } = appWith({ client });
      app.proxy = true;
      app.maxIpsCount = 1;
      await forwarded(app).expect(200);
      await client.flush();
      expect(emulator.hits[0]).toMatchObject({ ip: '198.51.100.2', x_forwarded_for: '203.0.113.9, 198.51.100.2' });
    });
  });

  describe('behind a proxy hop, with a forged X-Forwarded-For', () => {
    const VISITOR = '198.51.100.7';
    const FORGED = '203.0.113.66';

    /** GET `path` through a forwarding proxy on loopback (the visitor is VISITOR to it) with a forged X-Forwarded-For: the hit. */
    async function visitThroughProxy(app: Koa3, path = '/', headers: Record<string, string> = {}) {
      const served = await listenOnLoopback(app.callback());
      const proxy = await startForwardingProxy(served.url, VISITOR);
      try {
        await supertest(proxy.url).get(path).set('Host', HOST).set('User-Agent', UA).set('X-Forwarded-For', FORGED).set(headers).expect(200);
      } finally {
        await proxy.close();
        await served.close();
      }
      await client.flush();
      expect(emulator.hits).toHaveLength(1);
      expect(emulator.hits[0]?.x_forwarded_for).toBe(`${FORGED}, ${VISITOR}`); // what the app saw, from 127.0.0.1
      return emulator.hits[0];
    }

    /** An app made with constructor options, the middleware first and the pages behind it. */
    function appFrom(options: { proxy: boolean; maxIpsCount?: number }, tracking: Omit<PirschKoaOptions, 'client'> = {}): Koa3 {
      const app = new Koa(options);
      app.silent = true;
      app.use(pirsch({ client, ...(tracking as Record<string, never>) }));
      app.use(pages);
      return app;
    }

    it("new Koa({ proxy: true, maxIpsCount: 1 }) (the README's set-up): tracks the visitor, not the forged address nor the proxy", async () => {
      expect(await visitThroughProxy(appFrom({ proxy: true, maxIpsCount: 1 }))).toMatchObject({ ip: VISITOR });
    });

    it('app.proxy = true and app.maxIpsCount = 1, set on the app: the same', async () => {
      const { app } = appWith({ client });
      app.proxy = true;
      app.maxIpsCount = 1;
      expect(await visitThroughProxy(app)).toMatchObject({ ip: VISITOR });
    });

    it('app.proxy = true alone trusts every hop: the forged address is tracked (why maxIpsCount is needed)', async () => {
      const { app } = appWith({ client });
      app.proxy = true;
      expect(await visitThroughProxy(app)).toMatchObject({ ip: FORGED });
    });

    it('a visitor can set the tracked host through X-Forwarded-Host the proxy passes on; the hostname option pins it', async () => {
      const forged = { 'X-Forwarded-Host': 'evil.example' };
      expect((await visitThroughProxy(appFrom({ proxy: true, maxIpsCount: 1 }), '/about', forged))?.url).toBe('http://evil.example/about');
      emulator.reset();
      const pinned = appFrom({ proxy: true, maxIpsCount: 1 }, { hostname: HOST });
      expect((await visitThroughProxy(pinned, '/about', forged))?.url).toBe(`http://${HOST}/about`);
    });
  });

  describe('errors downstream', () => {
    it('lets a thrown error reach Koa unchanged, does not track the 500, and keeps serving', async () => {
      const boom = new Error('handler failed');
      const { app, middleware } = appWith({ client }, async (ctx, next) => {
        if (ctx.path === '/boom') throw boom;
        await next();
      });
      const reported: unknown[] = [];
      app.on('error', (error: unknown) => reported.push(error));

      const response = await get(app, '/boom');
      expect(response.status).toBe(500);
      expect(reported).toHaveLength(1);
      expect(reported[0]).toBe(boom);
      await get(app, '/about').expect(200);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/about`]);
      expect(middleware.skipped.status).toBe(1);
    });

    it('tracks with the status that went out, e.g. from ctx.throw(403)', async () => {
      const { app, middleware } = appWith({ client }, async (ctx, next) => {
        if (ctx.path === '/secret') ctx.throw(403, 'no');
        await next();
      });
      await get(app, '/secret').expect(403);
      await client.flush();
      expect(emulator.hits).toHaveLength(0);
      expect(middleware.skipped.status).toBe(1);
    });

    it('hands an upstream error handler the very error, and tracks the page it then serves', async () => {
      const boom = new TypeError('handler failed');
      const app = new Koa();
      let caught: unknown;
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          caught = error;
          ctx.status = 200;
          ctx.body = 'recovered';
        }
      });
      app.use(pirsch({ client }));
      app.use(() => {
        throw boom;
      });

      expect((await get(app, '/fragile').expect(200)).text).toBe('recovered');
      expect(caught).toBe(boom);
      await client.flush();
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/fragile`]);
    });

    it('rethrows a non-Error value as it was thrown', async () => {
      const app = new Koa();
      let caught: unknown;
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          caught = error;
          ctx.body = 'ok';
        }
      });
      app.use(pirsch({ client }));
      const thrown = { code: 'NOT_AN_ERROR' };
      app.use(() => Promise.reject(thrown));
      await get(app, '/').expect(200);
      expect(caught).toBe(thrown);
    });
  });

  describe('aborted requests and listeners', () => {
    type Scenario = 'left-before-done' | 'left-mid-stream' | 'completed';

    interface Outcome {
      /** `finish` and `close` listeners on each response once Koa is done with it. */
      listeners: Array<{ finish: number; close: number }>;
      middleware: PirschMiddleware;
      /** The body of a plain page requested afterwards on the same app. */
      after: string;
    }

    /**
     * Runs a scenario on a listening app, with or without the middleware, so the listeners Koa
     * and Node leave on a response can be told from the middleware's.
     */
    async function run(scenario: Scenario, withPirsch: boolean): Promise<Outcome> {
      const released = deferred();
      const arrived = deferred<ServerResponse>();
      const responses: ServerResponse[] = [];
      const settled: Array<Promise<void>> = [];
      const app = new Koa();
      app.silent = true;
      app.use(async (ctx, next) => {
        responses.push(ctx.res);
        const done = deferred();
        settled.push(done.promise);
        try {
          await next();
        } finally {
          done.resolve();
        }
      });
      const middleware = pirsch({ client });
      if (withPirsch) app.use(middleware);
      app.use(async (ctx, next) => {
        if (ctx.path === '/slow') {
          arrived.resolve(ctx.res);
          await released.promise;
          ctx.body = 'too late';
        } else if (ctx.path === '/stream') {
          const body = new Readable({ read() {} }); // never ends
          body.push('first chunk');
          ctx.body = body;
          arrived.resolve(ctx.res);
        } else {
          await next();
        }
      });
      app.use(pages);

      const server = app.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        if (scenario === 'completed') {
          for (const path of ['/', '/about', '/nowhere', '/logo.png']) {
            await (await fetch(base + path, { headers: { 'User-Agent': UA } })).arrayBuffer();
          }
        } else {
          const req = httpRequest(`${base}${scenario === 'left-before-done' ? '/slow' : '/stream'}`, { headers: { 'User-Agent': UA } });
          req.on('error', () => {});
          req.on('response', (res) => res.on('error', () => {}));
          req.end();
          const res = await arrived.promise;
          const closed = res.closed ? undefined : once(res, 'close');
          if (scenario === 'left-mid-stream') await once(req, 'response');
          req.destroy();
          await closed;
          expect(res.writableFinished).toBe(false);
          released.resolve();
        }
        await Promise.all(settled);
        await Promise.all(responses.map((res) => (res.closed ? undefined : once(res, 'close'))));
        // Koa answers after the chain settled: let it try on a response whose client left.
        await new Promise((resolve) => setImmediate(resolve));
        const listeners = responses.map((res) => ({ finish: res.listenerCount('finish'), close: res.listenerCount('close') }));
        const after = await (await fetch(`${base}/after`, { headers: { 'User-Agent': UA } })).text();
        return { listeners, middleware, after };
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }

    it.each([
      // On Node the response waits on its socket for Node's channel (core's finish-channel), so
      // the middleware adds no listener to it; a response the client left (before the handler was
      // done, or mid-stream) never finishes, and what waited goes with its socket.
      { scenario: 'left-before-done' as const, name: 'a request the client left before the handler was done', waiting: 0 },
      { scenario: 'left-mid-stream' as const, name: 'a response the client left mid-stream', waiting: 0 },
    ])('does not track $name, and leaves no listener on the dead response', async ({ scenario, waiting }) => {
      const without = await run(scenario, false);
      const outcome = await run(scenario, true);
      // Neither a 'finish' nor a 'close' listener stays (core's tracking tests check what waited
      // is collected).
      expect(outcome.listeners).toEqual(without.listeners.map(({ finish, close }) => ({ finish: finish + waiting, close })));
      expect(outcome.after).toBe('/after');
      await client.flush();
      // Only the page requested afterwards; the abandoned one is not tracked, and counted once, as aborted.
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/after']);
      expect(outcome.middleware.tracked).toBe(1);
      expect(outcome.middleware.skipped.aborted).toBe(1);
      expect(Object.values(outcome.middleware.skipped).reduce((sum, count) => sum + count, 0)).toBe(1);
    });

    it('removes its listeners from every completed response', async () => {
      const without = await run('completed', false);
      const outcome = await run('completed', true);
      expect(outcome.listeners).toHaveLength(4);
      expect(outcome.listeners).toEqual(without.listeners);
      expect(outcome.middleware.tracked).toBe(3); // '/', '/about' and '/after'; not the 404 and the asset
    });
  });

  describe('options', () => {
    it('throws a PirschConfigError naming the option when the middleware is created', () => {
      expect(() => pirsch({ client, exclude: ['admin'] })).toThrow(PirschConfigError);
      expect(() => pirsch({ client, exclude: ['admin'] })).toThrow(/exclude/);
      expect(() => pirsch({ client, filter: 'yes' as unknown as () => boolean })).toThrow(/filter/);
      expect(() => pirsch({} as PirschKoaOptions)).toThrow(PirschConfigError);
    });

    it('is a named async middleware with its client', () => {
      const middleware = pirsch({ client });
      expect(middleware.name).toBe('pirschMiddleware');
      expect(middleware.client).toBe(client);
      expect(middleware.length).toBe(2);
    });
  });
});

// Keeps the `Context` import used for the type test above on every TypeScript version.
export type { Context };
