import { createServer, IncomingMessage } from 'node:http';
import { createClient, PirschConfigError, withPirsch as coreWithPirsch } from '@pirsch-node/core';
import type { PirschClient } from '@pirsch-node/core';
import { pirsch, withPirsch } from '@pirsch-node/express';
import express5 from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../../../test/support/emulator-suite.js';
import { EXPRESS_MAJORS } from '../../../test/support/express-majors.js';
import { listenOnLoopback } from '../../../test/support/listen.js';
import { startForwardingProxy } from '../../../test/support/proxy.js';
import { countOurReads } from '../../../test/support/reads.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const suite = useEmulator();

describe.each(EXPRESS_MAJORS)('withPirsch in front of an $name app', ({ express }) => {
  /** A shop: pages, a mounted router, a signup that sends an event, and a page that fails. */
  function shop(configure?: (app: Express) => void): Express {
    const app = express();
    configure?.(app);
    app.get('/', (_req, res) => void res.send('home'));
    const products = express.Router();
    products.get('/:id', (req, res) => void res.send(`product ${req.params.id}`));
    app.use('/products', products);
    app.post('/signup', (req, res) => {
      req.pirsch.event('Signup', { meta: { plan: 'pro' } });
      res.redirect(303, '/');
    });
    app.get('/boom', () => {
      throw new Error('handler failed');
    });
    return app;
  }

  it('tracks the pages the app serves, with the URL as it arrived, and req.pirsch sends events', async () => {
    const client = suite.newClient();
    const tracked = withPirsch(shop(), { client, hostname: 'shop.example' });
    const server = createServer(tracked);
    await request(server).get('/').set('User-Agent', UA).expect(200, 'home');
    await request(server).get('/products/7?ref=mail').set('User-Agent', UA).expect(200, 'product 7');
    await request(server).post('/signup').set('User-Agent', UA).expect(303);
    await request(server).get('/missing').set('User-Agent', UA).expect(404);
    await request(server).get('/boom').set('User-Agent', UA).expect(500); // Express's error handling, unchanged
    await request(server).get('/style.css').set('User-Agent', UA).expect(404);
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['http://shop.example/', 'http://shop.example/products/7?ref=mail']);
    expect(suite.emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', user_agent: UA });
    expect(suite.emulator.events.map((event) => [event.event_name, event.url, event.event_meta])).toEqual([['Signup', 'http://shop.example/signup', { plan: 'pro' }]]);
    expect([tracked.tracked, tracked.skipped.method, tracked.skipped.status]).toEqual([2, 1, 3]);
    expect([tracked.client, tracked.ownsClient]).toEqual([client, false]);
  });

  it("takes the IP and protocol Express resolves with 'trust proxy', after Express has the request", async () => {
    const VISITOR = '198.51.100.7';
    const FORGED = '203.0.113.66';
    const hits = [];
    for (const trust of [false, 1]) {
      const client = suite.newClient();
      const served = await listenOnLoopback(withPirsch(shop((app) => app.set('trust proxy', trust)), { client }));
      suite.after(() => served.close());
      const proxy = await startForwardingProxy(served.url, VISITOR);
      suite.after(() => proxy.close());
      await request(proxy.url).get('/').set('User-Agent', UA).set('X-Forwarded-For', FORGED).set('X-Forwarded-Proto', 'https').expect(200);
      expect(await client.flush()).toBe(true);
      hits.push(suite.emulator.hits.at(-1));
    }
    expect(hits.map((hit) => [hit?.ip, new URL(hit?.url ?? '').protocol])).toEqual([
      ['127.0.0.1', 'http:'], // no proxy trusted: the socket's, the forged header ignored
      [VISITOR, 'https:'], // one hop trusted: the entry the proxy appended, and its X-Forwarded-Proto
    ]);
  });

  it('counts a request once with the pirsch() middleware or another withPirsch on the same app, and req.pirsch is the outer one', async () => {
    const client = suite.newClient();
    const inner = pirsch({ client });
    const seen: unknown[] = [];
    const app = express();
    app.use(inner);
    app.get('/', (req, res) => {
      seen.push(req.pirsch);
      res.send('home');
    });
    const outer = withPirsch(withPirsch(app, { client }), { client });
    await request(createServer(outer)).get('/').set('User-Agent', UA).expect(200);
    await request(createServer(coreWithPirsch(outer, { client }))).get('/').set('User-Agent', UA).expect(200);
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits).toHaveLength(2);
    expect([outer.tracked, inner.tracked]).toEqual([1, 0]);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen.every((helper) => typeof (helper as { event?: unknown }).event === 'function')).toBe(true);
  });

  it('mounted inside another Express app by mistake: counted once, with the mount path, and the parent still routes and handles errors', async () => {
    const client = suite.newClient();
    const parent = express();
    parent.use(pirsch({ client }));
    parent.use('/shop', withPirsch(shop(), { client }));
    parent.get('/shop/fallthrough', (_req, res) => void res.send('parent'));
    parent.use((error: Error, _req: unknown, res: { status(code: number): { send(body: string): void } }, _next: unknown) => res.status(503).send(`parent: ${error.message}`));
    const alone = express();
    alone.use('/shop', withPirsch(shop(), { client }));
    await request(parent).get('/shop/products/7').set('User-Agent', UA).expect(200, 'product 7');
    await request(parent).get('/shop/fallthrough').set('User-Agent', UA).expect(200, 'parent');
    await request(parent).get('/shop/boom').set('User-Agent', UA).expect(503, 'parent: handler failed');
    await request(alone).get('/shop/products/8').set('User-Agent', UA).expect(200, 'product 8');
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/shop/products/7', '/shop/fallthrough', '/shop/products/8']);
  });

  it("core's withPirsch used inside an Express app that has pirsch() by mistake: counted once, by the middleware", async () => {
    const client = suite.newClient();
    const middleware = pirsch({ client });
    const app = express();
    app.use(middleware);
    const inside = coreWithPirsch((_req, res) => void res.end('plain'), { client });
    app.use('/plain', inside);
    await request(app).get('/plain/page').set('User-Agent', UA).expect(200, 'plain');
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/plain/page']);
    expect([middleware.tracked, inside.tracked]).toEqual([1, 0]);
  });

  it('reads headers and socket before Express has the request, never after (each read of an Express request misses V8\'s caches)', async () => {
    const client = suite.newClient();
    const reads = { headers: 0, socket: 0, method: 0 };
    const app = shop((app) =>
      app.use((req, _res, next) => {
        expect(Object.getPrototypeOf(req)).not.toBe(IncomingMessage.prototype); // Express's now
        countOurReads(req, ['headers', 'socket', 'method'], ['core', 'express'], reads);
        next();
      }),
    );
    await request(createServer(withPirsch(app, { client }))).get('/').set('User-Agent', UA).expect(200);
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(reads).toEqual({ headers: 0, socket: 0, method: 1 });
  });

  it('never throws into the app: a filter that throws leaves the page untracked and the response as it was', async () => {
    const client = suite.newClient();
    const tracked = withPirsch(shop(), {
      client,
      filter: () => {
        throw new Error('filter failed');
      },
    });
    await request(createServer(tracked)).get('/').set('User-Agent', UA).expect(200, 'home');
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits).toHaveLength(0);
    expect(tracked.skipped.filter).toBe(1);
  });
});

describe('withPirsch options', () => {
  it('rejects a bad option or a missing app at start-up with a PirschConfigError naming it', () => {
    const app = express5();
    expect(() => withPirsch(app, { client: suite.newClient(), exclude: [42 as unknown as string] })).toThrow(PirschConfigError);
    const swapped = () => withPirsch({ client: suite.newClient() } as never, app as never);
    expect(swapped).toThrow(/the app comes first/);
    expect(() => withPirsch(undefined as never, { client: suite.newClient() })).toThrow(expect.objectContaining({ option: 'app' }));
  });

  it('creates and closes its own client from the options, delivering what is queued', async () => {
    const tracked = withPirsch(express5().get('/', (_req, res) => void res.send('ok')), { baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey });
    expect(tracked.ownsClient).toBe(true);
    await request(createServer(tracked)).get('/').set('User-Agent', UA).expect(200);
    await tracked.shutdown(2000);
    expect(tracked.client.closed).toBe(true);
    expect(suite.emulator.hits).toHaveLength(1);
  });
});
