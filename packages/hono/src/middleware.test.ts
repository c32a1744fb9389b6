import type { AddressInfo } from 'node:net';
import { createClient, PirschConfigError } from '@pirsch-node/core/web';
import type { PirschClient, PirschDelivery, PirschError, RequestHelper } from '@pirsch-node/core/web';
import { pirsch } from '@pirsch-node/hono';
import type { PirschEnv, PirschHonoOptions, PirschMiddleware, PirschVariables } from '@pirsch-node/hono';
import { serve, type ServerType } from '@hono/node-server';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { Hono, type MiddlewareHandler } from 'hono';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { listenOnLoopback, type Listening } from '../../../test/support/listen.js';
import { onEachRead } from '../../../test/support/reads.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS, decided } from '../../../test/support/tracking-options.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let emulator: PirschEmulator;
/** A server outside the app, for a route that proxies it. */
let upstream: Listening;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  emulator = await createPirschEmulator();
  upstream = await listenOnLoopback((_req, res) => res.end('upstream'));
});

afterEach(async () => {
  emulator.reset();
  while (cleanups.length > 0) await cleanups.pop()?.();
  emulator.reset();
});

afterAll(async () => {
  await upstream.close();
  await emulator.close();
});

function newClient(): PirschClient {
  const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, onError: () => {} });
  cleanups.push(() => client.close(1000));
  return client;
}

/** Serves a Hono app with @hono/node-server on a free loopback port until the test ends. */
async function serveOnLoopback(app: Hono<PirschEnv>): Promise<{ server: ServerType; url: string }> {
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The shop every test serves: pages, an asset, an event, a session, a failing route. */
function shop(middleware: MiddlewareHandler<PirschEnv>): Hono<PirschEnv> {
  const app = new Hono<PirschEnv>();
  app.use(middleware);
  app.get('/', (c) => c.text('home'));
  app.post('/', (c) => c.text('posted'));
  app.get('/about', (c) => c.html('<h1>about</h1>'));
  app.get('/assets/app.js', (c) => c.body('console.log(1)', 200, { 'content-type': 'text/javascript' }));
  app.get('/admin', (c) => c.text('admin'));
  app.get('/raw', () => new Response('raw', { status: 200 }));
  // An upstream's response, as a proxy route returns it: fetch() gives it immutable headers.
  app.get('/proxied', () => fetch(`${upstream.url}/`));
  app.post('/signup', (c) => {
    c.get('pirsch').event('Signup', { duration: 3, meta: { plan: 'pro', step: 2 } });
    return c.redirect('/welcome', 303);
  });
  app.get('/ping', (c) => {
    c.get('pirsch').session();
    return c.body(null, 204);
  });
  app.get('/throws', () => {
    throw new Error('handler failed');
  });
  return app;
}

async function setup(options: Omit<PirschHonoOptions, 'client'> = {}) {
  const client = newClient();
  const middleware = pirsch({ client, ...(options as Record<string, never>) });
  const app = shop(middleware);
  const { server, url } = await serveOnLoopback(app);
  return { app, server, url, client, middleware };
}

describe('pirsch() on Node (@hono/node-server)', () => {
  it('tracks a page view with every field, the IP from the socket', async () => {
    const { server, client, middleware } = await setup();
    await request(server)
      .get('/about?ref=mail')
      .set('User-Agent', UA)
      .set('Accept-Language', 'de-DE,de;q=0.9')
      .set('Referer', 'https://news.example.org/article')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('CF-Connecting-IP', '198.51.100.4')
      .set(CLIENT_HINT_REQUEST_HEADERS)
      .expect(200, '<h1>about</h1>');
    await decided(middleware, 1);
    expect(await client.flush(10_000)).toBe(true);

    expect(middleware.tracked).toBe(1);
    expect(emulator.hits).toHaveLength(1);
    const { time, url, ...hit } = emulator.hits[0]!;
    expect(typeof time).toBe('string');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/about\?ref=mail$/);
    expect(hit).toEqual({
      ip: '127.0.0.1', // trustProxy is off: the socket's peer, not X-Forwarded-For or CF-Connecting-IP
      user_agent: UA,
      accept_language: 'de-DE,de;q=0.9',
      referrer: 'https://news.example.org/article',
      x_forwarded_for: '203.0.113.9',
      cf_connecting_ip: '198.51.100.4',
      ...CLIENT_HINT_HIT_FIELDS,
    });
  });

  it('sends events and sessions from c.get("pirsch") with the page they happened on', async () => {
    const { server, client } = await setup();
    await request(server).post('/signup').set('User-Agent', UA).expect(303);
    await request(server).get('/ping').set('User-Agent', UA).expect(204);
    expect(await client.flush(10_000)).toBe(true);

    expect(emulator.events).toHaveLength(1);
    expect(emulator.events[0]).toMatchObject({
      event_name: 'Signup',
      event_duration: 3,
      event_meta: { plan: 'pro', step: '2' },
      ip: '127.0.0.1',
      user_agent: UA,
    });
    expect(emulator.events[0]!.url).toMatch(/\/signup$/);
    expect(emulator.sessions).toHaveLength(1);
    expect(emulator.sessions[0]).toMatchObject({ ip: '127.0.0.1', user_agent: UA });
    // A POST is no page view; a 204 is a 2xx answer to a GET, so it is one.
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/ping']);
  });

  it('skips assets, 404s, bots, DNT, excluded paths, other methods and failed routes, and says why', async () => {
    const { server, client, middleware } = await setup({ exclude: ['/admin'] });
    await request(server).get('/assets/app.js').set('User-Agent', UA).expect(200);
    await request(server).get('/missing').set('User-Agent', UA).expect(404);
    await request(server).get('/').set('User-Agent', BOT_UA).expect(200);
    await request(server).get('/').set('User-Agent', UA).set('DNT', '1').expect(200);
    await request(server).get('/admin').set('User-Agent', UA).expect(200);
    await request(server).post('/').set('User-Agent', UA).expect(200);
    await request(server).get('/').expect(200); // no user agent
    await request(server).get('/').set('User-Agent', UA).expect(200, 'home');
    await decided(middleware, 8);
    expect(await client.flush(10_000)).toBe(true);

    expect(middleware.tracked).toBe(1);
    expect(middleware.skipped).toMatchObject({ asset: 1, status: 1, bot: 1, dnt: 1, excluded: 1, method: 1, 'no-user-agent': 1 });
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/']);
  });

  it('decides on the final status when a handler threw: the error handler answered', async () => {
    const client = newClient();
    const middleware = pirsch({ client });
    const app = shop(middleware);
    const fallback = new Hono<PirschEnv>();
    fallback.use(middleware);
    fallback.get('/throws', () => {
      throw new Error('handler failed');
    });
    // An error page answered with 200 counts as a page view: what the visitor saw.
    fallback.onError((_error, c) => c.text('we are sorry', 200));
    app.route('/soft', fallback);
    const { server } = await serveOnLoopback(app);

    await request(server).get('/throws').set('User-Agent', UA).expect(500, 'Internal Server Error');
    await request(server).get('/soft/throws').set('User-Agent', UA).expect(200, 'we are sorry');
    await decided(middleware, 2);
    expect(await client.flush(10_000)).toBe(true);
    expect(middleware.skipped.status).toBe(1);
    expect(middleware.tracked).toBe(1);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/soft/throws']);
  });

  it('counts a request once when the same middleware runs on the app and on a sub-app', async () => {
    const client = newClient();
    const middleware = pirsch({ client });
    const app = new Hono<PirschEnv>();
    app.use(middleware);
    const cart = new Hono<PirschEnv>();
    cart.use(middleware);
    cart.get('/', (c) => {
      c.get('pirsch').event('Cart viewed');
      return c.text('cart');
    });
    app.route('/cart', cart);
    const { server } = await serveOnLoopback(app);

    await request(server).get('/cart').set('User-Agent', UA).expect(200, 'cart');
    await decided(middleware, 1);
    expect(await client.flush(10_000)).toBe(true);
    expect(middleware.tracked).toBe(1);
    expect(emulator.hits).toHaveLength(1);
    expect(emulator.events.map((event) => event.event_name)).toEqual(['Cart viewed']);
  });

  it('reads the IP from X-Forwarded-For only as trustProxy says', async () => {
    const { server, client, middleware } = await setup({ trustProxy: 1 });
    // The visitor forged the left entry; our one proxy appended the right one.
    await request(server).get('/').set('User-Agent', UA).set('X-Forwarded-For', '10.9.9.9, 203.0.113.7').expect(200);
    await request(server).get('/about').set('User-Agent', UA).expect(200); // no header: the socket
    await decided(middleware, 2);
    expect(await client.flush(10_000)).toBe(true);
    expect(emulator.hits.map((hit) => hit.ip).sort()).toEqual(['127.0.0.1', '203.0.113.7']);
  });

  it("reads neither c.executionCtx (it throws on Node) nor the Request's headers (node-server builds them only when asked)", async () => {
    const client = newClient();
    const middleware = pirsch({ client, trustProxy: 1 });
    const app = new Hono<PirschEnv>();
    const reads = { executionCtx: 0, headers: 0 };
    // In front of pirsch(): each request's own context and Request count the reads of these two getters.
    app.use(async (c, next) => {
      onEachRead(c, 'executionCtx', () => reads.executionCtx++);
      onEachRead(c.req.raw, 'headers', () => reads.headers++);
      await next();
    });
    app.use(middleware);
    app.get('/', (c) => c.text('home'));
    const { server } = await serveOnLoopback(app);
    // Two X-Forwarded-For lines (supertest types an array for Cookie only; Node's setHeader sends
    // one line per value): Node joins them with ", " as the Fetch API does; the one proxy appended the last.
    await request(server).get('/?a=1').set('User-Agent', UA).set('Accept-Language', 'de').set('X-Forwarded-For', ['10.9.9.9', '203.0.113.7'] as unknown as string).set(CLIENT_HINT_REQUEST_HEADERS).expect(200, 'home');
    await decided(middleware, 1);
    expect(await client.flush(10_000)).toBe(true);
    expect(reads).toEqual({ executionCtx: 0, headers: 0 });
    const { time, url, ...hit } = emulator.hits[0]!;
    expect(typeof time).toBe('string');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?a=1$/);
    expect(hit).toEqual({ ip: '203.0.113.7', user_agent: UA, accept_language: 'de', x_forwarded_for: '10.9.9.9, 203.0.113.7', ...CLIENT_HINT_HIT_FIELDS });
  });

  it('asks browsers for client hints on every response, a copy where the headers are immutable', async () => {
    const { server, client, middleware } = await setup({ clientHints: true });
    for (const path of ['/', '/raw', '/proxied']) {
      const response = await request(server).get(path).set('User-Agent', UA).expect(200);
      expect(response.headers['accept-ch'], path).toContain('Sec-CH-UA-Platform-Version');
      expect(response.headers['permissions-policy'], path).toContain('ch-ua-platform-version');
      if (path === '/proxied') expect(response.text).toBe('upstream');
    }
    await decided(middleware, 3);
    expect(await client.flush(10_000)).toBe(true);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname).sort()).toEqual(['/', '/proxied', '/raw']);
  });

  it('with enabled: false serves the app and its helper, sends nothing', async () => {
    const accessKey: string | undefined = undefined; // PIRSCH_ACCESS_KEY unset
    const info: string[] = [];
    const middleware = pirsch({ accessKey, enabled: Boolean(accessKey), baseUrl: emulator.url, logger: { info: (m) => info.push(m) } });
    cleanups.push(() => middleware.shutdown());
    const { server } = await serveOnLoopback(shop(middleware));
    await request(server).get('/').set('User-Agent', UA).expect(200, 'home');
    await request(server).post('/signup').set('User-Agent', UA).expect(303);
    await decided(middleware, 2);
    expect(middleware.tracked).toBe(1);
    expect(middleware.client.metrics).toMatchObject({ disabled: 2, sent: 0 });
    await middleware.shutdown();
    expect(middleware.client.closed).toBe(true);
    expect(emulator.requests).toEqual([]);
    expect(info).toEqual([expect.stringContaining('[pirsch] disabled')]);
  });

  it('checks options when pirsch() is called, naming the option', () => {
    expect(() => pirsch({ baseUrl: emulator.url })).toThrow(PirschConfigError);
    const bad = (options: unknown) => {
      try {
        pirsch(options as PirschHonoOptions);
      } catch (error) {
        return error instanceof PirschConfigError ? error.option : error;
      }
      return 'accepted';
    };
    expect(bad({ accessKey: 'key', trustProxy: 'yes' })).toBe('trustProxy');
    expect(bad({ accessKey: 'key', exclude: 42 })).toBe('exclude');
    expect(bad(null)).toBe('options');
  });

  it('exposes the client, its counters and shutdown, and closes only a client it created', async () => {
    const client = newClient();
    const given = pirsch({ client });
    expect(given.client).toBe(client);
    expect(given.ownsClient).toBe(false);
    await given.shutdown(1000);
    expect(client.closed).toBe(false);
    const own = pirsch({ accessKey: emulator.accessKey, baseUrl: emulator.url });
    expect(own.ownsClient).toBe(true);
    await own.shutdown(1000);
    expect(own.client.closed).toBe(true);
  });
});

describe('pirsch() with options from c.env (Workers bindings)', () => {
  interface Bindings {
    PIRSCH_ACCESS_KEY: string;
    PIRSCH_URL: string;
  }

  it('reads them once, on the first request, and tracks with them', async () => {
    const read = vi.fn((env: Bindings) => ({ accessKey: env.PIRSCH_ACCESS_KEY, baseUrl: env.PIRSCH_URL }));
    const middleware = pirsch(read);
    cleanups.push(() => middleware.shutdown(1000));
    expect(middleware.client).toBeUndefined();
    expect(middleware.tracked).toBe(0);
    expect(middleware.skipped.status).toBe(0);
    const app = new Hono<{ Bindings: Bindings } & PirschEnv>();
    app.use(middleware);
    app.get('/', (c) => {
      c.get('pirsch').event('Viewed');
      return c.text('home');
    });
    const env: Bindings = { PIRSCH_ACCESS_KEY: emulator.accessKey, PIRSCH_URL: emulator.url };
    const headers = { 'user-agent': UA, 'cf-connecting-ip': '198.51.100.4' };
    expect(await (await app.request('/', { headers }, env)).text()).toBe('home');
    const first = middleware.client;
    expect(await (await app.request('/', { headers }, env)).text()).toBe('home');
    expect(middleware.client).toBe(first);
    expect(read).toHaveBeenCalledTimes(1);
    expect(await middleware.client?.flush(10_000)).toBe(true);
    expect(middleware.tracked).toBe(2);
    // No runtime peer address in a Workers-like call: Cloudflare's header.
    expect(emulator.hits.map((hit) => hit.ip)).toEqual(['198.51.100.4', '198.51.100.4']);
    expect(emulator.events).toHaveLength(2);
  });

  it('bad options from the bindings never reach the app: reported once, without the secret', async () => {
    const errors: PirschError[] = [];
    const middleware = pirsch((env: Bindings) => ({ accessKey: env.PIRSCH_ACCESS_KEY, baseUrl: 'not a url', onError: (e) => errors.push(e) }));
    const app = new Hono<PirschEnv>();
    app.use(middleware);
    app.get('/', (c) => {
      c.get('pirsch').event('Viewed'); // an inert helper: still callable
      return c.text('home');
    });
    const env: Bindings = { PIRSCH_ACCESS_KEY: 'secret-key-123', PIRSCH_URL: '' };
    for (let i = 0; i < 3; i++) {
      const response = await app.request('/', { headers: { 'user-agent': UA } }, env);
      expect(await response.text()).toBe('home');
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PirschConfigError);
    expect((errors[0] as PirschConfigError).option).toBe('baseUrl');
    expect(errors[0]!.message).not.toContain('secret-key-123');
    expect(middleware.client).toBeUndefined();
    await middleware.shutdown();

    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const throwing = pirsch(() => {
        throw new Error('PIRSCH_ACCESS_KEY=secret-key-123 missing');
      });
      const other = new Hono();
      other.use(throwing);
      other.get('/', (c) => c.text('still up'));
      expect(await (await other.request('/')).text()).toBe('still up');
      expect(await (await other.request('/')).text()).toBe('still up');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(String(spy.mock.calls[0]?.[0])).toContain('[pirsch] not tracking');
      expect(String(spy.mock.calls[0]?.[0])).not.toContain('secret-key-123');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('what the runtime passes in c.env and c.executionCtx', () => {
  it('hands delivery to executionCtx.waitUntil: the hit arrives with no flush from the app', async () => {
    const middleware = pirsch({ accessKey: emulator.accessKey, baseUrl: emulator.url, flushIntervalMs: 60_000 });
    cleanups.push(() => middleware.shutdown(1000));
    const app = new Hono<PirschEnv>();
    app.use(middleware);
    app.get('/', (c) => {
      c.get('pirsch').event('Viewed');
      return c.text('home');
    });
    const handed: Array<Promise<unknown>> = [];
    const executionCtx = { waitUntil: (promise: Promise<unknown>) => void handed.push(promise), passThroughOnException: () => {}, props: {} };
    const response = await app.fetch(new Request('https://shop.example.com/', { headers: { 'user-agent': UA, 'cf-connecting-ip': '198.51.100.4' } }), {}, executionCtx);
    expect(await response.text()).toBe('home');
    expect(handed).toHaveLength(2); // the event, then the page view
    await Promise.all(handed);
    expect(emulator.hits.map((hit) => [hit.url, hit.ip])).toEqual([['https://shop.example.com/', '198.51.100.4']]);
    expect(emulator.events.map((event) => event.event_name)).toEqual(['Viewed']);
  });

  it.each([
    ['Bun (its server, requestIP)', { requestIP: (request: Request) => (request instanceof Request ? { address: '192.0.2.10', family: 'IPv4', port: 1 } : null) }, '192.0.2.10'],
    ['Bun via { server }', { server: { requestIP: () => ({ address: '2001:db8::1', family: 'IPv6', port: 1 }) } }, '2001:db8::1'],
    ['Deno (the handler info, remoteAddr)', { remoteAddr: { hostname: '192.0.2.20', port: 1, transport: 'tcp' } }, '192.0.2.20'],
    ['an env of another shape (bindings)', { remoteAddr: 'x', incoming: 1, requestIP: () => { throw new Error('no'); } }, '198.51.100.4'],
  ])('reads the peer address the way getConnInfo does: %s', async (_name, env, ip) => {
    const client = newClient();
    const app = new Hono<PirschEnv>();
    app.use(pirsch({ client }));
    app.get('/', (c) => c.text('home'));
    const response = await app.fetch(new Request('http://shop.example.com/', { headers: { 'user-agent': UA, 'cf-connecting-ip': '198.51.100.4' } }), env);
    expect(await response.text()).toBe('home');
    expect(await client.flush(10_000)).toBe(true);
    expect(emulator.hits.map((hit) => hit.ip)).toEqual([ip]);
  });
});

describe('types', () => {
  it('types c.get("pirsch") through PirschEnv, PirschVariables and ContextVariableMap', () => {
    const middleware = pirsch({ client: newClient() });
    new Hono<PirschEnv>().use(middleware).get('/', (c) => {
      expectTypeOf(c.get('pirsch')).toEqualTypeOf<RequestHelper>();
      return c.text('');
    });
    new Hono<{ Variables: PirschVariables }>().get('/', (c) => {
      expectTypeOf(c.get('pirsch')).toEqualTypeOf<RequestHelper>();
      expectTypeOf(c.var.pirsch).toEqualTypeOf<RequestHelper>();
      return c.text('');
    });
    new Hono().get('/', (c) => {
      expectTypeOf(c.get('pirsch')).toEqualTypeOf<RequestHelper>();
      return c.text('');
    });
    expectTypeOf(middleware.client).toEqualTypeOf<PirschClient>();
    expectTypeOf(pirsch((env: { KEY: string }) => ({ accessKey: env.KEY })).client).toEqualTypeOf<PirschDelivery | undefined>();
  });
});
