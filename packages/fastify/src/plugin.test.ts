import { Socket } from 'node:net';
import { createServer, type RequestListener } from 'node:http';
import { PirschConfigError, createClient, withPirsch, type PirschClient, type PirschClientOptions } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import fastify5, { type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import fastify4 from 'fastify4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Listening } from '../../../test/support/listen.js';
import { startForwardingProxy } from '../../../test/support/proxy.js';
import pirschDefault, { pirsch, type PirschFastifyOptions } from './index.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const HOST = 'shop.example.com';

// Fastify 4's types are another package's; at runtime both take the same plugin.
const versions = [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as typeof fastify5],
] as const;

let emulator: PirschEmulator;
beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe.each(versions)('%s', (version, createFastify) => {
  const apps: FastifyInstance[] = [];
  const clients: PirschClient[] = [];
  const proxies: Listening[] = [];
  /** Releases the handler of `GET /shop/slow`. */
  let releaseSlow: () => void = () => {};

  beforeEach(() => {
    emulator.reset();
  });
  afterEach(async () => {
    releaseSlow();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(clients.splice(0).map((client) => client.close(1000)));
  });

  /** The routes of the app, registered under `/shop` (an encapsulated child context). */
  const routes: FastifyPluginAsync = async (shop) => {
    shop.get('/', async () => 'home');
    shop.get('/products/:id', async (req) => ({ id: (req.params as { id: string }).id }));
    shop.get('/logo.png', async (_req, reply) => reply.type('image/png').send(Buffer.from('png')));
    shop.get('/admin/users', async () => 'admin');
    shop.get('/health', async () => 'ok');
    shop.get('/internal', async () => 'internal');
    shop.get('/fail', async (_req, reply) => reply.code(500).send('fail'));
    shop.get('/boom', async () => {
      throw new Error('handler failed');
    });
    shop.get('/slow', async () => {
      await new Promise<void>((resolve) => (releaseSlow = resolve));
      return 'late';
    });
    shop.post('/signup', async (req) => {
      req.pirsch.event('Signup', { duration: 3, meta: { plan: 'pro' } });
      return { ok: true };
    });
    shop.post('/keepalive', async (req) => {
      req.pirsch.session();
      return { ok: true };
    });
  };

  type Tracking = Omit<PirschFastifyOptions, keyof PirschClientOptions | 'client'>;

  /** An app with the plugin (creating its own client against the emulator) and the routes under `/shop`. */
  async function start(
    options: {
      tracking?: Tracking;
      client?: Partial<PirschClientOptions>;
      server?: FastifyServerOptions;
      /** Runs before `ready()`, when hooks can still be added. */
      setup?: (app: FastifyInstance) => void;
    } = {},
  ): Promise<FastifyInstance> {
    const app = createFastify(options.server ?? {});
    apps.push(app);
    await app.register(pirsch, {
      baseUrl: emulator.url,
      accessKey: emulator.accessKey,
      flushIntervalMs: 10,
      minRetryDelayMs: 10,
      maxRetryDelayMs: 50,
      ...options.client,
      ...options.tracking,
    });
    await app.register(routes, { prefix: '/shop' });
    options.setup?.(app);
    await app.ready();
    return app;
  }

  /** A tracked GET with a browser's headers. */
  const get = (app: FastifyInstance, path: string) => request(app.server).get(path).set('Host', HOST).set('User-Agent', UA);

  describe('a reply sent by an onRequest hook (a cache answering from its store)', () => {
    /** An onRequest hook that answers GET /shop/cached itself, as a page cache would. */
    const cache = (app: FastifyInstance) =>
      app.addHook('onRequest', async (req, reply) => {
        if (req.url === '/shop/cached') return reply.type('text/html').send('<p>from the cache</p>');
      });

    it('is tracked once when that hook comes before the plugin, and so is every other page', async () => {
      const app = createFastify();
      apps.push(app);
      cache(app);
      await app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 10 });
      await app.register(routes, { prefix: '/shop' });
      await app.ready();
      // an onResponse hook of the plugin's, for the requests its onRequest hook never sees
      expect(app.printRoutes({ includeHooks: true })).toContain('onResponse');
      await get(app, '/shop/cached').expect(200, '<p>from the cache</p>');
      await get(app, '/shop/').expect(200, 'home');
      await app.pirsch.flush(5000);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname).sort()).toEqual(['/shop/', '/shop/cached']);
    });

    it('is tracked once when that hook comes after the plugin, which then adds no onResponse hook', async () => {
      const app = await start({ setup: cache });
      expect(app.printRoutes({ includeHooks: true })).toContain('onRequest');
      expect(app.printRoutes({ includeHooks: true })).not.toContain('onResponse');
      await get(app, '/shop/cached').expect(200, '<p>from the cache</p>');
      await get(app, '/shop/').expect(200, 'home');
      await app.pirsch.flush(5000);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname).sort()).toEqual(['/shop/', '/shop/cached']);
    });
  });

  it('steps aside for a withPirsch in front of the server (a serverFactory): counted once, by it, and request.pirsch is its helper', async () => {
    const outer = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
    clients.push(outer);
    let wrapped: ReturnType<typeof withPirsch> | undefined;
    const app = await start({
      tracking: { hostname: 'inner.example' },
      server: { serverFactory: (handler) => createServer((wrapped = withPirsch(handler as RequestListener, { client: outer, hostname: 'outer.example' }))) },
    });
    await request(app.server).get('/shop/').set('User-Agent', UA).expect(200, 'home');
    await request(app.server).post('/shop/signup').set('User-Agent', UA).expect(200);
    await outer.flush();
    await app.pirsch.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://outer.example/shop/']);
    expect(emulator.events.map((event) => [event.event_name, event.url])).toEqual([['Signup', 'http://outer.example/shop/signup']]);
    expect(wrapped?.tracked).toBe(1);
  });

  /** Sends a request that is tracked, waits until it arrived, and checks it is the only hit. */
  async function expectOnlyControlTracked(app: FastifyInstance): Promise<void> {
    await get(app, '/shop/?control=1').expect(200);
    await emulator.waitFor((e) => e.hits.length >= 1);
    await app.pirsch.flush();
    expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/shop/?control=1`]);
  }

  describe('page views', () => {
    it('tracks a GET with the URL including the route prefix, the IP, and the raw headers', async () => {
      const app = await start();
      await get(app, '/shop/products/42?color=red')
        .set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8')
        .set('Referer', 'https://search.example/?q=shoes')
        .set('CF-Connecting-IP', '198.51.100.1')
        .set('X-Forwarded-For', '198.51.100.2, 10.0.0.1')
        .set('Forwarded', 'for=198.51.100.3;proto=https')
        .set('X-Real-IP', '198.51.100.4')
        .set('Sec-CH-UA', '"Chromium";v="126", "Google Chrome";v="126"')
        .set('Sec-CH-UA-Mobile', '?0')
        .set('Sec-CH-UA-Platform', '"Linux"')
        .set('Sec-CH-UA-Platform-Version', '"6.5.0"')
        .set('Sec-CH-Width', '1920')
        .set('Sec-CH-Viewport-Width', '1280')
        .expect(200, { id: '42' });
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]).toMatchObject({
        url: `http://${HOST}/shop/products/42?color=red`,
        ip: '127.0.0.1',
        user_agent: UA,
        accept_language: 'de-DE,de;q=0.9,en;q=0.8',
        referrer: 'https://search.example/?q=shoes',
        cf_connecting_ip: '198.51.100.1',
        x_forwarded_for: '198.51.100.2, 10.0.0.1',
        forwarded: 'for=198.51.100.3;proto=https',
        x_real_ip: '198.51.100.4',
        sec_ch_ua: '"Chromium";v="126", "Google Chrome";v="126"',
        sec_ch_ua_mobile: '?0',
        sec_ch_ua_platform: '"Linux"',
        sec_ch_ua_platform_version: '"6.5.0"',
        sec_ch_width: '1920',
        sec_ch_viewport_width: '1280',
      });
      expect(emulator.hits[0]).not.toHaveProperty('dnt');
      expect(emulator.hits[0]).not.toHaveProperty('title');
    });

    it('adds title and tags from callbacks that receive the Fastify request', async () => {
      const app = await start({
        tracking: {
          title: (req) => `Product ${(req.params as { id?: string }).id ?? ''}`,
          tags: (req) => ({ route: req.routeOptions.url ?? '', method: req.method }),
        },
      });
      await get(app, '/shop/products/7').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]).toMatchObject({ title: 'Product 7', tags: { route: '/shop/products/:id', method: 'GET' } });
    });

    it('exports the plugin as the default export too', () => {
      expect(pirschDefault).toBe(pirsch);
    });
  });

  describe('trust proxy', () => {
    it('without trustProxy uses the socket address and keeps X-Forwarded-For only as a raw header', async () => {
      const app = await start();
      await get(app, '/shop/').set('X-Forwarded-For', '203.0.113.9').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', x_forwarded_for: '203.0.113.9' });
    });

    it('with trustProxy uses the client IP Fastify resolved from X-Forwarded-For', async () => {
      const app = await start({ server: { trustProxy: true } });
      await get(app, '/shop/').set('X-Forwarded-For', '203.0.113.9').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]).toMatchObject({ ip: '203.0.113.9', x_forwarded_for: '203.0.113.9' });
    });

    it('with trustProxy takes protocol and host from X-Forwarded-Proto and X-Forwarded-Host', async () => {
      const app = await start({ server: { trustProxy: true } });
      await get(app, '/shop/').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'shop.example').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]?.url).toBe('https://shop.example/shop/');
    });

    it('without trustProxy ignores X-Forwarded-Proto and X-Forwarded-Host', async () => {
      const app = await start();
      await get(app, '/shop/').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'evil.example').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]?.url).toBe(`http://${HOST}/shop/`);
    });
  });

  describe('behind a proxy hop, with a forged X-Forwarded-For', () => {
    const VISITOR = '198.51.100.7';
    const FORGED = '203.0.113.66';
    // Fastify 5.12.1 and later refuse a number in their types, and ignore it at runtime.
    const HOP_COUNT = { trustProxy: 1 } as unknown as FastifyServerOptions;

    /** Warnings the plugin gave through the `logger` option. */
    function capture(): { warnings: string[]; logger: { warn(message: string): void } } {
      const warnings: string[] = [];
      return { warnings, logger: { warn: (message) => void warnings.push(message) } };
    }

    /**
     * Serves the app on loopback behind a forwarding proxy (the visitor is VISITOR to the proxy),
     * sends GET `path` through it with a forged X-Forwarded-For, and resolves with the hit.
     */
    async function visitThroughProxy(app: FastifyInstance, path = '/shop/', headers: Record<string, string> = {}) {
      const proxy = await startForwardingProxy(await app.listen({ port: 0, host: '127.0.0.1' }), VISITOR);
      proxies.push(proxy);
      await request(proxy.url).get(path).set('Host', HOST).set('User-Agent', UA).set('X-Forwarded-For', FORGED).set(headers).expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      const hit = emulator.hits[0];
      expect(hit?.x_forwarded_for).toBe(`${FORGED}, ${VISITOR}`); // what the app saw, from 127.0.0.1
      return hit;
    }

    it.each([
      ["'127.0.0.1', the proxy's address (the README's set-up)", '127.0.0.1'],
      ["['127.0.0.1'], a list of addresses", ['127.0.0.1']],
      ["'loopback'", 'loopback'],
      ["'10.0.0.0/8,127.0.0.0/8', CIDRs", '10.0.0.0/8,127.0.0.0/8'],
      ['a function that checks the address', (address: string) => address === '127.0.0.1'],
    ])('trustProxy: %s tracks the visitor, not the forged address nor the proxy, and warns of nothing', async (_name, trustProxy) => {
      const { warnings, logger } = capture();
      const app = await start({ server: { trustProxy }, client: { logger } });
      expect(await visitThroughProxy(app)).toMatchObject({ ip: VISITOR });
      expect(warnings).toEqual([]);
    });

    it(`trustProxy: 1 (a hop count) ${version === 'Fastify 4' ? 'tracks the visitor and warns of nothing' : 'tracks the proxy, and the plugin warns once, naming the fix'}`, async () => {
      const { warnings, logger } = capture();
      const app = await start({ server: HOP_COUNT, client: { logger } });
      const hit = await visitThroughProxy(app);
      await request(app.server).get('/shop/').set('Host', HOST).set('User-Agent', UA).expect(200);
      await emulator.waitFor((e) => e.hits.length === 2);
      if (version === 'Fastify 4') {
        expect(hit).toMatchObject({ ip: VISITOR });
        expect(warnings).toEqual([]);
      } else {
        expect(app.version).toMatch(/^5\.(1[2-9]|[2-9]\d)\./); // 5.12.1 and later ignore it; the suite installs ^5.12.8
        expect(hit).toMatchObject({ ip: '127.0.0.1' });
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(`Fastify ${app.version} ignores trustProxy: 1`);
        expect(warnings[0]).toContain("Fastify({ trustProxy: '127.0.0.1' })");
      }
      // The warning comes exactly when the proxy's address is what gets tracked.
      expect(warnings.length === 1).toBe(hit?.ip === '127.0.0.1');
    });

    it("trustProxy: '1' (digits, as from an environment variable) is an address to Fastify: tracks the proxy, and the plugin warns", async () => {
      const { warnings, logger } = capture();
      const app = await start({ server: { trustProxy: '1' }, client: { logger } });
      expect(await visitThroughProxy(app)).toMatchObject({ ip: '127.0.0.1' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('not as a hop count');
    });

    it("warns through Fastify's logger when it is on, not the logger option", async () => {
      const lines: string[] = [];
      const { warnings, logger } = capture();
      const stream = { write: (line: string) => void lines.push(line) };
      await start({ server: { ...HOP_COUNT, logger: { level: 'warn', stream } }, client: { logger } });
      const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(warnings).toEqual([]);
      if (version === 'Fastify 4') expect(logged).toEqual([]);
      else expect(logged).toEqual([{ ...logged[0], level: 40, msg: expect.stringContaining("@pirsch-node/fastify: Fastify 5.") }]);
    });

    it('warns through console.warn when neither Fastify nor the plugin has a logger (a given client)', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey });
        clients.push(client);
        const app = createFastify(HOP_COUNT);
        apps.push(app);
        await app.register(pirsch, { client });
        await app.ready();
        const ours = warn.mock.calls.filter(([message]) => String(message).startsWith('@pirsch-node/fastify:'));
        expect(ours).toHaveLength(version === 'Fastify 4' ? 0 : 1);
      } finally {
        warn.mockRestore();
      }
    });

    it('a visitor can set the tracked host through X-Forwarded-Host the proxy passes on; the hostname option pins it', async () => {
      const app = await start({ server: { trustProxy: '127.0.0.1' } });
      expect((await visitThroughProxy(app, '/shop/', { 'X-Forwarded-Host': 'evil.example' }))?.url).toBe('http://evil.example/shop/');
      emulator.reset();
      const pinned = await start({ server: { trustProxy: '127.0.0.1' }, tracking: { hostname: HOST } });
      expect((await visitThroughProxy(pinned, '/shop/', { 'X-Forwarded-Host': 'evil.example' }))?.url).toBe(`http://${HOST}/shop/`);
    });
  });

  describe('skips', () => {
    it('a POST', async () => {
      const app = await start();
      await request(app.server).post('/shop/signup').set('Host', HOST).set('User-Agent', UA).expect(200);
      await expectOnlyControlTracked(app);
    });

    it('a 404 from an unknown route and a 500 sent by a handler', async () => {
      const app = await start();
      await get(app, '/shop/nowhere').expect(404);
      await get(app, '/shop/fail').expect(500);
      await expectOnlyControlTracked(app);
    });

    it('DNT: 1, unless respectDnt is false', async () => {
      const app = await start();
      await get(app, '/shop/').set('DNT', '1').expect(200);
      await expectOnlyControlTracked(app);

      emulator.reset();
      const ignoring = await start({ tracking: { respectDnt: false } });
      await get(ignoring, '/shop/').set('DNT', '1').expect(200);
      await emulator.waitFor((e) => e.hits.length === 1);
      expect(emulator.hits[0]).toMatchObject({ url: `http://${HOST}/shop/`, dnt: '1' });
    });

    it('a static asset', async () => {
      const app = await start();
      await get(app, '/shop/logo.png').expect(200);
      await expectOnlyControlTracked(app);
    });

    it('a prefetch request', async () => {
      const app = await start();
      await get(app, '/shop/').set('Sec-Purpose', 'prefetch').expect(200);
      await get(app, '/shop/').set('Purpose', 'prefetch').expect(200);
      await expectOnlyControlTracked(app);
    });

    it('a request without a User-Agent', async () => {
      const seen: Array<string | undefined> = [];
      const app = await start({
        setup: (instance) =>
          instance.addHook('onRequest', async (req) => {
            seen.push(req.headers['user-agent']);
          }),
      });
      await request(app.server).get('/shop/').set('Host', HOST).expect(200);
      expect(seen).toEqual([undefined]);
      await expectOnlyControlTracked(app);
    });

    it('paths matched by exclude, as a prefix string and as a RegExp', async () => {
      const app = await start({ tracking: { exclude: ['/shop/admin', /^\/shop\/health$/] } });
      await get(app, '/shop/admin/users').expect(200);
      await get(app, '/shop/health').expect(200);
      await expectOnlyControlTracked(app);
    });

    it('what filter rejects, and everything when filter throws', async () => {
      const app = await start({ tracking: { filter: (req, reply) => req.url !== '/shop/internal' && reply.statusCode === 200 } });
      await get(app, '/shop/internal').expect(200);
      await expectOnlyControlTracked(app);

      emulator.reset();
      const throwing = await start({
        tracking: {
          filter: () => {
            throw new Error('filter failed');
          },
        },
      });
      await get(throwing, '/shop/').expect(200, 'home');
      await get(throwing, '/shop/products/1').expect(200);
      expect(await throwing.pirsch.flush()).toBe(true);
      expect(emulator.hits).toEqual([]);
    });

    it('a throwing handler: Fastify answers 500 as usual and nothing is tracked', async () => {
      const app = await start();
      const response = await get(app, '/shop/boom').expect(500);
      expect(response.body).toMatchObject({ statusCode: 500, message: 'handler failed' });
      await expectOnlyControlTracked(app);
    });

    it('an aborted request, and the app keeps serving', async () => {
      let reached: (response: { closed: Promise<void> }) => void = () => {};
      const reachedHandler = new Promise<{ closed: Promise<void> }>((resolve) => (reached = resolve));
      const app = await start({
        setup: (instance) =>
          instance.addHook('preHandler', async (req, reply) => {
            if (req.url === '/shop/slow') reached({ closed: new Promise<void>((resolve) => reply.raw.once('close', () => resolve())) });
          }),
      });
      await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const socket = new Socket();
      socket.on('error', () => {});
      socket.connect(port, '127.0.0.1', () => {
        socket.write(`GET /shop/slow HTTP/1.1\r\nHost: ${HOST}\r\nUser-Agent: ${UA}\r\n\r\n`);
      });
      const response = await reachedHandler;
      socket.destroy(); // the visitor goes away while the handler is still working
      await response.closed;
      releaseSlow(); // the handler now returns its page, to nobody
      await expectOnlyControlTracked(app);
      expect(app.pirschTracking.skipped.aborted).toBe(1);
    });
  });

  describe('request helper', () => {
    it('sends an event with duration and meta from a POST handler, on the page of the request', async () => {
      const app = await start({ server: { trustProxy: true } });
      await request(app.server)
        .post('/shop/signup')
        .set('Host', HOST)
        .set('User-Agent', UA)
        .set('X-Forwarded-For', '203.0.113.5')
        .set('Referer', `http://${HOST}/shop/`)
        .expect(200, { ok: true });
      await emulator.waitFor((e) => e.events.length === 1);
      expect(emulator.events[0]).toMatchObject({
        event_name: 'Signup',
        event_duration: 3,
        event_meta: { plan: 'pro' },
        url: `http://${HOST}/shop/signup`,
        ip: '203.0.113.5',
        user_agent: UA,
        referrer: `http://${HOST}/shop/`,
      });
      expect(emulator.hits).toEqual([]);
    });

    it('keeps the session alive with session()', async () => {
      const app = await start();
      await request(app.server).post('/shop/keepalive').set('Host', HOST).set('User-Agent', UA).expect(200);
      await emulator.waitFor((e) => e.sessions.length === 1);
      expect(emulator.sessions[0]).toMatchObject({ ip: '127.0.0.1', user_agent: UA, url: `http://${HOST}/shop/keepalive` });
    });

    it('is a separate helper per request', async () => {
      const helpers: unknown[] = [];
      const app = await start({
        setup: (instance) =>
          instance.addHook('preHandler', async (req) => {
            helpers.push(req.pirsch);
          }),
      });
      await get(app, '/shop/').expect(200);
      await get(app, '/shop/').expect(200);
      expect(helpers).toHaveLength(2);
      expect(helpers[0]).not.toBe(helpers[1]);
      expect(helpers[0]).toMatchObject({ event: expect.any(Function), session: expect.any(Function) });
    });
  });

  describe('app.pirsch', () => {
    it('is the client: flush() delivers what was queued', async () => {
      const app = await start({ client: { flushIntervalMs: 60_000 } });
      await get(app, '/shop/').expect(200);
      await get(app, '/shop/products/1').expect(200);
      expect(await app.pirsch.flush()).toBe(true);
      expect(emulator.hits.map((hit) => hit.url).sort()).toEqual([`http://${HOST}/shop/`, `http://${HOST}/shop/products/1`]);
    });

    it('is the given client', async () => {
      const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey });
      clients.push(client);
      const app = createFastify();
      apps.push(app);
      await app.register(pirsch, { client });
      await app.ready();
      expect(app.pirsch).toBe(client);
    });
  });

  describe('app.pirschTracking', () => {
    it('counts what was tracked, and what was not per reason, live', async () => {
      const app = await start();
      expect(app.pirschTracking.tracked).toBe(0);
      await get(app, '/shop/').expect(200);
      await get(app, '/shop/logo.png').expect(200);
      await get(app, '/shop/fail').expect(500);
      await request(app.server).post('/shop/signup').set('Host', HOST).set('User-Agent', UA).expect(200);
      await get(app, '/shop/').set('User-Agent', 'Googlebot/2.1 (+http://www.google.com/bot.html)').expect(200);
      await vi.waitFor(() => expect(app.pirschTracking.tracked + Object.values(app.pirschTracking.skipped).reduce((a, b) => a + b, 0)).toBe(5), { interval: 5 });
      expect(app.pirschTracking.tracked).toBe(1);
      expect(app.pirschTracking.skipped).toMatchObject({ asset: 1, status: 1, method: 1, bot: 1, aborted: 0 });
      expect(Object.isFrozen(app.pirschTracking)).toBe(true);
    });

    it('a second registration is refused before it creates anything', async () => {
      const app = createFastify();
      apps.push(app);
      app.decorate('pirschTracking', {} as never); // e.g. another plugin's
      await expect(app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey }).ready()).rejects.toThrow(/already decorated/);
    });
  });

  describe('a hanging API', () => {
    it('does not hold up responses while delivery requests hang', async () => {
      const app = await start({ client: { batchSize: 1, timeoutMs: 60_000 } });
      emulator.hangNext(1000);
      await get(app, '/shop/').expect(200);
      await emulator.waitFor((e) => e.requests.length >= 1);
      for (let i = 0; i < 10; i++) await get(app, `/shop/products/${i}`).expect(200);
      // Every response arrived while the API held every delivery request open.
      expect(emulator.hits).toEqual([]);
      expect(emulator.requests.length).toBeGreaterThanOrEqual(1);
      expect(emulator.requests.every((r) => r.status === 0)).toBe(true);

      emulator.reset(); // ends the hang: the client retries and delivers
      expect(await app.pirsch.flush(10_000)).toBe(true);
      expect(emulator.hits).toHaveLength(11);
    });
  });

  describe('shutdown', () => {
    it('app.close() delivers what was queued and closes a client the plugin created', async () => {
      const app = await start({ client: { flushIntervalMs: 60_000 } });
      const client = app.pirsch as PirschClient;
      await get(app, '/shop/').expect(200);
      await get(app, '/shop/about').expect(404);
      await get(app, '/shop/products/3').expect(200);
      expect(emulator.hits).toEqual([]);
      await app.close();
      expect(emulator.hits.map((hit) => hit.url).sort()).toEqual([`http://${HOST}/shop/`, `http://${HOST}/shop/products/3`]);
      expect(client.closed).toBe(true);
    });

    it('app.close() flushes a given client and leaves it open', async () => {
      const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
      clients.push(client);
      const app = createFastify();
      await app.register(pirsch, { client });
      await app.register(routes, { prefix: '/shop' });
      await app.ready();
      await get(app, '/shop/').expect(200);
      expect(emulator.hits).toEqual([]);
      await app.close();
      expect(emulator.hits.map((hit) => hit.url)).toEqual([`http://${HOST}/shop/`]);
      expect(client.closed).toBe(false);
      client.hit({ url: 'https://example.com/after', ip: '203.0.113.1', user_agent: UA });
      expect(await client.flush()).toBe(true);
      expect(emulator.hits).toHaveLength(2);
    });
  });

  describe('bad options', () => {
    it('rejects at register with a PirschConfigError naming the option', async () => {
      const app = createFastify();
      apps.push(app);
      const error = await app
        .register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey, exclude: ['no-slash'] })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PirschConfigError);
      expect(error).toMatchObject({ option: 'exclude' });
    });

    it('rejects at ready without credentials, and with both a client and client options', async () => {
      const app = createFastify();
      apps.push(app);
      app.register(pirsch, {} as PirschFastifyOptions);
      await expect(app.ready()).rejects.toBeInstanceOf(PirschConfigError);

      const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey });
      clients.push(client);
      const both = createFastify();
      apps.push(both);
      both.register(pirsch, { client, accessKey: 'pa_x' } as unknown as PirschFastifyOptions);
      await expect(both.ready()).rejects.toMatchObject({ name: 'PirschConfigError', option: 'client' });
    });

    it('rejects a second registration on the same instance', async () => {
      const app = createFastify();
      apps.push(app);
      app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey });
      app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey });
      await expect(app.ready()).rejects.toThrow(/register the plugin once/);
    });

    it('ignores the keys register reads for itself', async () => {
      const app = createFastify();
      apps.push(app);
      await app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey, prefix: '/x', logLevel: 'warn' } as PirschFastifyOptions);
      await app.register(routes, { prefix: '/shop' });
      await app.ready();
      await get(app, '/shop/').expect(200);
      expect(await app.pirsch.flush()).toBe(true);
      expect(emulator.hits).toHaveLength(1);
    });
  });
});
