import { execFileSync } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { failOnUnhandledErrors } from '../../../test/support/guard.js';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS, decided } from '../../../test/support/tracking-options.js';
import { CLIENT_HINT_HEADERS } from './client-hints.js';
import { createClient, type PirschClient } from './client.js';
import { PirschConfigError } from './errors.js';
import type { SkipReason } from './filter.js';
import { withPirsch, type PirschNodeOptions, type PirschRequest, type PirschRequestListener } from './node-http.js';
import type { RequestHelper } from './tracking.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';

// withPirsch, tested as the framework adapters are: real node:http (and node:https) servers on
// loopback, real requests with undici, the emulator as the API.

failOnUnhandledErrors();

const suite = useEmulator();

/** A client of the emulator that sends only when flushed, closed after the test. */
function newClient(): PirschClient {
  const client = createClient({ baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000, onError: () => {} });
  suite.after(() => client.close(1000));
  return client;
}

/** Serves `server` on loopback until the test ends; resolves to its base URL. */
async function serve(server: Server | ReturnType<typeof createHttpsServer>, scheme = 'http'): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  suite.after(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** GET (or `method`) `path` with a browser's User-Agent plus `headers`; the status and body. */
async function send(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await request(`${base}${path}`, { method, headers: { 'user-agent': BROWSER_UA, ...headers } });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** A small app: pages, an asset, a 404, a signup event and a session keep-alive, all through req.pirsch. */
function app(req: PirschRequest, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'POST' && path === '/signup') {
    req.pirsch.event('Signup', { duration: 3, meta: { plan: 'pro' } });
    res.writeHead(303, { location: '/welcome' }).end();
  } else if (path === '/ping') {
    req.pirsch.session();
    res.writeHead(204).end();
  } else if (path === '/style.css') {
    res.writeHead(200, { 'content-type': 'text/css' }).end('body{}');
  } else if (path === '/favicon.ico') {
    res.writeHead(200, { 'content-type': 'image/x-icon' }).end();
  } else if (path === '/nowhere') {
    res.writeHead(404).end('not found');
  } else {
    res.end(`page ${req.url}`);
  }
}

/** `app` behind withPirsch with a client of the emulator, served on loopback. */
async function setup(options: Omit<PirschNodeOptions, 'client'> = {}, handler: (req: PirschRequest, res: ServerResponse) => void = app) {
  const client = newClient();
  const listener = withPirsch(handler, { client, ...(options as Record<string, never>) });
  const base = await serve(createServer(listener));
  /** Waits until `count` responses were decided, then delivers what the client holds. */
  const delivered = async (count: number) => {
    await decided(listener, count);
    expect(await client.flush(5000)).toBe(true);
  };
  return { client, listener, base, delivered };
}

describe('withPirsch', () => {
  it('tracks a page view with every field, and the handler answers as it would alone', async () => {
    const { base, listener, delivered } = await setup();
    const response = await send(base, '/products/42?color=red', {
      host: 'shop.example.com',
      'accept-language': 'de-DE,de;q=0.9',
      referer: 'https://news.example.org/article',
      'x-forwarded-for': '203.0.113.9',
      ...CLIENT_HINT_REQUEST_HEADERS,
    });
    expect(response).toMatchObject({ status: 200, body: 'page /products/42?color=red' });
    await delivered(1);

    expect(listener.tracked).toBe(1);
    expect(suite.emulator.hits).toHaveLength(1);
    const { time, ...hit } = suite.emulator.hits[0]!;
    expect(typeof time).toBe('string');
    expect(hit).toEqual({
      url: 'http://shop.example.com/products/42?color=red',
      ip: '127.0.0.1', // the socket's: plain Node has no trust-proxy setting
      user_agent: BROWSER_UA,
      accept_language: 'de-DE,de;q=0.9',
      referrer: 'https://news.example.org/article',
      x_forwarded_for: '203.0.113.9',
      ...CLIENT_HINT_HIT_FIELDS,
    });
  });

  describe('does not track, and says why', () => {
    const cases: Array<{ name: string; reason: SkipReason; path: string; headers?: Record<string, string>; method?: string; options?: Omit<PirschNodeOptions, 'client'> }> = [
      { name: 'a stylesheet', reason: 'asset', path: '/style.css' },
      { name: 'favicon.ico', reason: 'asset', path: '/favicon.ico' },
      { name: 'a 404', reason: 'status', path: '/nowhere' },
      { name: 'DNT: 1', reason: 'dnt', path: '/', headers: { dnt: '1' } },
      { name: 'a bot', reason: 'bot', path: '/', headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } },
      { name: 'curl', reason: 'bot', path: '/', headers: { 'user-agent': 'curl/8.5.0' } },
      { name: 'a prefetch', reason: 'prefetch', path: '/', headers: { 'sec-purpose': 'prefetch' } },
      { name: 'a POST', reason: 'method', path: '/', method: 'POST' },
      { name: 'an excluded path', reason: 'excluded', path: '/admin/users', options: { exclude: ['/admin'] } },
      { name: 'filter returning false', reason: 'filter', path: '/about', options: { filter: (req) => req.url !== '/about' } },
      { name: 'beforeSend returning null', reason: 'before-send', path: '/', options: { beforeSend: () => null } },
    ];
    it.each(cases)('$name ($reason)', async ({ reason, path, headers, method, options }) => {
      const { base, listener, delivered } = await setup(options);
      const response = await send(base, path, headers, method);
      expect(response.status).toBeLessThan(500);
      await delivered(1);
      expect(listener.tracked).toBe(0);
      expect(listener.skipped[reason]).toBe(1);
      expect(suite.emulator.hits).toEqual([]);
    });
  });

  it('sends events and session keep-alives through req.pirsch, with the page they happened on', async () => {
    const { base, client } = await setup();
    expect((await send(base, '/signup?step=2', { host: 'shop.example.com' }, 'POST')).status).toBe(303);
    expect((await send(base, '/ping', { host: 'shop.example.com' })).status).toBe(204);
    // DNT and bots: their events and sessions are not sent either.
    await send(base, '/signup', { dnt: '1' }, 'POST');
    await send(base, '/ping', { 'user-agent': 'curl/8.5.0' });
    expect(await client.flush(5000)).toBe(true);

    expect(suite.emulator.events.map(({ event_name, event_duration, event_meta, url, ip }) => ({ event_name, event_duration, event_meta, url, ip }))).toEqual([
      { event_name: 'Signup', event_duration: 3, event_meta: { plan: 'pro' }, url: 'http://shop.example.com/signup?step=2', ip: '127.0.0.1' },
    ]);
    expect(suite.emulator.sessions.map(({ url, ip }) => ({ url, ip }))).toEqual([{ url: 'http://shop.example.com/ping', ip: '127.0.0.1' }]);
  });

  it('applies title, tags and stripQuery', async () => {
    const { base, delivered } = await setup({
      title: (req) => `Title of ${req.url}`,
      tags: (req) => ({ method: req.method ?? '' }),
      stripQuery: ['token'],
    });
    await send(base, '/reset?token=secret&lang=de');
    await delivered(1);
    expect(suite.emulator.hits.map(({ url, title, tags }) => ({ url, title, tags }))).toEqual([
      { url: expect.stringMatching(/\/reset\?lang=de$/), title: 'Title of /reset?token=secret&lang=de', tags: { method: 'GET' } },
    ]);
  });

  it('asks for client hints with clientHints, merged with the headers the handler sets', async () => {
    const { base } = await setup({ clientHints: true }, (req, res) => {
      res.setHeader('Permissions-Policy', 'camera=()');
      app(req, res);
    });
    const response = await send(base, '/');
    expect(response.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
    expect(response.headers['permissions-policy']).toBe(`camera=(), ${CLIENT_HINT_HEADERS['Permissions-Policy']}`);
    const plain = await setup();
    expect((await send(plain.base, '/')).headers['accept-ch']).toBeUndefined();
  });

  it('records on finish: an async handler that answers after awaiting is tracked once it has answered', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const { base, listener, delivered } = await setup({}, (req, res) => {
      arrived();
      void (async () => {
        await answered;
        req.pirsch.event('Late');
        res.end('late');
      })();
    });
    const pending = send(base, '/slow');
    await reached; // the handler runs and waits; the response is not complete yet
    expect(listener.tracked).toBe(0);
    answer();
    expect((await pending).body).toBe('late');
    await delivered(1);
    expect(listener.tracked).toBe(1);
    expect(suite.emulator.events.map((event) => event.event_name)).toEqual(['Late']);
  });

  describe('changes nothing of the handler', () => {
    it('passes this (the server), the request and the response, and returns what the handler returns', async () => {
      const client = newClient();
      const calls: Array<{ self: unknown; req: IncomingMessage; res: ServerResponse }> = [];
      const given: Array<{ req: IncomingMessage; res: ServerResponse; returned: unknown }> = [];
      const returned = { a: 'value' };
      const listener = withPirsch(function (this: unknown, req, res) {
        calls.push({ self: this, req, res });
        res.end('ok');
        return returned;
      }, { client });
      // node:http calls a request listener with the server as `this`; the handler must get it too.
      const server = createServer(function (this: Server, req, res) {
        given.push({ req, res, returned: listener.call(this, req, res) });
      });
      const base = await serve(server);
      expect((await send(base, '/')).body).toBe('ok');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.self).toBe(server);
      expect(calls[0]!.req).toBe(given[0]!.req);
      expect(calls[0]!.res).toBe(given[0]!.res);
      expect(given[0]!.returned).toBe(returned);
    });

    it('a handler that throws: the same error reaches the caller, synchronously; the error page is not tracked', async () => {
      const client = newClient();
      const failure = new Error('handler failed');
      const listener = withPirsch(() => {
        throw failure;
      }, { client });
      const caught: unknown[] = [];
      // What catches it is the app's; unwrapped, the same throw would reach it the same way.
      const base = await serve(
        createServer((req, res) => {
          try {
            listener(req, res);
          } catch (error) {
            caught.push(error);
            res.writeHead(500).end('failed');
          }
        }),
      );
      expect((await send(base, '/')).status).toBe(500);
      await decided(listener, 1);
      expect(caught).toEqual([failure]);
      expect(caught[0]).toBe(failure);
      expect(listener.skipped.status).toBe(1);
      expect(listener.tracked).toBe(0);
    });

    it('an async handler that rejects: node:http (captureRejections) answers 500 as without withPirsch; not tracked', async () => {
      const client = newClient();
      const failure = new Error('async handler failed');
      let returned: unknown;
      const handler = async (): Promise<void> => {
        await Promise.resolve();
        throw failure;
      };
      const listener = withPirsch(handler, { client });
      expectTypeOf(listener).returns.toEqualTypeOf<Promise<void>>();
      // Read when a server is made: node:http answers a listener's rejected promise with 500.
      EventEmitter.captureRejections = true;
      let server: Server;
      try {
        server = createServer((req, res) => (returned = listener(req, res)));
      } finally {
        EventEmitter.captureRejections = false;
      }
      const base = await serve(server);
      expect((await send(base, '/')).status).toBe(500);
      await decided(listener, 1);
      await expect(returned).rejects.toBe(failure);
      expect(listener.skipped.status).toBe(1);
    });
  });

  it('a request met twice counts once: nested withPirsch (the outer one counts) and a handler re-entering itself', async () => {
    const client = newClient();
    const helpers: RequestHelper[] = [];
    const inner = withPirsch(
      (req, res) => {
        helpers.push(req.pirsch);
        req.pirsch.event('Seen');
        res.end('inner');
      },
      { client },
    );
    const outer = withPirsch(
      (req, res) => {
        helpers.push(req.pirsch);
        return inner(req, res);
      },
      { client },
    );
    const base = await serve(createServer(outer));
    expect((await send(base, '/nested')).body).toBe('inner');
    await decided(outer, 1);
    expect(await client.flush(5000)).toBe(true);
    expect(outer.tracked).toBe(1);
    expect(inner.tracked).toBe(0);
    expect(Object.values(inner.skipped).every((count) => count === 0)).toBe(true);
    expect(helpers[0]).toBe(helpers[1]);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/nested']);
    expect(suite.emulator.events.map((event) => event.event_name)).toEqual(['Seen']);

    // An app that routes internally by rewriting req.url and calling itself again: once, as it arrived.
    suite.emulator.reset();
    const routing: PirschRequestListener<void, PirschClient> = withPirsch(
      (req, res) => {
        if (req.url === '/old') {
          req.url = '/new';
          routing(req, res);
          return;
        }
        res.end(`at ${req.url}`);
      },
      { client },
    );
    const routed = await serve(createServer(routing));
    expect((await send(routed, '/old')).body).toBe('at /new');
    await decided(routing, 1);
    expect(await client.flush(5000)).toBe(true);
    expect(routing.tracked).toBe(1);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/old']);
  });

  it('works with node:https: the tracked URL is https', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pirsch-tls-'));
    suite.after(async () => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const cert = readFileSync(join(dir, 'cert.pem'));
    const client = newClient();
    const listener = withPirsch(app, { client });
    const base = await serve(createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, listener), 'https');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpsRequest(`${base}/secure`, { ca: cert, servername: 'localhost', headers: { 'user-agent': BROWSER_UA, host: 'shop.example.com' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    await decided(listener, 1);
    expect(await client.flush(5000)).toBe(true);
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example.com/secure']);
  });

  it('with client options it owns the client: shutdown() delivers what is queued and closes it', async () => {
    const listener = withPirsch(app, { baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000 });
    suite.after(() => listener.shutdown(1000));
    expectTypeOf(listener.client).toEqualTypeOf<PirschClient>();
    expect(listener.ownsClient).toBe(true);
    const base = await serve(createServer(listener));
    await send(base, '/');
    await send(base, '/signup', {}, 'POST');
    await decided(listener, 2);
    expect(suite.emulator.hits).toHaveLength(0); // waiting for the flush interval
    await listener.shutdown(5000);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(suite.emulator.events).toHaveLength(1);
    expect(listener.client.closed).toBe(true);
  });

  it('with a given client, shutdown() flushes it and leaves it open', async () => {
    const { base, listener, client } = await setup();
    expect(listener.ownsClient).toBe(false);
    expect(listener.client).toBe(client);
    await send(base, '/');
    await decided(listener, 1);
    await listener.shutdown(5000);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(client.closed).toBe(false);
  });

  it('refuses bad options and a bad handler when it is called, with a PirschConfigError naming them', () => {
    const client = newClient();
    expect(() => withPirsch(app, { client, excludes: ['/admin'] } as unknown as PirschNodeOptions)).toThrow(PirschConfigError);
    expect(() => withPirsch(app, { client, excludes: ['/admin'] } as unknown as PirschNodeOptions)).toThrow(/excludes/);
    expect(() => withPirsch(app, {} as PirschNodeOptions)).toThrow(PirschConfigError);
    const swapped = () => withPirsch({ client } as never, app as never);
    expect(swapped).toThrow(PirschConfigError);
    expect(swapped).toThrow(/handler comes first/);
    expect(() => withPirsch(undefined as never, { client })).toThrow(expect.objectContaining({ option: 'handler' }));
  });

  it('callbacks that throw cost their part, never the response', async () => {
    const boom = (): never => {
      throw new Error('callback failed');
    };
    const { base, listener, delivered } = await setup({ title: boom, tags: boom, filter: (req) => req.url !== '/skip' || boom() });
    expect((await send(base, '/')).body).toBe('page /');
    expect((await send(base, '/skip')).body).toBe('page /skip');
    await delivered(2);
    expect(listener.tracked).toBe(1);
    expect(listener.skipped.filter).toBe(1);
    expect(suite.emulator.hits.map(({ url, title, tags }) => ({ path: new URL(url).pathname, title, tags }))).toEqual([{ path: '/', title: undefined, tags: undefined }]);
  });

  it('types: the handler sees req.pirsch; the listener fits http.createServer and https.createServer', () => {
    const listener = withPirsch((req, res) => {
      expectTypeOf(req).toEqualTypeOf<PirschRequest>();
      expectTypeOf(req.pirsch).toEqualTypeOf<RequestHelper>();
      expectTypeOf(res).toEqualTypeOf<ServerResponse>();
    }, { client: newClient() });
    expectTypeOf(listener).toExtend<RequestListener>();
    expectTypeOf(listener).toExtend<NonNullable<Parameters<typeof createHttpsServer>[1]>>();
    // A handler written for plain Node (no req.pirsch) fits too.
    const plain = (_req: IncomingMessage, res: ServerResponse): void => void res.end();
    const owning = withPirsch(plain, { baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey });
    suite.after(() => owning.shutdown(1000));
    expectTypeOf(owning.client).toEqualTypeOf<PirschClient>();
    expectTypeOf(owning).toExtend<RequestListener>();
  });
});
