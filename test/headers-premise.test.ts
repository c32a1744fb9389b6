import { IncomingMessage, createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { createClient, hitFromRequest, withPirsch, type PirschClient } from '@pirsch-node/core';
import { pirsch as expressPirsch } from '@pirsch-node/express';
import { pirsch as fastifyPirsch } from '@pirsch-node/fastify';
import { pirsch as koaPirsch } from '@pirsch-node/koa';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import express from 'express';
import fastify from 'fastify';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 15 §1 asked whether extraction should read `rawHeaders` to spare Node building
// `req.headers` (it builds that object lazily, on the first read). That pays only if our adapter
// is the first to read it. It is not: Node's HTTP server reads `req.headers` itself before it
// emits 'request' (Node 20, 22 and 24: for HTTP/1.1 in `parserOnIncoming`, which checks the Host
// header; for HTTP/1.0 in `new ServerResponse`, which reads TE), so the object exists before any
// handler or middleware runs, and reading it costs our extraction a property lookup. This
// test keeps that premise checked: should a Node version or a framework leave the first read to
// us, it fails, and reading `rawHeaders` is worth measuring again.

/** Who first read each request's `req.headers`: the stack frame that called the getter. */
const firstReader = new WeakMap<IncomingMessage, string>();

/** Node's own accessor of `req.headers` (it builds the object on the first read). */
const nodeHeaders = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, 'headers');
if (nodeHeaders?.get === undefined || nodeHeaders.set === undefined) throw new Error('IncomingMessage.prototype.headers is no accessor in this Node: the premise needs checking anew');
const { get: buildHeaders, set: setHeaders } = nodeHeaders;

/** Node's request class, noting the first reader of `headers` (given to the server as its `IncomingMessage` option). */
class ProbedRequest extends IncomingMessage {}
Object.defineProperty(ProbedRequest.prototype, 'headers', {
  configurable: true,
  get(this: IncomingMessage) {
    if (!firstReader.has(this)) firstReader.set(this, callerOf(new Error().stack ?? ''));
    return buildHeaders.call(this);
  },
  set(this: IncomingMessage, value: unknown) {
    setHeaders.call(this, value);
  },
});

/** The frame that called the getter: the stack's third line (the message, the getter, its caller). */
function callerOf(stack: string): string {
  return (stack.split('\n')[2] ?? '').trim();
}

/** The readers noted for the requests each app saw, in the order they came. */
const seen: Record<string, string[]> = {};

/** Notes the first reader of the request in the app's first handler (our adapter runs after it). */
function note(name: string, req: IncomingMessage): void {
  (seen[name] ??= []).push(firstReader.get(req) ?? 'nobody before the first handler');
}

function serve(listener: RequestListener): Promise<Server> {
  const server = createServer({ IncomingMessage: ProbedRequest }, listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function get(server: Server, httpVersion: '1.0' | '1.1' = '1.1'): Promise<number> {
  const { port } = server.address() as AddressInfo;
  if (httpVersion === '1.0') {
    // node:http's client speaks only HTTP/1.1: write the request line by hand.
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('end', () => resolve(Number(answer.split(' ')[1])));
      socket.on('error', reject);
      socket.connect(port, '127.0.0.1', () =>
        socket.write('GET /products HTTP/1.0\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0\r\nAccept-Language: de-DE\r\n\r\n'),
      );
    });
  }
  return new Promise((resolve, reject) => {
    request(
      { host: '127.0.0.1', port, path: '/products', headers: { host: 'shop.example.com', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0', 'accept-language': 'de-DE' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    )
      .on('error', reject)
      .end();
  });
}

describe("req.headers is built before our adapter reads it (issue 15 §1: reading rawHeaders instead would spare nothing)", () => {
  let emulator: PirschEmulator;
  let client: PirschClient;
  const servers: Server[] = [];
  const apps: Record<string, Server> = {};

  beforeAll(async () => {
    emulator = await createPirschEmulator();
    client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });

    const nodeHandler = withPirsch((_req, response) => response.end('ok'), { client });
    apps['node:http'] = await serve((req, res) => {
      note('node:http', req);
      nodeHandler(req, res);
    });

    const expressApp = express();
    expressApp.use((req, _res, next) => {
      note('Express', req);
      next();
    });
    expressApp.use(expressPirsch({ client }));
    expressApp.get('/products', (_req, res) => res.type('text').send('ok'));
    apps.Express = await serve(expressApp);

    const koa = new Koa();
    koa.use((ctx, next) => {
      note('Koa', ctx.req);
      return next();
    });
    koa.use(koaPirsch({ client }));
    koa.use((ctx) => {
      ctx.body = 'ok';
    });
    apps.Koa = await serve(koa.callback());

    let fastifyServer: Server | undefined;
    const fastifyApp = fastify({
      serverFactory: (handler) => {
        fastifyServer = createServer({ IncomingMessage: ProbedRequest }, handler);
        return fastifyServer;
      },
    });
    fastifyApp.addHook('onRequest', (req, _reply, done) => {
      note('Fastify', req.raw);
      done();
    });
    await fastifyApp.register(fastifyPirsch, { client });
    fastifyApp.get('/products', (_req, reply) => reply.type('text/plain').send('ok'));
    await fastifyApp.listen({ port: 0, host: '127.0.0.1' });
    apps.Fastify = fastifyServer as Server;
    servers.push(apps['node:http'], apps.Express, apps.Koa);
    afterAll(() => fastifyApp.close());
  });

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await client.close();
    await emulator.close();
  });

  it.each(['node:http', 'Express', 'Koa', 'Fastify'])('%s: Node read req.headers first, over HTTP/1.1 and HTTP/1.0, and the page views still arrive', async (name) => {
    const server = apps[name] as Server;
    const before = emulator.hits.length;
    expect(await get(server, '1.1')).toBe(200);
    expect(await get(server, '1.0')).toBe(200);
    expect(await client.flush(5000)).toBe(true);

    const readers = seen[name] ?? [];
    expect(readers).toHaveLength(2);
    for (const reader of readers) expect(reader).toMatch(/\(node:_http_server:\d+:\d+\)$/);
    // Our adapter did read the headers: the page views carry them.
    const hits = emulator.hits.slice(before);
    expect(hits).toHaveLength(2);
    for (const hit of hits) {
      expect(hit.user_agent).toBe('Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0');
      expect(hit.accept_language).toBe('de-DE');
    }
  });

  it('the probe would catch our code reading first: on a request whose headers nobody built, the first reader is our extraction', () => {
    const req = new ProbedRequest(new Socket());
    hitFromRequest(req);
    expect(firstReader.get(req)).toMatch(/packages[\\/]core[\\/]src[\\/]extract\.ts/);
  });
});
