import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { All, Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { withPirsch, type PirschDelivery } from '@pirsch-node/core';
import { pirsch as expressPirsch } from '@pirsch-node/express';
import { pirsch as fastifyPirsch } from '@pirsch-node/fastify';
import { pirsch as koaPirsch } from '@pirsch-node/koa';
import { PirschModule } from '@pirsch-node/nest';
import express5 from 'express';
import express4 from 'express4';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import Koa3 from 'koa';
import { listenOnLoopback as listen, type Listening } from './listen.js';

const Koa2 = createRequire(import.meta.url)('koa2') as typeof Koa3;

/** A framework app with its Pirsch adapter, listening on loopback. */
export type AppUnderTest = Listening;

/** One framework (and major) with its adapter. */
export interface AppVariant {
  name: string;
  /**
   * Builds an app that answers every method and path with 200 `ok`, trusts forwarding headers where it has a setting for it
   * (so a hostile `X-Forwarded-For` reaches the tracked IP), and tracks through its adapter with
   * `client` and `title`/`tags` callbacks that copy request data (a header, the path) into the hit.
   */
  start(client: PirschDelivery): Promise<AppUnderTest>;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function expressVariant(name: string, express: typeof express5): AppVariant {
  return {
    name,
    start(client) {
      const app = express();
      app.set('trust proxy', true);
      app.use(
        expressPirsch({
          client,
          title: (req) => req.get('x-title'),
          tags: (req) => ({ path: req.path, lang: req.get('accept-language') ?? '' }),
        }),
      );
      app.use((_req, res) => {
        res.type('text').send('ok');
      });
      return listen(app);
    },
  };
}

function koaVariant(name: string, Koa: typeof Koa3): AppVariant {
  return {
    name,
    start(client) {
      const app = new Koa();
      app.proxy = true;
      app.silent = true;
      app.use(koaPirsch({ client, title: (ctx) => ctx.get('x-title'), tags: (ctx) => ({ path: ctx.path, lang: ctx.get('accept-language') }) }));
      app.use((ctx) => {
        ctx.body = 'ok';
      });
      return listen(app.callback());
    },
  };
}

function fastifyVariant(name: string, fastify: typeof fastify5): AppVariant {
  return {
    name,
    async start(client) {
      const app = fastify({ trustProxy: true });
      await app.register(fastifyPirsch, {
        client,
        title: (request) => header(request.headers['x-title']),
        tags: (request) => ({ path: request.url, lang: header(request.headers['accept-language']) ?? '' }),
      });
      app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/*', handler: async () => 'ok' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
    },
  };
}

/** A controller answering every method and path; the wildcard is written the platform's way. */
function catchAllController(wildcard: string) {
  @Controller()
  class CatchAllController {
    @All(wildcard)
    any(): string {
      return 'ok';
    }
  }
  return CatchAllController;
}

function nestModule(client: PirschDelivery, wildcard: string) {
  @Module({
    imports: [
      PirschModule.forRoot({
        client,
        title: (req: IncomingMessage) => header(req.headers['x-title']),
        tags: (req: IncomingMessage & { originalUrl?: string }) => ({ path: req.originalUrl ?? req.url ?? '', lang: header(req.headers['accept-language']) ?? '' }),
      }),
    ],
    controllers: [catchAllController(wildcard)],
  })
  class AppModule {}
  return AppModule;
}

const nestExpress: AppVariant = {
  name: 'Nest (Express)',
  async start(client) {
    const app = await NestFactory.create<NestExpressApplication>(nestModule(client, '{*path}'), new ExpressAdapter(), { logger: false });
    app.set('trust proxy', true);
    await app.listen(0, '127.0.0.1');
    return { url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), close: () => app.close() };
  },
};

const nestFastify: AppVariant = {
  name: 'Nest (Fastify)',
  async start(client) {
    const app = await NestFactory.create<NestFastifyApplication>(nestModule(client, '*'), new FastifyAdapter({ trustProxy: true }), { logger: false });
    await app.listen(0, '127.0.0.1');
    return { url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), close: () => app.close() };
  },
};

/** Plain node:http through withPirsch. It has no trust-proxy setting: the IP is the socket's. */
const nodeHttp: AppVariant = {
  name: 'node:http (withPirsch)',
  start(client) {
    const listener = withPirsch((_req, res) => void res.end('ok'), {
      client,
      title: (req) => header(req.headers['x-title']),
      tags: (req) => ({ path: req.url ?? '', lang: header(req.headers['accept-language']) ?? '' }),
    });
    return listen(listener);
  },
};

/** Every adapter on the newest major of its framework, plus Express 4, Koa 2 and Fastify 4, and plain node:http. */
export const APP_VARIANTS: readonly AppVariant[] = [
  expressVariant('Express 5', express5),
  expressVariant('Express 4', express4 as unknown as typeof express5),
  koaVariant('Koa 3', Koa3),
  koaVariant('Koa 2', Koa2),
  fastifyVariant('Fastify 5', fastify5),
  fastifyVariant('Fastify 4', fastify4 as unknown as typeof fastify5),
  nestExpress,
  nestFastify,
  nodeHttp,
];
