import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, PirschConfigError } from '@pirsch-node/core';
import type { PirschClient, PirschError } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import type { PirschExpressOptions, PirschMiddleware } from '@pirsch-node/express';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import express5 from 'express';
import type { Express, Router } from 'express';
import express4 from 'express4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenOnLoopback } from '../../../test/support/listen.js';
import { startForwardingProxy } from '../../../test/support/proxy.js';
import { countOurReads } from '../../../test/support/reads.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

// Both majors run every test. Express 4's own types are checked in 'Express 4 types' below; here
// both apps are driven through one type.
const versions = [
  { name: 'Express 5', express: express5 },
  { name: 'Express 4', express: express4 as unknown as typeof express5 },
];

let emulator: PirschEmulator;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  emulator = await createPirschEmulator();
});

afterEach(async () => {
  emulator.reset(); // drops hanging requests, so the clients below close at once
  while (cleanups.length > 0) await cleanups.pop()?.();
  emulator.reset(); // what they delivered while closing must not reach the next test
});

afterAll(async () => {
  await emulator.close();
});

/** A client of the emulator, closed after the test. */
function newClient(overrides: { flushIntervalMs?: number; timeoutMs?: number; batchSize?: number } = {}): PirschClient {
  const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, onError: () => {}, ...overrides });
  cleanups.push(() => client.close(1000));
  return client;
}

interface ResponseProbe {
  /** Resolves when every response seen so far has closed (after the middleware recorded it). */
  settled(): Promise<void>;
  /** Listener counts of every response: at the start of the request, and after it closed. */
  listeners: Array<{ before: [finish: number, close: number]; after?: [finish: number, close: number] }>;
}

/** Installed before `pirsch()`: watches every response until it is closed. */
function probe(app: Express): ResponseProbe {
  const closed: Array<Promise<void>> = [];
  const listeners: ResponseProbe['listeners'] = [];
  app.use((_req, res, next) => {
    const entry: ResponseProbe['listeners'][number] = { before: [res.listenerCount('finish'), res.listenerCount('close')] };
    listeners.push(entry);
    closed.push(
      new Promise((resolve) => {
        res.once('close', () =>
          // after every 'close' listener of this emit, the middleware's included
          setImmediate(() => {
            entry.after = [res.listenerCount('finish'), res.listenerCount('close')];
            resolve();
          }),
        );
      }),
    );
    next();
  });
  return { settled: async () => void (await Promise.all(closed)), listeners };
}

/**
 * Serves `app` on loopback until the test ends and starts a GET of `path` whose client will go
 * away: `leave()` destroys the connection. `url` is the server's, for requests afterwards.
 */
async function serveAndStartLeaving(app: Express, path: string): Promise<{ url: string; leave: () => void }> {
  const server = app.listen(0, '127.0.0.1');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const leaving = httpRequest({ port, host: '127.0.0.1', path, headers: { 'user-agent': UA } });
  leaving.on('error', () => {}); // the socket hang-up the test causes
  leaving.on('response', (response) => response.on('error', () => {}).resume());
  leaving.end();
  return { url: `http://127.0.0.1:${port}`, leave: () => leaving.destroy() };
}

describe.each(versions)('$name', ({ express }) => {
  /** An app with `pirsch()` in front of a few routes, and what the tests need to look at it. */
  function setup(options: Omit<PirschExpressOptions, 'client'> = {}, configure?: (app: Express) => void) {
    const client = newClient();
    const app = express();
    app.set('env', 'test'); // keeps Express's default error handler quiet
    configure?.(app);
    const responses = probe(app);
    const middleware = pirsch({ client, ...(options as Record<string, never>) });
    app.use(middleware);
    routes(app);
    /** Every response closed, and everything the client holds delivered. */
    const delivered = async () => {
      await responses.settled();
      expect(await client.flush(10_000)).toBe(true);
    };
    return { app, client, middleware, responses, delivered };
  }

  function routes(app: Express): void {
    const shop: Router = express.Router();
    shop.get('/products/:id', (req, res) => {
      res.locals.title = `Product ${req.params.id}`;
      res.send(`product ${req.params.id}, seen by the router as ${req.url}`);
    });
    app.use('/shop', shop);
    app.use(express.urlencoded({ extended: false }));
    app.get('/', (_req, res) => void res.send('home'));
    app.post('/', (_req, res) => void res.send('posted'));
    app.get('/about', (_req, res) => void res.send('about'));
    app.get('/assets/app.js', (_req, res) => void res.type('js').send('console.log(1)'));
    app.get(['/admin', '/admin/users', '/administrator', '/api/items'], (req, res) => void res.send(req.path));
    app.get('/broken', (_req, res) => void res.status(500).send('broken'));
    app.get('/throws', () => {
      throw new Error('handler failed');
    });
    app.post('/signup', (req, res) => {
      const body = req.body as { plan?: string };
      req.pirsch.event('Signup', { duration: 3, meta: { plan: body.plan ?? 'free', step: 2 } });
      res.redirect(303, '/welcome');
    });
    app.get('/ping', (req, res) => {
      req.pirsch.session();
      res.status(204).end();
    });
  }

  it('is a named middleware that puts req.pirsch on every request', async () => {
    const { app, middleware } = setup();
    expect(middleware.name).toBe('pirschMiddleware');
    expect(middleware.length).toBe(3);
    app.post('/helper', (req, res) => void res.json({ event: typeof req.pirsch.event, session: typeof req.pirsch.session }));
    const response = await request(app).post('/helper').expect(200);
    expect(response.body).toEqual({ event: 'function', session: 'function' });
  });

  it('tracks a page view with every field, the mount path included', async () => {
    const { app, delivered, middleware } = setup();
    const response = await request(app)
      .get('/shop/products/42?color=red')
      .set('Host', 'shop.example.com')
      .set('User-Agent', UA)
      .set('Accept-Language', 'de-DE,de;q=0.9,en;q=0.8')
      .set('Referer', 'https://news.example.org/article')
      .set('X-Forwarded-For', '203.0.113.9, 10.0.0.1')
      .set('Forwarded', 'for=203.0.113.9;proto=https')
      .set('X-Real-IP', '203.0.113.9')
      .set('CF-Connecting-IP', '198.51.100.4')
      .set('Sec-CH-UA', '"Chromium";v="126", "Google Chrome";v="126"')
      .set('Sec-CH-UA-Mobile', '?0')
      .set('Sec-CH-UA-Platform', '"Windows"')
      .set('Sec-CH-UA-Platform-Version', '"15.0.0"')
      .set('Sec-CH-Width', '1920')
      .set('Sec-CH-Viewport-Width', '1280')
      .expect(200);
    // The router saw the path without its mount prefix; the hit must not.
    expect(response.text).toBe('product 42, seen by the router as /products/42?color=red');
    await delivered();

    expect(middleware.tracked).toBe(1);
    expect(emulator.hits).toHaveLength(1);
    const { time, ...hit } = emulator.hits[0]!;
    expect(typeof time).toBe('string');
    expect(hit).toEqual({
      url: 'http://shop.example.com/shop/products/42?color=red',
      ip: '127.0.0.1', // trust proxy is off: the socket's address
      user_agent: UA,
      accept_language: 'de-DE,de;q=0.9,en;q=0.8',
      referrer: 'https://news.example.org/article',
      x_forwarded_for: '203.0.113.9, 10.0.0.1',
      forwarded: 'for=203.0.113.9;proto=https',
      x_real_ip: '203.0.113.9',
      cf_connecting_ip: '198.51.100.4',
      sec_ch_ua: '"Chromium";v="126", "Google Chrome";v="126"',
      sec_ch_ua_mobile: '?0',
      sec_ch_ua_platform: '"Windows"',
      sec_ch_ua_platform_version: '"15.0.0"',
      sec_ch_width: '1920',
      sec_ch_viewport_width: '1280',
    });
  });

  it('keeps the mount path when the middleware itself sits in a mounted router', async () => {
    const client = newClient();
    const app = express();
    const responses = probe(app);
    const shop = express.Router();
    shop.use(pirsch({ client }));
    shop.get('/cart', (req, res) => void res.send(req.url));
    app.use('/shop', shop);

    await request(app).get('/shop/cart?step=1').set('Host', 'shop.example.com').set('User-Agent', UA).expect(200, '/cart?step=1');
    await responses.settled();
    await client.flush(10_000);
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.example.com/shop/cart?step=1']);
  });

  it('keeps req.pirsch off the request object itself (a property added to an Express request costs microseconds)', async () => {
    const { app } = setup();
    app.get('/own', (req, res) => {
      res.json({ own: Object.prototype.hasOwnProperty.call(req, 'pirsch'), event: typeof req.pirsch.event, enumerable: Object.keys(req).includes('pirsch') });
    });
    const response = await request(app).get('/own').expect(200);
    expect(response.body).toEqual({ own: false, event: 'function', enumerable: false });
  });

  it('reads headers and socket of the Express request once each however often core needs them (each read of it misses V8\'s caches)', async () => {
    const reads = { headers: 0, socket: 0 };
    const { app, delivered } = setup({}, (app) =>
      app.use((req, _res, next) => {
        countOurReads(req, ['headers', 'socket'], ['core', 'express'], reads);
        next();
      }),
    );
    await request(app).get('/about').set('User-Agent', UA).set('Referer', 'https://www.google.com/').expect(200, 'about');
    await delivered();
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.hits[0]).toMatchObject({ url: expect.stringMatching(/\/about$/), referrer: 'https://www.google.com/', user_agent: UA });
    expect(reads).toEqual({ headers: 1, socket: 1 });
  });

  it('keeps req.pirsch in a sub-app and after it, with the middleware in either, each request its own helper', async () => {
    const client = newClient();
    for (const placement of ['parent', 'sub-app'] as const) {
      const app = express();
      const shop = express();
      const tracking = pirsch({ client });
      if (placement === 'parent') app.use(tracking);
      else shop.use(tracking);
      const seen: Array<{ where: string; helper: unknown }> = [];
      shop.get('/cart', (req, _res, next) => {
        seen.push({ where: 'sub-app', helper: req.pirsch });
        next();
      });
      app.use('/shop', shop);
      app.get('/shop/cart', (req, res) => {
        seen.push({ where: 'after', helper: req.pirsch });
        res.send(typeof req.pirsch?.event);
      });
      await request(app).get('/shop/cart').set('User-Agent', UA).expect(200, 'function');
      await request(app).get('/shop/cart').set('User-Agent', UA).expect(200, 'function');
      expect(seen.map((entry) => entry.where)).toEqual(['sub-app', 'after', 'sub-app', 'after']);
      expect(seen[0]?.helper).toBeDefined();
      expect(seen[1]?.helper).toBe(seen[0]?.helper);
      expect(seen[2]?.helper).not.toBe(seen[0]?.helper);
    }
  });

  it('counts a request once when the same middleware is mounted on the app and on a router', async () => {
    const client = newClient();
    const app = express();
    const responses = probe(app);
    const tracking = pirsch({ client });
    const shop = express.Router();
    shop.use(tracking);
    shop.get('/cart', (req, res) => {
      req.pirsch.event('Cart viewed');
      res.send('cart');
    });
    app.use(tracking);
    app.use('/shop', shop);

    await request(app).get('/shop/cart').set('Host', 'shop.example.com').set('User-Agent', UA).expect(200, 'cart');
    await responses.settled();
    await client.flush(10_000);
    expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.example.com/shop/cart']);
    expect(emulator.events.map((event) => event.event_name)).toEqual(['Cart viewed']);
    expect(tracking.tracked).toBe(1);
  });

  it('adds the title and tags from the callbacks (res.locals through req.res)', async () => {
    const { app, delivered } = setup({
      title: (req) => (typeof req.res?.locals.title === 'string' ? req.res.locals.title : undefined),
      tags: (req) => ({ section: req.originalUrl.split('/')[1] || 'home', method: req.method }),
    });
    await request(app).get('/shop/products/7').set('User-Agent', UA).expect(200);
    await request(app).get('/').set('User-Agent', UA).expect(200);
    await delivered();

    expect(emulator.hits.map(({ url, title, tags }) => ({ path: new URL(url).pathname, title, tags }))).toEqual([
      { path: '/shop/products/7', title: 'Product 7', tags: { section: 'shop', method: 'GET' } },
      { path: '/', title: undefined, tags: { section: 'home', method: 'GET' } },
    ]);
  });

  it('still answers and tracks when title and tags throw', async () => {
    const { app, delivered } = setup({
      title: () => {
        throw new Error('title failed');
      },
      tags: () => {
        throw new Error('tags failed');
      },
    });
    await request(app).get('/about').set('User-Agent', UA).expect(200, 'about');
    await delivered();
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.hits[0]!.title).toBeUndefined();
    expect(emulator.hits[0]!.tags).toBeUndefined();
  });

  describe('does not track', () => {
    type Case = {
      name: string;
      reason: keyof PirschMiddleware['skipped'];
      options?: Omit<PirschExpressOptions, 'client'>;
      send: (app: Express) => request.Test;
      status: number;
    };
    const get = (path: string) => (app: Express) => request(app).get(path).set('User-Agent', UA);
    const cases: Case[] = [
      { name: 'a POST', reason: 'method', send: (app) => request(app).post('/').set('User-Agent', UA), status: 200 },
      { name: 'a 404', reason: 'status', send: get('/nowhere'), status: 404 },
      { name: 'a 500', reason: 'status', send: get('/broken'), status: 500 },
      { name: 'DNT: 1', reason: 'dnt', send: (app) => get('/')(app).set('DNT', '1'), status: 200 },
      { name: 'a static asset', reason: 'asset', send: get('/assets/app.js'), status: 200 },
      { name: 'a prefetch (Sec-Purpose)', reason: 'prefetch', send: (app) => get('/')(app).set('Sec-Purpose', 'prefetch'), status: 200 },
      { name: 'a prefetch (Purpose)', reason: 'prefetch', send: (app) => get('/')(app).set('Purpose', 'prefetch'), status: 200 },
      { name: 'a request without User-Agent', reason: 'no-user-agent', send: (app) => request(app).get('/'), status: 200 },
      { name: 'an excluded prefix', reason: 'excluded', options: { exclude: ['/admin'] }, send: get('/admin/users'), status: 200 },
      // Express routes /ADMIN/Users to /admin/users: the prefix matches it too
      { name: 'an excluded prefix in another case', reason: 'excluded', options: { exclude: ['/admin'] }, send: get('/ADMIN/Users'), status: 200 },
      { name: 'an excluded RegExp', reason: 'excluded', options: { exclude: [/^\/api\//] }, send: get('/api/items'), status: 200 },
      { name: 'filter returning false', reason: 'filter', options: { filter: (req) => req.path !== '/about' }, send: get('/about'), status: 200 },
      {
        name: 'filter throwing',
        reason: 'filter',
        options: {
          filter: (req) => {
            if (req.path === '/about') throw new Error('filter failed');
            return true;
          },
        },
        send: get('/about'),
        status: 200,
      },
    ];

    it.each(cases)('$name', async ({ reason, options, send, status }) => {
      const { app, delivered, middleware } = setup(options);
      await send(app).expect(status);
      // A page the same app does track, so the flush below has real traffic to wait for.
      await request(app).get('/shop/products/1').set('User-Agent', UA).expect(200);
      await delivered();

      expect(middleware.skipped[reason]).toBe(1);
      expect(middleware.tracked).toBe(1);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/shop/products/1']);
    });

    it('a 304 answer to a conditional GET', async () => {
      const { app, delivered, middleware } = setup();
      const first = await request(app).get('/about').set('User-Agent', UA).expect(200);
      const etag = first.headers.etag as string;
      expect(etag).toBeTruthy();
      await request(app).get('/about').set('User-Agent', UA).set('If-None-Match', etag).expect(304);
      await delivered();

      expect(middleware.skipped.status).toBe(1);
      expect(emulator.hits).toHaveLength(1);
    });

    it('a string prefix only matches whole path segments', async () => {
      const { app, delivered } = setup({ exclude: ['/admin'] });
      await get('/admin')(app).expect(200);
      await get('/administrator')(app).expect(200);
      await delivered();
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/administrator']);
    });
  });

  it('tracks DNT: 1 with respectDnt: false, sending the header along', async () => {
    const { app, delivered, middleware } = setup({ respectDnt: false });
    await request(app).get('/').set('User-Agent', UA).set('DNT', '1').expect(200);
    await delivered();
    expect(middleware.skipped.dnt).toBe(0);
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.hits[0]!.dnt).toBe('1');
  });

  it('sends an event with meta from a POST handler through req.pirsch', async () => {
    const { app, delivered } = setup();
    await request(app)
      .post('/signup')
      .set('Host', 'shop.example.com')
      .set('User-Agent', UA)
      .set('X-Forwarded-For', '203.0.113.9')
      .type('form')
      .send({ plan: 'pro' })
      .expect(303);
    await delivered();

    expect(emulator.hits).toHaveLength(0); // a POST is no page view
    expect(emulator.events).toHaveLength(1);
    expect(emulator.events[0]).toMatchObject({
      event_name: 'Signup',
      event_duration: 3,
      event_meta: { plan: 'pro', step: '2' },
      url: 'http://shop.example.com/signup',
      ip: '127.0.0.1',
      user_agent: UA,
      x_forwarded_for: '203.0.113.9',
    });
  });

  it('sends no event for a DNT: 1 request while respectDnt is on', async () => {
    const { app, delivered } = setup();
    await request(app).post('/signup').set('User-Agent', UA).set('DNT', '1').type('form').send({ plan: 'pro' }).expect(303);
    await request(app).post('/signup').set('User-Agent', UA).type('form').send({ plan: 'free' }).expect(303);
    await delivered();
    expect(emulator.events.map((event) => event.event_meta?.plan)).toEqual(['free']);
  });

  it('keeps a session alive through req.pirsch.session()', async () => {
    const { app, delivered } = setup();
    await request(app).get('/ping').set('Host', 'shop.example.com').set('User-Agent', UA).expect(204);
    await delivered();
    expect(emulator.sessions).toHaveLength(1);
    expect(emulator.sessions[0]).toMatchObject({ ip: '127.0.0.1', user_agent: UA, url: 'http://shop.example.com/ping' });
  });

  it('answers at once while the API hangs', async () => {
    const client = newClient({ timeoutMs: 60_000, batchSize: 1, flushIntervalMs: 0 });
    const app = express();
    app.use(pirsch({ client }));
    app.get('/', (_req, res) => void res.send('home'));
    emulator.hangNext(1000);

    await request(app).get('/').set('User-Agent', UA).expect(200, 'home');
    await emulator.waitFor((e) => e.requests.length >= 1); // the hit's request is hanging now
    let flushed = false;
    void client.flush(60_000).then(() => {
      flushed = true;
    });

    for (let i = 0; i < 5; i++) {
      await request(app).get('/').set('User-Agent', UA).expect(200, 'home');
      expect(flushed).toBe(false); // delivery still stuck, the response came anyway
    }
    expect(client.metrics.inFlight).toBeGreaterThan(0);
    expect(emulator.hits).toHaveLength(0);
    expect(emulator.requests.every((recorded) => recorded.status === 0)).toBe(true);
  });

  describe('shutdown', () => {
    it('closes a client it created, delivering what was queued', async () => {
      const middleware = pirsch({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
      cleanups.push(() => middleware.shutdown(1000));
      const app = express();
      const responses = probe(app);
      app.use(middleware);
      app.get('/', (_req, res) => void res.send('home'));
      await request(app).get('/').set('User-Agent', UA).expect(200);
      await responses.settled();
      expect(emulator.hits).toHaveLength(0); // still queued: the batch waits up to a minute

      expect(middleware.ownsClient).toBe(true);
      await middleware.shutdown();
      expect(emulator.hits).toHaveLength(1);
      expect(middleware.client.closed).toBe(true);
    });

    it('flushes a given client and leaves it open', async () => {
      const client = newClient({ flushIntervalMs: 60_000 });
      const middleware = pirsch({ client });
      const app = express();
      const responses = probe(app);
      app.use(middleware);
      app.get('/', (_req, res) => void res.send('home'));
      await request(app).get('/').set('User-Agent', UA).expect(200);
      await responses.settled();
      expect(emulator.hits).toHaveLength(0);

      expect(middleware.ownsClient).toBe(false);
      expect(middleware.client).toBe(client);
      await middleware.shutdown();
      expect(emulator.hits).toHaveLength(1);
      expect(client.closed).toBe(false);
      client.hit({ url: 'https://example.com/after', ip: '203.0.113.1', user_agent: UA });
      expect(await client.flush(10_000)).toBe(true);
      expect(emulator.hits).toHaveLength(2);
    });
  });

  describe('trust proxy', () => {
    it('on: the IP is the client from X-Forwarded-For', async () => {
      const { app, delivered } = setup({}, (app) => app.set('trust proxy', true));
      await request(app).get('/').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.9, 10.0.0.1').expect(200);
      await delivered();
      expect(emulator.hits[0]).toMatchObject({ ip: '203.0.113.9', x_forwarded_for: '203.0.113.9, 10.0.0.1' });
    });

    it('on for loopback only: the IP is the first address the proxy did not vouch for', async () => {
      const { app, delivered } = setup({}, (app) => app.set('trust proxy', 'loopback'));
      await request(app).get('/').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.9, 10.0.0.1').expect(200);
      await delivered();
      expect(emulator.hits[0]).toMatchObject({ ip: '10.0.0.1', x_forwarded_for: '203.0.113.9, 10.0.0.1' });
    });

    it('on: the URL takes the protocol from X-Forwarded-Proto; off: the socket\'s', async () => {
      const trusted = setup({}, (app) => app.set('trust proxy', true));
      await request(trusted.app).get('/').set('User-Agent', UA).set('X-Forwarded-Proto', 'https').expect(200);
      await trusted.delivered();
      expect(emulator.hits[0]?.url).toMatch(/^https:\/\//);
    });

    it('off (the default): the socket\'s address and protocol, without calling req.ip or req.protocol', async () => {
      const read: string[] = [];
      const { app, delivered } = setup();
      // Express's own getters, watched for this test: proxy-addr's parsing is what is saved.
      const base = Object.getPrototypeOf(app.request) as object;
      const originals = (['ip', 'protocol'] as const).map((name) => [name, Object.getOwnPropertyDescriptor(base, name) as PropertyDescriptor] as const);
      for (const [name, original] of originals) {
        Object.defineProperty(base, name, { ...original, get() { read.push(name); return original.get?.call(this); } });
      }
      try {
        await request(app).get('/').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.9').set('X-Forwarded-Proto', 'https').expect(200);
        await delivered();
      } finally {
        for (const [name, original] of originals) Object.defineProperty(base, name, original);
      }
      expect(emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', x_forwarded_for: '203.0.113.9' });
      expect(emulator.hits[0]?.url).toMatch(/^http:\/\//);
      expect(read).toEqual([]);
    });

    it('off, with an ip and protocol the app defines itself (on the request or on app.request): those are tracked', async () => {
      for (const where of ['request', 'app.request'] as const) {
        emulator.reset();
        const { app, delivered } = setup({}, (app) => {
          const define = (target: object) => {
            Object.defineProperty(target, 'ip', { configurable: true, get(this: { get(name: string): string | undefined }) { return this.get('cf-connecting-ip'); } });
            Object.defineProperty(target, 'protocol', { configurable: true, value: 'https' });
          };
          if (where === 'app.request') define(app.request);
          else app.use((req, _res, next) => (define(req), next()));
        });
        await request(app).get('/').set('User-Agent', UA).set('CF-Connecting-IP', '203.0.113.9').expect(200);
        await delivered();
        expect(emulator.hits[0], where).toMatchObject({ ip: '203.0.113.9' });
        expect(emulator.hits[0]?.url, where).toMatch(/^https:\/\//);
      }
    });

    it('expressTrustsNoProxy: only for Express\'s own "trust none", also in a mounted sub-app', async () => {
      const { expressTrustsNoProxy } = await import('@pirsch-node/core/adapter');
      const seen: Record<string, boolean> = {};
      const probeApp = (label: string, configure: (app: Express) => void) => {
        const app = express();
        configure(app);
        app.get('/', (req, res) => void ((seen[label] = expressTrustsNoProxy(req)), res.send('ok')));
        return app;
      };
      const cases: Record<string, (app: Express) => void> = {
        default: () => {},
        'set false': (app) => app.set('trust proxy', false),
        'set true': (app) => app.set('trust proxy', true),
        'set 0': (app) => app.set('trust proxy', 0),
        'set loopback': (app) => app.set('trust proxy', 'loopback'),
        'set a function': (app) => app.set('trust proxy', () => false),
      };
      for (const [label, configure] of Object.entries(cases)) await request(probeApp(label, configure)).get('/').expect(200);
      // A sub-app inherits its parent's trust proxy unless it sets its own.
      const trusting = express();
      trusting.set('trust proxy', true);
      trusting.use('/sub', probeApp('sub of a trusting app', () => {}));
      await request(trusting).get('/sub/').expect(200);
      const plain = express();
      plain.use('/sub', probeApp('sub of a default app', () => {}));
      await request(plain).get('/sub/').expect(200);
      expect(seen).toEqual({
        default: true,
        'set false': true,
        'set true': false,
        'set 0': false,
        'set loopback': false,
        'set a function': false,
        'sub of a trusting app': false,
        'sub of a default app': true,
      });
      expect([null, undefined, {}, { app: {} }, { app: { settings: { 'trust proxy': false } } }].map(expressTrustsNoProxy)).toEqual([false, false, false, false, false]);
    });

    it("ResolvedAddressContext: Express's ip and protocol behind a trusted proxy, none while it trusts none, a source's own otherwise", async () => {
      const { ResolvedAddressContext } = await import('@pirsch-node/core/adapter');
      const seen: Record<string, [string | undefined, string | undefined]> = {};
      for (const trust of [false, true]) {
        const app = express();
        app.set('trust proxy', trust);
        app.get('/', (req, res) => {
          const ctx = new ResolvedAddressContext(req);
          seen[`trust proxy ${trust}`] = [ctx.ip, ctx.protocol];
          res.send('ok');
        });
        await request(app).get('/').set('X-Forwarded-For', '198.51.100.7').set('X-Forwarded-Proto', 'https').expect(200);
      }
      const throwing = { get ip(): string { throw new Error('no'); }, protocol: '' };
      const read = (source: object) => { const ctx = new ResolvedAddressContext(source); return [ctx.ip, ctx.protocol]; };
      expect(seen).toEqual({ 'trust proxy false': [undefined, undefined], 'trust proxy true': ['198.51.100.7', 'https'] });
      expect(read({ ip: '203.0.113.9', protocol: 'https' })).toEqual(['203.0.113.9', 'https']); // e.g. a FastifyRequest
      expect(read(throwing)).toEqual([undefined, undefined]);
    });

    it('off: the X-Forwarded-Proto of an untrusted client is ignored', async () => {
      const { app, delivered } = setup();
      await request(app).get('/').set('User-Agent', UA).set('X-Forwarded-Proto', 'https').expect(200);
      await delivered();
      expect(emulator.hits[0]?.url).toMatch(/^http:\/\//);
    });

    describe('behind a proxy hop, with a forged X-Forwarded-For', () => {
      const VISITOR = '198.51.100.7';
      const FORGED = '203.0.113.66';

      /** GET / through a forwarding proxy on loopback (the visitor is VISITOR to it) with a forged X-Forwarded-For: the hit. */
      async function visitThroughProxy(trust: unknown) {
        const { app, delivered } = setup({}, (app) => app.set('trust proxy', trust));
        const served = await listenOnLoopback(app);
        cleanups.push(() => served.close());
        const proxy = await startForwardingProxy(served.url, VISITOR);
        cleanups.push(() => proxy.close());
        await request(proxy.url).get('/').set('User-Agent', UA).set('X-Forwarded-For', FORGED).expect(200);
        await delivered();
        expect(emulator.hits).toHaveLength(1);
        expect(emulator.hits[0]?.x_forwarded_for).toBe(`${FORGED}, ${VISITOR}`); // what the app saw, from 127.0.0.1
        return emulator.hits[0];
      }

      it.each([
        ['1, one hop (the README\'s set-up): the entry the proxy appended', 1],
        ["'loopback', a proxy on the same machine", 'loopback'],
        ["'127.0.0.1', the proxy's address", '127.0.0.1'],
      ])('trust proxy %s: tracks the visitor, not the forged address nor the proxy', async (_name, trust) => {
        expect(await visitThroughProxy(trust)).toMatchObject({ ip: VISITOR });
      });

      it('trust proxy true trusts every hop: the forged address is tracked (why the README warns against it)', async () => {
        expect(await visitThroughProxy(true)).toMatchObject({ ip: FORGED });
      });
    });

    it('off: the IP is the socket address, the raw header is still sent', async () => {
      const { app, delivered } = setup();
      await request(app).get('/').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.9').expect(200);
      await delivered();
      expect(emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', x_forwarded_for: '203.0.113.9' });
    });
  });

  describe('never in the way', () => {
    it('leaves a throwing handler to the default error handler', async () => {
      const { app, delivered, middleware } = setup();
      await request(app).get('/throws').set('User-Agent', UA).expect(500);
      await request(app).get('/').set('User-Agent', UA).expect(200);
      await delivered();
      expect(middleware.skipped.status).toBe(1);
      expect(emulator.hits).toHaveLength(1);
    });

    it('leaves a throwing handler to the app error handler, with the original error', async () => {
      const client = newClient();
      const app = express();
      const responses = probe(app);
      app.use(pirsch({ client }));
      app.get('/throws', () => {
        throw new Error('handler failed');
      });
      app.use((error: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
        res.status(200).send(`sorry: ${error.message}`);
      });
      await request(app).get('/throws').set('User-Agent', UA).expect(200, 'sorry: handler failed');
      await responses.settled();
      await client.flush(10_000);
      // The error page answered 200, so it is a page view like any other.
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/throws']);
    });

    it('counts a request its visitor left while a slower middleware before ours ran as aborted', async () => {
      let reached!: () => void;
      const gateReached = new Promise<void>((resolve) => (reached = resolve));
      const { app, middleware } = setup({}, (instance) => {
        // A session store or rate limiter mounted first: it hands the request on after the visitor left.
        instance.use((req, _res, next) => {
          if (req.path !== '/gated') return next();
          req.socket.once('close', () => setImmediate(next));
          reached();
        });
      });
      const { leave } = await serveAndStartLeaving(app, '/gated');
      await gateReached;
      leave();
      await vi.waitFor(() => expect(middleware.skipped.aborted).toBe(1), { interval: 5 });
      expect(middleware.tracked).toBe(0);
    });

    it('does not track an aborted request, and leaves no listener on the dead response', async () => {
      const { app, delivered, middleware, responses } = setup();
      let reached!: () => void;
      const handlerReached = new Promise<void>((resolve) => (reached = resolve));
      app.get('/slow', () => reached()); // never answers

      const { url, leave } = await serveAndStartLeaving(app, '/slow');
      await handlerReached;
      leave();
      await responses.settled();

      expect(middleware.tracked).toBe(0);
      // Counted once, as aborted (before, it was not counted under any reason).
      expect(middleware.skipped.aborted).toBe(1);
      expect(Object.values(middleware.skipped).reduce((a, b) => a + b, 0)).toBe(1);
      // No listener stays: on Node the response waited on its socket for Node's channel (core's
      // tracking tests check what waited is collected).
      const [slow] = responses.listeners;
      expect(slow?.after).toEqual(slow?.before);

      await request(url).get('/').set('User-Agent', UA).expect(200);
      await delivered();
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/']);
    });

    it.each([
      { name: 'before anything was written', path: '/late' },
      { name: 'mid-stream', path: '/mid' },
    ])('does not track a response the handler ends after the client left $name', async ({ path }) => {
      const { app, delivered, middleware } = setup();
      let arrived!: () => void;
      const handlerReached = new Promise<void>((resolve) => (arrived = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let ended!: () => void;
      const handlerDone = new Promise<void>((resolve) => (ended = resolve));
      app.get(['/late', '/mid'], async (req, res) => {
        if (req.path === '/mid') res.write('first chunk');
        arrived();
        await released;
        res.end('too late');
        setImmediate(ended);
      });
      const { url, leave } = await serveAndStartLeaving(app, path);
      await handlerReached;
      leave();
      await delivered(); // every response closed
      release();
      await handlerDone;

      expect(middleware.tracked).toBe(0);
      await request(url).get('/').set('User-Agent', UA).expect(200);
      await delivered();
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/']);
    });

    it('leaves no listener behind on completed responses', async () => {
      const { app, delivered, responses } = setup();
      const agent = request.agent(app); // one keep-alive connection for all of them
      await agent.get('/').set('User-Agent', UA).expect(200);
      await agent.post('/').set('User-Agent', UA).expect(200);
      await agent.get('/nowhere').set('User-Agent', UA).expect(404);
      await agent.get('/throws').set('User-Agent', UA).expect(500);
      await delivered();

      expect(responses.listeners).toHaveLength(4);
      for (const { before, after } of responses.listeners) expect(after).toEqual(before);
    });
  });

  describe('configuration', () => {
    it('throws a PirschConfigError naming the option when the middleware is created', () => {
      const client = newClient();
      const attempt = (options: unknown) => () => pirsch(options as PirschExpressOptions);
      expect(attempt({ client, exclude: 'admin' })).toThrow(PirschConfigError);
      expect(attempt({ client, exclude: 'admin' })).toThrow(expect.objectContaining({ option: 'exclude' }));
      expect(attempt({ client, filter: true })).toThrow(expect.objectContaining({ option: 'filter' }));
      expect(attempt({})).toThrow(expect.objectContaining({ option: 'accessKey' }));
      expect(attempt({ client, accessKey: 'pa_x' })).toThrow(expect.objectContaining({ option: 'client' }));
      expect(attempt(undefined)).toThrow(PirschConfigError);
    });

    it('reports callback failures to onError when it created the client', async () => {
      const errors: PirschError[] = [];
      const middleware = pirsch({
        baseUrl: emulator.url,
        accessKey: emulator.accessKey,
        onError: (error) => errors.push(error),
        filter: () => {
          throw new Error('filter failed');
        },
      });
      cleanups.push(() => middleware.shutdown(1000));
      const app = express();
      const responses = probe(app);
      app.use(middleware);
      app.get('/', (_req, res) => void res.send('home'));
      await request(app).get('/').set('User-Agent', UA).expect(200, 'home');
      await responses.settled();
      expect(errors.map((error) => error.message)).toEqual(['The filter callback threw: filter failed']);
    });
  });
});

describe('Express 4 types', () => {
  it('accept the middleware and type req.pirsch', async () => {
    const client = newClient();
    const app = express4();
    const middleware: PirschMiddleware = pirsch({ client });
    app.use(middleware);
    app.post('/signup', (req: express4.Request, res: express4.Response) => {
      req.pirsch.event('Signup', { meta: { plan: 'pro' } });
      res.sendStatus(204);
    });
    await request(app).post('/signup').set('User-Agent', UA).expect(204);
    expect(await client.flush(10_000)).toBe(true);
    expect(emulator.events.map((event) => event.event_name)).toEqual(['Signup']);
  });
});
