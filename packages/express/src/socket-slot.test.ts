import { Agent, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { createClient } from '@pirsch-node/core';
import type { PirschClient, RequestHelper } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import type { Express, NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../../../test/support/emulator-suite.js';
import { EXPRESS_MAJORS } from '../../../test/support/express-majors.js';

// Where req.pirsch lives on a request served over a real socket (helper-slot.ts): on the socket,
// while the socket is the request's; found again once the connection has moved on.

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const ON_SOCKET = Symbol.for('@pirsch-node/express: request on socket');
const SLOT = Symbol.for('@pirsch-node/express: req.pirsch v2');


const suite = useEmulator();

/** The helpers the slot keeps off the socket (assigned, pipelined, socketless, latecomers). */
function slotHelpers(): WeakMap<object, unknown> {
  return (globalThis as unknown as { [SLOT]: { helpers: WeakMap<object, unknown> } })[SLOT].helpers;
}

/** A promise and its resolve. */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Serves `app` on loopback until the test ends; `get` sends a GET over one keep-alive connection. */
async function serve(app: Express): Promise<{ port: number; get: (path: string) => Promise<string> }> {
  const server: Server = app.listen(0, '127.0.0.1');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  suite.after(
    () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const get = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const outgoing = httpRequest({ port, host: '127.0.0.1', path, agent, headers: { 'user-agent': UA } }, (response: IncomingMessage) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });
  return { port, get };
}

describe.each(EXPRESS_MAJORS)('$name: req.pirsch over a real connection', ({ express }) => {
  it('lives on the socket while the request is its own, with no WeakMap entry for the request', async () => {
    const app = express();
    app.use(pirsch({ client: suite.newClient() }));
    const seen: Array<Record<string, unknown>> = [];
    app.get('/', (req, res) => {
      const socket = req.socket as Socket & Record<symbol, { req?: unknown } | undefined>;
      const helper = req.pirsch;
      seen.push({
        onSocket: socket[ON_SOCKET]?.req === req,
        event: typeof helper.event,
        sameHelper: req.pirsch === helper,
        inWeakMap: slotHelpers().has(req),
      });
      res.send('home');
    });
    const { get } = await serve(app);
    expect(await get('/')).toBe('home');
    expect(await get('/')).toBe('home');
    expect(seen).toEqual([
      { onSocket: true, event: 'function', sameHelper: true, inWeakMap: false },
      { onSocket: true, event: 'function', sameHelper: true, inWeakMap: false },
    ]);
  });

  it('is found after the response, once the connection has carried the next request, and sends its event with that page', async () => {
    const client = suite.newClient();
    const app = express();
    const tracking = pirsch({ client });
    app.use(tracking);
    const sockets: unknown[] = [];
    const later = gate();
    const finished = gate<unknown[]>();
    app.get('/late', (req, res) => {
      sockets.push(req.socket);
      res.send('late');
      void later.promise.then(() => {
        const helpers = [req.pirsch, req.pirsch];
        req.pirsch.event('Late');
        finished.open(helpers);
      });
    });
    app.get('/next', (req, res) => {
      sockets.push(req.socket);
      res.send('next');
    });
    const { get } = await serve(app);
    expect(await get('/late')).toBe('late');
    expect(await get('/next')).toBe('next');
    later.open();
    const [first, second] = await finished.promise;
    expect(sockets[0]).toBe(sockets[1]); // the connection moved on before req.pirsch was read
    expect(first).toBe(second);
    expect(await client.flush(10_000)).toBe(true);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/late', '/next']);
    expect(suite.emulator.events.map((event) => [event.event_name, new URL(event.url).pathname, event.ip, event.user_agent])).toEqual([
      ['Late', '/late', '127.0.0.1', UA],
    ]);
    expect(tracking.tracked).toBe(2);
  });

  it('is found late in a sub-app and after it, with the middleware in either app', async () => {
    for (const placement of ['parent', 'sub-app'] as const) {
      const client = suite.newClient();
      const app = express();
      const shop = express();
      const tracking = pirsch({ client });
      if (placement === 'parent') app.use(tracking);
      else shop.use(tracking);
      const later = gate();
      const found = gate<string[]>();
      const results: string[] = [];
      const readLate = (where: string, req: Request) =>
        void later.promise.then(() => {
          results.push(`${where}: ${typeof req.pirsch?.event}`);
          req.pirsch.event(`Late in ${where}`);
          if (results.length === 3) found.open(results);
        });
      // Answered in the sub-app, read there (the request keeps the sub-app's prototype) ...
      shop.get('/stay', (req, res) => {
        res.send('stay');
        readLate('sub-app only', req);
      });
      // ... or answered in the sub-app and read there and in the parent after it (the parent's prototype again).
      shop.get('/cart', (req: Request, res: Response, next: NextFunction) => {
        res.send('cart');
        readLate('sub-app', req);
        next();
      });
      shop.get('/next', (_req, res) => void res.send('next'));
      app.use('/shop', shop);
      app.get('/shop/cart', (req) => readLate('parent', req));
      const { get } = await serve(app);
      // Each request through the middleware moves the connection past the one before.
      expect(await get('/shop/cart')).toBe('cart');
      expect(await get('/shop/stay')).toBe('stay');
      expect(await get('/shop/next')).toBe('next');
      later.open();
      expect(await found.promise).toEqual(['sub-app: function', 'parent: function', 'sub-app only: function']);
      expect(await client.flush(10_000)).toBe(true);
      expect(suite.emulator.events.map((event) => [event.event_name, new URL(event.url).pathname])).toEqual([
        ['Late in sub-app', '/shop/cart'],
        ['Late in parent', '/shop/cart'],
        ['Late in sub-app only', '/shop/stay'],
      ]);
      suite.emulator.reset();
    }
  });

  it('is undefined while a route before the middleware answers, also once the middleware met requests of the app', async () => {
    const client = suite.newClient();
    const app = express();
    const types: string[] = [];
    app.get('/early', (req, res) => {
      types.push(typeof req.pirsch);
      res.send('early');
    });
    const tracking = pirsch({ client });
    app.use(tracking);
    app.get('/', (_req, res) => void res.send('home'));
    const { get } = await serve(app);
    expect(await get('/')).toBe('home');
    expect(await get('/early')).toBe('early');
    expect(types).toEqual(['undefined']);
    expect(await client.flush(10_000)).toBe(true);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/']);
  });

  it('keeps an assignment to req.pirsch once the connection has moved on', async () => {
    const app = express();
    app.use(pirsch({ client: suite.newClient() }));
    const mine = { event() {}, session() {} } as RequestHelper;
    const later = gate();
    const found = gate<unknown[]>();
    app.get('/assign', (req, res) => {
      req.pirsch = mine;
      const now = req.pirsch;
      res.send('assigned');
      void later.promise.then(() => found.open([now, req.pirsch]));
    });
    app.get('/next', (_req, res) => void res.send('next'));
    const { get } = await serve(app);
    expect(await get('/assign')).toBe('assigned');
    expect(await get('/next')).toBe('next');
    later.open();
    expect(await found.promise).toEqual([mine, mine]);
  });

  it("replaces an assignment made before the middleware with the middleware's helper, also once the connection has moved on", async () => {
    const app = express();
    const stale = { event() {}, session() {} } as RequestHelper;
    app.use((req, _res, next) => {
      req.pirsch = stale;
      next();
    });
    app.use(pirsch({ client: suite.newClient() }));
    const later = gate();
    const found = gate<unknown[]>();
    app.get('/early', (req, res) => {
      const now = req.pirsch;
      res.send('early');
      void later.promise.then(() => found.open([now, req.pirsch]));
    });
    app.get('/next', (_req, res) => void res.send('next'));
    const { get } = await serve(app);
    expect(await get('/early')).toBe('early');
    expect(await get('/next')).toBe('next');
    later.open();
    const [now, late] = await found.promise;
    expect(now).not.toBe(stale);
    expect(typeof (now as RequestHelper).event).toBe('function');
    expect(late).not.toBe(stale);
    expect(typeof (late as RequestHelper).event).toBe('function');
  });

  it('counts pipelined requests once each, with the middleware met again after the next request arrived', async () => {
    const client = suite.newClient();
    const app = express();
    const tracking = pirsch({ client });
    app.use(tracking);
    const aboutArrived = gate();
    app.use((req, _res, next) => {
      if (req.path === '/about') aboutArrived.open();
      next();
    });
    const helpers: unknown[] = [];
    app.get(
      '/slow',
      (_req, _res, next) => void aboutArrived.promise.then(() => next()),
      tracking,
      (req, res) => {
        helpers.push(req.pirsch);
        req.pirsch.event('Slow');
        res.send('slow');
      },
    );
    app.get('/about', (req, res) => {
      helpers.push(req.pirsch);
      res.send('about');
    });
    const { port } = await serve(app);
    const socket = connect(port, '127.0.0.1');
    suite.after(async () => void socket.destroy());
    let answers = '';
    socket.setEncoding('utf8');
    const both = new Promise<void>((resolve) =>
      socket.on('data', (chunk: string) => {
        answers += chunk;
        if (answers.includes('slow') && answers.includes('about')) resolve();
      }),
    );
    const head = (path: string) => `GET ${path} HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: ${UA}\r\n\r\n`;
    socket.write(head('/slow') + head('/about'));
    await both;
    expect(answers.indexOf('slow')).toBeLessThan(answers.indexOf('about'));
    expect(helpers.map((helper) => typeof (helper as RequestHelper | undefined)?.event)).toEqual(['function', 'function']);
    expect(helpers[0]).not.toBe(helpers[1]);
    expect(await client.flush(10_000)).toBe(true);
    expect(tracking.tracked).toBe(2);
    expect(suite.emulator.hits.map((hit) => new URL(hit.url).pathname).sort()).toEqual(['/about', '/slow']);
    expect(suite.emulator.events.map((event) => [event.event_name, new URL(event.url).pathname])).toEqual([['Slow', '/slow']]);
  });
});
