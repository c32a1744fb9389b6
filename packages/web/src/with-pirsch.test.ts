import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createClient, PirschConfigError, type PirschClient } from '@pirsch-node/core/web';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { failOnUnhandledErrors } from '../../../test/support/guard.js';
import { BROWSER_UA } from '../../../test/support/load.js';
import { onEachRead } from '../../../test/support/reads.js';
import { pirschOf, withPirsch, type PirschFetchHandler } from './index.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';

// withPirsch on Node, with real Fetch API objects (Node's Request and Response) and the emulator
// as the API; the handler is called with the arguments each runtime passes (Deno's `info`, Bun's
// `server`, Workers' `env` and `ctx`). test/web-runtimes.test.ts runs it in the runtimes themselves.

failOnUnhandledErrors();

const suite = useEmulator();

/** A client of the emulator that sends only when flushed, closed after the test. */
function newClient(): PirschClient {
  const client = createClient({ baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000, onError: () => {} });
  suite.after(() => client.close(1000));
  return client;
}

/** A request from a browser; the IP comes from the runtime's arguments or, as on Workers, CF-Connecting-IP. */
function get(path: string, headers: Record<string, string> = {}, init: RequestInit = {}): Request {
  return new Request(`https://shop.example${path}`, { ...init, headers: { 'user-agent': BROWSER_UA, 'cf-connecting-ip': '192.0.2.1', ...headers } });
}

/** Deno.serve's second argument. */
const denoInfo = (hostname: string) => ({ remoteAddr: { transport: 'tcp', hostname, port: 50_000 }, completed: Promise.resolve() });
/** Bun.serve's second argument: its `requestIP` reads the server's sockets, so it needs the server as `this`. */
function bunServer(address: string) {
  const server = {
    requestIP(this: unknown, request: Request) {
      if (this !== server) throw new TypeError('Illegal invocation');
      return request instanceof Request ? { address, family: 'IPv4', port: 50_000 } : null;
    },
  };
  return server;
}
/** A Workers ExecutionContext: `waitUntil` must be called on it, and keeps what it was given. */
function workersCtx() {
  const promises: Array<Promise<unknown>> = [];
  const ctx = {
    waitUntil(this: unknown, promise: Promise<unknown>) {
      if (this !== ctx) throw new TypeError('Illegal invocation');
      promises.push(promise);
    },
    passThroughOnException() {},
  };
  return { ctx, promises };
}

describe('withPirsch: page views', () => {
  it('a GET answered 2xx is a page view with the URL, the peer IP from Deno and the user agent; the response is the handler\'s own', async () => {
    const client = newClient();
    const ok = new Response('hello', { headers: { 'content-type': 'text/html' } });
    const handler = withPirsch((_request: Request, _info: ReturnType<typeof denoInfo>) => ok, { client });
    const response = handler(get('/pricing?plan=pro', { 'accept-language': 'de' }), denoInfo('203.0.113.7'));
    expect(response).toBe(ok);
    expect(handler.tracked).toBe(1);
    await client.flush();
    expect(suite.emulator.hits).toHaveLength(1);
    expect(suite.emulator.hits[0]).toMatchObject({ url: 'https://shop.example/pricing?plan=pro', ip: '203.0.113.7', user_agent: BROWSER_UA, accept_language: 'de' });
  });

  it('Bun: the IP is server.requestIP(request), called on the server', async () => {
    const client = newClient();
    const server = bunServer('198.51.100.4');
    const handler = withPirsch(async (_request: Request, _server: typeof server) => new Response('hi'), { client });
    await handler(get('/'), server);
    await client.flush();
    expect(suite.emulator.hits.map((hit) => hit.ip)).toEqual(['198.51.100.4']);
  });

  it('an async handler: the promise resolves to its response, tracked once resolved', async () => {
    const client = newClient();
    const ok = new Response('later');
    const handler = withPirsch(async (_request: Request, _info: ReturnType<typeof denoInfo>) => ok, { client });
    const pending = handler(get('/'), denoInfo('203.0.113.7'));
    expect(pending).toBeInstanceOf(Promise);
    expect(handler.tracked).toBe(0);
    await expect(pending).resolves.toBe(ok);
    expect(handler.tracked).toBe(1);
  });

  it('the adapters\' rules: assets, other methods, non-2xx statuses, DNT and bots are skipped and counted', async () => {
    const client = newClient();
    const handler = withPirsch((request: Request) => new Response('x', { status: new URL(request.url).pathname === '/missing' ? 404 : 200 }), { client });
    handler(get('/app.css'));
    handler(get('/', {}, { method: 'POST' }));
    handler(get('/missing'));
    handler(get('/', { dnt: '1' }));
    handler(get('/', { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' }));
    handler(get('/shown'));
    expect(handler.tracked).toBe(1);
    expect(handler.skipped).toMatchObject({ asset: 1, method: 1, status: 1, dnt: 1, bot: 1 });
    await client.flush();
    expect(suite.emulator.hits.map((hit) => hit.url)).toEqual(['https://shop.example/shown']);
  });

  it('`this` and every argument reach the handler unchanged', () => {
    const client = newClient();
    const seen: unknown[] = [];
    const handler = withPirsch(function (this: unknown, request: Request, env: { A: number }, ctx: { waitUntil(p: Promise<unknown>): void }) {
      seen.push(this, request, env, ctx);
      return new Response('x');
    }, { client });
    const owner = { fetch: handler };
    const request = get('/');
    const env = { A: 1 };
    const { ctx } = workersCtx();
    owner.fetch(request, env, ctx);
    expect(seen).toEqual([owner, request, env, ctx]);
    expect(seen[1]).toBe(request);
  });

  it('something other than a Response (Bun after server.upgrade()) passes through untracked', () => {
    const client = newClient();
    const handler = withPirsch((): Response | undefined => undefined, { client });
    expect(handler(get('/'))).toBeUndefined();
    expect(handler.tracked).toBe(0);
  });
});

describe('withPirsch on Node, served by @hono/node-server', () => {
  it("the IP is the socket's peer and the headers Node's own (node-server builds the Request's only when asked)", async () => {
    const client = newClient();
    let headerReads = 0;
    const handler = withPirsch(
      (request: Request) => {
        // Counts reads of the Request's headers from here on (withPirsch reads them when the response is back).
        onEachRead(request, 'headers', () => headerReads++);
        return new Response('<h1>hi</h1>', { headers: { 'content-type': 'text/html' } });
      },
      { client },
    );
    const server = await new Promise<ServerType>((resolve) => {
      const started: ServerType = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    suite.after(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as AddressInfo;
    const answer = await fetch(`http://127.0.0.1:${port}/pricing?plan=pro`, { headers: { 'user-agent': BROWSER_UA, 'accept-language': 'de' } });
    expect(await answer.text()).toBe('<h1>hi</h1>');
    expect(handler.tracked).toBe(1);
    expect(await client.flush()).toBe(true);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(suite.emulator.hits[0]).toMatchObject({ url: `http://127.0.0.1:${port}/pricing?plan=pro`, ip: '127.0.0.1', user_agent: BROWSER_UA, accept_language: 'de' });
    expect(headerReads).toBe(0);
  });
});

describe('withPirsch: the handler\'s errors are its own', () => {
  it('a throw passes through as the same error and is no page view', () => {
    const client = newClient();
    const boom = new Error('boom');
    const handler = withPirsch((): Response => {
      throw boom;
    }, { client });
    expect(() => handler(get('/'))).toThrow(boom);
    expect(handler.tracked).toBe(0);
  });

  it('a rejection passes through as the same reason and is no page view', async () => {
    const client = newClient();
    const boom = new Error('boom');
    const handler = withPirsch(async (): Promise<Response> => {
      throw boom;
    }, { client });
    await expect(handler(get('/'))).rejects.toBe(boom);
    expect(handler.tracked).toBe(0);
  });

  it('tracking never throws into the app: a throwing filter, a throwing requestIP, a throwing waitUntil', async () => {
    const client = newClient();
    const handler = withPirsch((_request: Request, _server: { requestIP(request: Request): unknown }) => new Response('ok'), {
      client,
      filter: () => {
        throw new Error('filter broke');
      },
    });
    const response = handler(get('/'), {
      requestIP() {
        throw new Error('socket gone');
      },
    });
    expect(await response.text()).toBe('ok');
    const plain = withPirsch((_request: Request, _env: object, _ctx: { waitUntil(promise: Promise<unknown>): void }) => new Response('ok'), { client });
    const refusing = {
      waitUntil() {
        throw new Error('invocation over');
      },
    };
    expect(plain(get('/'), {}, refusing).status).toBe(200);
    expect(plain.tracked).toBe(1);
  });
});

describe('withPirsch: events with pirschOf(request)', () => {
  it('an event for the request\'s page: its URL, IP and user agent', async () => {
    const client = newClient();
    const handler = withPirsch(async (request: Request, _info: ReturnType<typeof denoInfo>) => {
      pirschOf(request).event('Signup', { meta: { plan: 'pro' } });
      return new Response(null, { status: 303, headers: { location: '/welcome' } });
    }, { client });
    await handler(get('/signup', {}, { method: 'POST' }), denoInfo('203.0.113.9'));
    await client.flush();
    expect(suite.emulator.hits).toHaveLength(0);
    expect(suite.emulator.events).toHaveLength(1);
    expect(suite.emulator.events[0]).toMatchObject({ event_name: 'Signup', event_meta: { plan: 'pro' }, url: 'https://shop.example/signup', ip: '203.0.113.9', user_agent: BROWSER_UA });
  });

  it('session() keeps the visitor\'s session alive', async () => {
    const client = newClient();
    const handler = withPirsch((request: Request, _info: ReturnType<typeof denoInfo>) => {
      pirschOf(request).session();
      return new Response(null, { status: 204 });
    }, { client });
    handler(get('/poll'), denoInfo('203.0.113.9'));
    await client.flush();
    expect(suite.emulator.sessions).toHaveLength(1);
  });

  it('a request no withPirsch saw (a copy) gets a helper that sends nothing and never throws', async () => {
    const client = newClient();
    const handler = withPirsch((request: Request) => {
      pirschOf(new Request(request)).event('Lost');
      return new Response(null, { status: 204 });
    }, { client });
    handler(get('/'));
    expect(() => pirschOf(undefined as unknown as Request).event('x')).not.toThrow();
    await client.flush();
    expect(suite.emulator.events).toHaveLength(0);
  });

  it('nested withPirsch: the outer one\'s helper, one page view', async () => {
    const outerClient = newClient();
    const innerClient = newClient();
    const inner = withPirsch((request: Request) => {
      pirschOf(request).event('Inner');
      return new Response('x');
    }, { client: innerClient });
    const outer = withPirsch(inner, { client: outerClient });
    outer(get('/'));
    expect(outer.tracked).toBe(1);
    expect(inner.tracked).toBe(0);
    await Promise.all([outerClient.flush(), innerClient.flush()]);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(suite.emulator.events).toHaveLength(1);
  });
});

describe('withPirsch: the end of an invocation', () => {
  it('Workers: delivery is handed to ctx.waitUntil (called on ctx); awaiting what it got delivers, with no flush; the IP is CF-Connecting-IP', async () => {
    const client = createClient({ baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000, onError: () => {} });
    suite.after(() => client.close(1000));
    const handler = withPirsch(async (request: Request, _env: object, _ctx: { waitUntil(promise: Promise<unknown>): void }) => {
      if (request.method === 'POST') pirschOf(request).event('Signup');
      return new Response('ok');
    }, { client });
    const { ctx, promises } = workersCtx();
    await handler(get('/', { 'cf-connecting-ip': '192.0.2.44' }), {}, ctx);
    await handler(get('/signup', { 'cf-connecting-ip': '192.0.2.44' }, { method: 'POST' }), {}, ctx);
    expect(promises.length).toBe(2);
    await Promise.all(promises);
    expect(suite.emulator.hits.map((hit) => [hit.url, hit.ip])).toEqual([['https://shop.example/', '192.0.2.44']]);
    expect(suite.emulator.events.map((event) => event.event_name)).toEqual(['Signup']);
  });

  it('Vercel Edge / Netlify: a waitUntil on the second argument is used too', async () => {
    const client = newClient();
    const promises: Array<Promise<unknown>> = [];
    const handler = withPirsch((_request: Request, _context: { waitUntil(promise: Promise<unknown>): void }) => new Response('ok'), { client });
    handler(get('/', { 'x-forwarded-for': '192.0.2.5' }), { waitUntil: (promise) => promises.push(promise) });
    expect(promises).toHaveLength(1);
    await Promise.all(promises);
    expect(suite.emulator.hits).toHaveLength(1);
  });

  it('without waitUntil: handler.flush() delivers what the invocation queued', async () => {
    const handler = withPirsch(() => new Response('ok'), { baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000 });
    suite.after(() => handler.shutdown(1000));
    handler(get('/'));
    expect(suite.emulator.hits).toHaveLength(0);
    await expect(handler.flush()).resolves.toBe(true);
    expect(suite.emulator.hits).toHaveLength(1);
  });

  it('shutdown() delivers what is queued and closes the client withPirsch created', async () => {
    const handler = withPirsch(() => new Response('ok'), { baseUrl: suite.emulator.url, accessKey: suite.emulator.accessKey, flushIntervalMs: 60_000 });
    expect(handler.ownsClient).toBe(true);
    handler(get('/'));
    await handler.shutdown(2000);
    expect(suite.emulator.hits).toHaveLength(1);
    expect(handler.client.closed).toBe(true);
  });
});

describe('withPirsch: options', () => {
  it('a bad option given as an object throws a PirschConfigError naming it when wrapping', () => {
    const error = (() => {
      try {
        withPirsch(() => new Response(), { accessKey: suite.emulator.accessKey, exclude: 42 as unknown as string[] });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PirschConfigError);
    expect((error as PirschConfigError).option).toBe('exclude');
    expect(() => withPirsch(() => new Response(), { accessKey: '' })).toThrow(PirschConfigError);
  });

  it('a handler that is not a function is a PirschConfigError naming `handler` (and says the order when swapped)', () => {
    expect(() => withPirsch(undefined as unknown as () => Response, { client: newClient() })).toThrow(/"handler"/);
    expect(() => withPirsch({ accessKey: 'pa_x' } as unknown as () => Response, (() => ({ accessKey: 'pa_x' })) as never)).toThrow(/handler comes first/);
  });

  it('options as a function of env: read once, on the first request, from the second argument', async () => {
    const envs: unknown[] = [];
    const handler = withPirsch(
      (_request: Request, _env: { PIRSCH_ACCESS_KEY: string; PIRSCH_BASE_URL: string }) => new Response('ok'),
      (env) => {
        envs.push(env);
        return { accessKey: env.PIRSCH_ACCESS_KEY, baseUrl: env.PIRSCH_BASE_URL, flushIntervalMs: 60_000 };
      },
    );
    suite.after(() => handler.shutdown(1000));
    expect(handler.client).toBeUndefined();
    expect(handler.tracked).toBe(0);
    expect(handler.skipped.asset).toBe(0);
    await expect(handler.flush()).resolves.toBe(true);
    const env = { PIRSCH_ACCESS_KEY: suite.emulator.accessKey, PIRSCH_BASE_URL: suite.emulator.url };
    handler(get('/'), env);
    handler(get('/a.css'), env);
    expect(envs).toEqual([env]);
    expect(handler.client).toBeDefined();
    expect(handler.skipped.asset).toBe(1);
    await handler.flush();
    expect(suite.emulator.hits).toHaveLength(1);
  });

  it('options as a function: a bad option is a PirschConfigError on the first request, before the handler runs, and on every one after', () => {
    let calls = 0;
    const handler = withPirsch(
      (_request: Request, _env: { KEY?: string }) => {
        calls++;
        return new Response('ok');
      },
      (env) => ({ accessKey: env.KEY as string }),
    );
    expect(() => handler(get('/'), {})).toThrow(PirschConfigError);
    expect(() => handler(get('/'), {})).toThrow(/accessKey/);
    expect(calls).toBe(0);
  });

  it('options as a function that throws: a PirschConfigError naming `options`', () => {
    const handler = withPirsch(
      (_request: Request, _env: undefined) => new Response('ok'),
      (env) => ({ accessKey: (env as unknown as { KEY: string }).KEY }),
    );
    const error = (() => {
      try {
        handler(get('/'), undefined);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PirschConfigError);
    expect((error as PirschConfigError).option).toBe('options');
    expect((error as Error).message).toMatch(/options function threw/);
  });

  it('clientHints: Accept-CH on the response, a copy when its headers are immutable', async () => {
    const client = newClient();
    const fetched = Response.redirect('https://shop.example/elsewhere', 302);
    const handler = withPirsch((request: Request) => (new URL(request.url).pathname === '/moved' ? fetched : new Response('ok')), { client, clientHints: true });
    expect(handler(get('/')).headers.get('accept-ch')).toMatch(/Sec-CH-UA/);
    const moved = handler(get('/moved'));
    expect(moved.headers.get('accept-ch')).toMatch(/Sec-CH-UA/);
    expect(moved.status).toBe(302);
    const plain = withPirsch(() => new Response('ok'), { client });
    expect(plain(get('/')).headers.get('accept-ch')).toBeNull();
  });

  it('types: the wrapped handler keeps the handler\'s parameters and result, and carries the client', () => {
    const client = newClient();
    const handler = withPirsch(async (_request: Request, _env: { KEY: string }, _ctx: { waitUntil(p: Promise<unknown>): void }) => new Response(), { client });
    expectTypeOf(handler).toMatchTypeOf<PirschFetchHandler<[{ KEY: string }, { waitUntil(p: Promise<unknown>): void }], Promise<Response>, PirschClient>>();
    expectTypeOf(handler).parameters.toEqualTypeOf<[Request, { KEY: string }, { waitUntil(p: Promise<unknown>): void }]>();
    expectTypeOf(handler).returns.toEqualTypeOf<Promise<Response>>();
    const lazy = withPirsch((_request: Request, env: { KEY: string }) => new Response(env.KEY), (env) => ({ accessKey: env.KEY }));
    expectTypeOf(lazy.client).toEqualTypeOf<PirschDeliveryOrUndefined>();
  });
});

type PirschDeliveryOrUndefined = import('@pirsch-node/core/web').PirschDelivery | undefined;
