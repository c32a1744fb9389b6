// The app under test: one page (GET /) per framework, in four variants.
//   bare     the framework alone
//   ours     with our adapter, delivering to the bench's API (api-process.mjs, in another process)
//   sdk      with the official pirsch-sdk: hit(hitFromRequest(req)) per request, not awaited
//   before   ours at the --baseline checkout (its client and adapter), for the change side by side
//   hanging  ours, while the API never answers an ingest request
//   hanging-before  before, while the API never answers an ingest request (bench/toggled.mjs only: the change while it hangs)
// and three that show where the time of `ours` goes:
//   empty    an adapter that does nothing (no analytics): one more middleware of the kind ours is,
//            told when the response has gone out (see hearEnd), which any adapter that tracks only
//            the responses that succeeded needs: what the framework itself charges for an adapter
//   decide   our adapter with `filter: () => false`: its per-request work and the decision only
//   extract  our adapter tracking into a client that discards each hit: everything but the queue and delivery
//   naive    our adapter tracking into the least a sender can do: every `batchSize` hits (the
//            client's default, see clientBatchSize) serialised in a microtask and POSTed with undici
//            alone, no queue, no retries, no bounds, no timer. What in-process delivery costs in this
//            app at the least; `ours` minus this is our queue's share.
//   serialise the same as naive without the POST: each batch serialised (JSON and UTF-8), then
//            thrown away, so naive minus this is what POSTing from the app's process costs.
//   least    no adapter of ours: the least tracking into the least sender (bench/least.mjs), the
//            least any in-process design costs (for the profiles, bench/shares.mjs and bench/split.mjs),
//            as a middleware (in Fastify an onRequest hook)
//   least-wrapped  Express only: the same in front of the app, as withPirsch is
// Express only: our adapter in front of the app instead of as its middleware (withPirsch from
// @pirsch-node/express, given to the server):
//   wrapped  as ours, delivering to the bench's API
// and, for bench/request-time.mjs (no delivery at all):
//   before-extract   extract at the --baseline checkout (its adapter, the same discarding client)
//   wrapped-extract  wrapped, tracking into the discarding client
// Every variant counts the requests its handler served, so the run can check that each was delivered.
import 'reflect-metadata';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@pirsch-node/core';
import { leastDelivery, leastTracker } from './least.mjs';
import { PAGE } from './page.mjs';

/**
 * Where run.mjs leaves `--baseline`: a checkout of an earlier commit with its packages built. The
 * `before` variant is `ours` with that checkout's client and adapter, so one run measures the
 * change side by side (the adapter there resolves its own `@pirsch-node/core`, the checkout's).
 */
const BASELINE_ENV = 'PIRSCH_BENCH_BASELINE';

/**
 * Hands the apps started from now on (`before`) the checkout at `dir`. Undefined when done; what
 * is wrong otherwise (no built packages there).
 */
export function useBaseline(dir) {
  const core = join(resolve(dir), 'packages', 'core', 'dist', 'index.js');
  if (!existsSync(core)) return `--baseline ${dir}: no built packages there (${core}); run pnpm install and npm run build in it`;
  process.env[BASELINE_ENV] = resolve(dir);
  return undefined;
}

/** The module of a package: this workspace's, or the baseline checkout's build of it for `before`. */
function packageModule(delivery, name) {
  if (!delivery.baseline) return import(`@pirsch-node/${name}`);
  return import(pathToFileURL(join(delivery.baseline, 'packages', name, 'dist', 'index.js')).href);
}

/** Where run.mjs leaves the probed batch size for the processes it starts (apps, micro-benchmarks). */
const BATCH_SIZE_ENV = 'PIRSCH_BENCH_BATCH_SIZE';

/**
 * The client's `batchSize` at its defaults, as the client behaves (packages/core does not export
 * its defaults, and a number copied here would go stale): 5000 small hits into a default client
 * in one synchronous loop, delivered to a throwaway server in this process; the largest batch
 * POSTed. The hits are small, so `maxBatchBytes` does not cut them first. Probed once by run.mjs
 * (`inherited: false`), which hands the answer to the processes it starts in the environment.
 */
export async function clientBatchSize({ inherited = true } = {}) {
  const known = Number(process.env[BATCH_SIZE_ENV]);
  if (inherited && Number.isInteger(known) && known > 0) return known;
  let largest = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      largest = Math.max(largest, Array.isArray(body) ? body.length : 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const baseUrl = await listenHttp(server);
  const client = createClient({ baseUrl, accessKey: 'probe' });
  for (let i = 0; i < 5000; i++) client.hit({ url: `https://shop.example.com/p/${i}`, ip: '203.0.113.1', user_agent: 'probe' });
  const delivered = await client.close(10_000);
  await closeHttp(server);
  if (!delivered || largest === 0) throw new Error("bench: could not probe the client's batch size");
  process.env[BATCH_SIZE_ENV] = String(largest);
  return largest;
}

export const FRAMEWORKS = ['express', 'koa', 'fastify', 'nest'];
export const VARIANTS = ['bare', 'ours', 'before', 'sdk', 'hanging', 'wrapped'];
/** Variants only some frameworks have (a run of the others skips them). */
const ONLY_FOR = { wrapped: ['express'], 'wrapped-extract': ['express'], 'least-wrapped': ['express'] };

/** Whether `framework` has `variant` (wrapped is Express's alone). */
export function variantFits(framework, variant) {
  // Nest's before needs the baseline to resolve this workspace's @nestjs/*: the baseline's module
  // would otherwise bring its own copies into the app, which alone changes what a request costs
  // (by several µs), and the difference would not be our change's.
  if (framework === 'nest' && (variant === 'before' || variant === 'before-extract' || variant === 'hanging-before')) return baselineSharesNest();
  return ONLY_FOR[variant] === undefined || ONLY_FOR[variant].includes(framework);
}

/**
 * True when the baseline checkout (`--baseline`, default the one useBaseline set) resolves
 * @nestjs/common and @nestjs/core to the same copies as this workspace: link its
 * packages/nest/node_modules/@nestjs/* to ours to measure Nest's before.
 */
export function baselineSharesNest(dir = process.env[BASELINE_ENV]) {
  if (!dir) return false;
  const here = fileURLToPath(new URL('../packages/nest/node_modules/@nestjs/', import.meta.url));
  const there = join(resolve(dir), 'packages', 'nest', 'node_modules', '@nestjs');
  try {
    return ['common', 'core'].every((name) => realpathSync(join(here, name)) === realpathSync(join(there, name)));
  } catch {
    return false;
  }
}
export const BREAKDOWN_VARIANTS = ['empty', 'decide', 'extract', 'serialise', 'naive'];

/** A client that takes every item and does nothing with it. */
const DISCARD = Object.freeze({
  hit() {},
  event() {},
  session() {},
  flush: async () => true,
  close: async () => true,
  metrics: Object.freeze({ queued: 0, inFlight: 0, sent: 0, failed: 0, dropped: 0, retried: 0 }),
  closed: false,
});

/** One app with its delivery, not yet serving: `finish()` delivers what is left and resolves with the counters. */
async function buildApp({ framework, variant, apiUrl, accessKey, load = (name) => import(name) }) {
  const counter = { served: 0 };
  const delivery = await createDelivery(variant, apiUrl, accessKey);
  const app = await BUILDERS[framework](variant, delivery, counter, load);
  return {
    app,
    /** Requests the handler has served so far. */
    served: () => counter.served,
    finish: async () => ({ served: counter.served, ...(await delivery.finish()) }),
  };
}

/**
 * Builds and starts one app. Resolves with its URL and a `stop()` that closes the server, then
 * delivers what is left and resolves with the counters.
 */
export async function startApp(settings) {
  const { app, served, finish } = await buildApp(settings);
  const url = await app.listen();
  return {
    url,
    served,
    async stop() {
      await app.close();
      return finish();
    },
  };
}

/** The frameworks whose app can also be served as a plain request listener (`startHandler`). */
export const HANDLER_FRAMEWORKS = ['express', 'koa', 'nest'];

/**
 * Builds one app as a `node:http` request listener, not listening itself, so one server can pass
 * each request to one of several apps (bench/toggled-app.mjs). Resolves with the listener, the
 * count of requests its handler served, and `stop()` that finishes delivering.
 */
export async function startHandler(settings) {
  if (!HANDLER_FRAMEWORKS.includes(settings.framework)) {
    throw new Error(`${settings.framework}: served only by its own server (use one of ${HANDLER_FRAMEWORKS.join(', ')})`);
  }
  return buildHandler(settings);
}

/**
 * As startHandler, for any framework (Fastify's routing as its listener too), and with
 * `settings.load` (a module's name to its namespace) to load the framework from: see freshLoader.
 */
export async function buildHandler(settings) {
  const { app, served, finish } = await buildApp(settings);
  return { handler: await app.handler(), served, stop: finish };
}

/** The frameworks bench/split-app.mjs can load twice: see splitLoader. */
export const SPLIT_FRAMEWORKS = ['express', 'koa', 'fastify', 'nest'];

/**
 * The loader for one copy of `framework` in bench/split-app.mjs: freshLoader for the CommonJS
 * frameworks. Nest's packages are ES modules, which Node never loads twice from one path, so
 * Nest's bare copy is loaded from a copy of its files on disk (copiedLoader) and the variant's,
 * which our adapter's @nestjs/* must be, from the workspace's.
 */
export function splitLoader(framework, instance) {
  if (framework !== 'nest') return freshLoader();
  return instance === 'bare' ? copiedLoader(['@nestjs/core', '@nestjs/common']) : (name) => import(name);
}

const requireHere = createRequire(import.meta.url);
/** Modules loaded once for every copy: global state (reflect-metadata) or only our delivery's (undici). */
const SHARED_MODULES = /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(reflect-metadata|undici)\//;

/**
 * A loader (for buildHandler's `load`) that gives a framework a copy of its own: every package
 * module loaded so far is dropped from the CommonJS cache first (but reflect-metadata and undici),
 * so the framework and its dependencies are compiled anew as scripts of their own. Two apps built
 * this way run separate copies of the same code, which a profile tells apart by script id
 * (bench/split-app.mjs).
 */
export function freshLoader() {
  for (const key of Object.keys(requireHere.cache)) {
    if (key.includes('/node_modules/') && !SHARED_MODULES.test(key)) delete requireHere.cache[key];
  }
  return async (name) => {
    const loaded = requireHere(name);
    return { ...loaded, default: loaded.default ?? loaded };
  };
}

/**
 * A loader (for buildHandler's `load`) that imports `packages`, and everything they depend on, from
 * a copy of their files in a directory of their own (removed when the process exits): other paths,
 * so other modules, ES modules too, compiled anew as scripts of their own. pnpm's store keeps each
 * package in an entry of its own (`.pnpm/<entry>/node_modules/<name>`) with its dependencies as
 * relative links beside it, so the copy is the entries these packages reach, links kept as they
 * are; the SHARED_MODULES entries are linked to the originals instead (loaded once, as freshLoader
 * keeps them).
 */
export function copiedLoader(packages) {
  const roots = packages.map((name) => realpathSync(fileURLToPath(new URL(`./node_modules/${name}`, import.meta.url))));
  const marker = `${sep}.pnpm${sep}`;
  const store = roots[0].slice(0, roots[0].indexOf(marker) + marker.length - 1);
  const entryOf = (path) => {
    if (!path.startsWith(store + sep)) throw new Error(`copiedLoader: ${path} is not in pnpm's store (${store})`);
    return path.slice(store.length + 1).split(sep)[0];
  };
  // the entries the packages reach, through the links beside each
  const entries = new Set(roots.map(entryOf));
  for (const entry of entries) {
    const modules = join(store, entry, 'node_modules');
    const names = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => join(name, inner)) : [name]));
    for (const name of names) {
      const path = join(modules, name);
      if (lstatSync(path).isSymbolicLink()) entries.add(entryOf(resolve(dirname(path), readlinkSync(path))));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pirsch-bench-copy-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const copy = join(dir, '.pnpm');
  mkdirSync(copy);
  for (const entry of entries) {
    if (SHARED_MODULES.test(join(store, entry, 'node_modules') + sep)) symlinkSync(join(store, entry), join(copy, entry));
    else cpSync(join(store, entry), join(copy, entry), { recursive: true, verbatimSymlinks: true });
  }
  // A module beside the first package, so its imports resolve as that package's do (in the copy).
  const loader = join(copy, entryOf(roots[0]), 'node_modules', 'pirsch-bench-load.mjs');
  writeFileSync(loader, 'export default (name) => import(name);\n');
  const imported = import(pathToFileURL(loader).href);
  return async (name) => {
    const { default: load } = await imported;
    return load(name);
  };
}

/**
 * Any framework's app as a request listener that needs no server of its own (Fastify's too), for
 * requests made without a socket (bench/request-time.mjs). Resolves with the listener.
 */
export async function buildListener(settings) {
  const { app } = await buildApp(settings);
  return app.handler();
}

/** Our client or the official SDK, and how to finish delivering when the app stops. */
async function createDelivery(variant, apiUrl, accessKey) {
  if (variant === 'empty') return { empty: true, finish: async () => ({}) };
  if (variant === 'naive' || variant === 'serialise') {
    const sender = leastDelivery(apiUrl, accessKey, await clientBatchSize(), { post: variant === 'naive' });
    return { client: { ...DISCARD, hit: sender.hit }, finish: sender.finish };
  }
  if (variant === 'least' || variant === 'least-wrapped') {
    const sender = leastDelivery(apiUrl, accessKey, await clientBatchSize(), { post: true });
    return { track: leastTracker(sender), inFront: variant === 'least-wrapped', finish: sender.finish };
  }
  if (variant === 'decide') return { client: DISCARD, options: { filter: () => false }, finish: async () => ({}) };
  if (variant === 'extract') return { client: DISCARD, finish: async () => ({}) };
  if (variant === 'wrapped-extract') return { client: DISCARD, wrapped: true, finish: async () => ({}) };
  if (variant === 'before-extract') {
    const baseline = process.env[BASELINE_ENV];
    if (!baseline) throw new Error(`the before-extract variant needs --baseline (${BASELINE_ENV})`);
    return { client: DISCARD, baseline, finish: async () => ({}) };
  }
  if (variant === 'ours' || variant === 'hanging' || variant === 'before' || variant === 'hanging-before' || variant === 'wrapped') {
    const fromBaseline = variant === 'before' || variant === 'hanging-before';
    const baseline = fromBaseline ? process.env[BASELINE_ENV] : undefined;
    if (fromBaseline && !baseline) throw new Error(`the ${variant} variant needs --baseline (${BASELINE_ENV})`);
    const make = baseline ? (await packageModule({ baseline }, 'core')).createClient : createClient;
    const client = make({ baseUrl: apiUrl, accessKey });
    return {
      client,
      baseline,
      wrapped: variant === 'wrapped',
      async finish() {
        // Healthy: wait until every hit is delivered. Hanging: nothing can be, so do not wait long.
        const delivered = await client.close(variant === 'hanging' || variant === 'hanging-before' ? 1000 : 30_000);
        return { closedClean: delivered, metrics: { ...client.metrics } };
      },
    };
  }
  if (variant === 'sdk') {
    // Loaded only here: the demo uses the other variants of these apps without the SDK.
    const { Pirsch } = await import('pirsch-sdk');
    const sdk = new Pirsch({ baseUrl: apiUrl, accessToken: accessKey, hostname: 'localhost', protocol: 'http' });
    const pending = new Set();
    let sent = 0;
    let failed = 0;
    return {
      /** What the SDK's documentation shows: hit(hitFromRequest(req)) in the handler, not awaited. */
      track(req) {
        const promise = sdk.hit(sdk.hitFromRequest(req)).then(
          () => sent++,
          () => failed++,
        );
        pending.add(promise);
        void promise.finally(() => pending.delete(promise));
      },
      async finish() {
        const deadline = new Promise((resolve) => setTimeout(resolve, 30_000).unref());
        await Promise.race([Promise.allSettled([...pending]), deadline]);
        return { metrics: { sent, failed, inFlight: pending.size } };
      },
    };
  }
  return { finish: async () => ({}) };
}

function listenHttp(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

function closeHttp(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/**
 * The least an adapter must do to learn the status that went out, so it tracks only responses that
 * succeeded: hear the response's end, once ('finish', as our Node adapters do), then let go.
 */
function hearEnd(res) {
  const ended = () => res.removeListener('finish', ended);
  res.on('finish', ended);
}

const BUILDERS = {
  async express(variant, delivery, counter, load) {
    const { default: express } = await load('express');
    const app = express();
    app.disable('x-powered-by');
    if (delivery.wrapped) {
      // in front of the app: see below
    } else if (delivery.client) {
      const { pirsch } = await packageModule(delivery, 'express');
      app.use(pirsch({ client: delivery.client, ...delivery.options }));
    } else if (delivery.track && !delivery.inFront) {
      app.use((req, res, next) => {
        delivery.track(req, res);
        next();
      });
    } else if (delivery.empty) {
      app.use((req, res, next) => {
        hearEnd(res);
        next();
      });
    }
    app.get('/', (req, res) => {
      counter.served++;
      res.type('html').send(PAGE);
    });
    let listener = app;
    if (delivery.wrapped) listener = (await packageModule(delivery, 'express')).withPirsch(app, { client: delivery.client, ...delivery.options });
    else if (delivery.inFront) {
      listener = (req, res) => {
        delivery.track(req, res);
        app(req, res);
      };
    }
    const server = createServer(listener);
    return { listen: () => listenHttp(server), close: () => closeHttp(server), handler: async () => listener };
  },

  async koa(variant, delivery, counter, load) {
    const { default: Koa } = await load('koa');
    const app = new Koa();
    if (delivery.client) {
      const { pirsch } = await packageModule(delivery, 'koa');
      app.use(pirsch({ client: delivery.client, ...delivery.options }));
    } else if (delivery.track) {
      app.use((ctx, next) => {
        delivery.track(ctx.req, ctx.res);
        return next();
      });
    } else if (delivery.empty) {
      app.use((ctx, next) => {
        hearEnd(ctx.res);
        return next();
      });
    }
    app.use((ctx) => {
      if (ctx.method !== 'GET' || ctx.path !== '/') return;
      counter.served++;
      ctx.type = 'html';
      ctx.body = PAGE;
    });
    const handler = app.callback();
    const server = createServer(handler);
    return { listen: () => listenHttp(server), close: () => closeHttp(server), handler: async () => handler };
  },

  async fastify(variant, delivery, counter, load) {
    const { default: Fastify } = await load('fastify');
    const app = Fastify({ logger: false });
    if (delivery.client) {
      const { pirsch } = await packageModule(delivery, 'fastify');
      await app.register(pirsch, { client: delivery.client, ...delivery.options });
    } else if (delivery.track) {
      app.addHook('onRequest', (request, reply, done) => {
        delivery.track(request.raw, reply.raw);
        done();
      });
    } else if (delivery.empty) {
      // Our plugin's two hooks, doing nothing (onResponse is how Fastify tells a plugin the response went out).
      app.addHook('onRequest', (request, reply, done) => done());
      app.addHook('onResponse', (request, reply, done) => done());
    }
    app.get('/', (request, reply) => {
      counter.served++;
      reply.type('text/html').send(PAGE);
    });
    return {
      listen: () => app.listen({ port: 0, host: '127.0.0.1' }),
      close: () => app.close(),
      // Fastify's own request listener, as its server calls it, once the plugins are loaded.
      handler: async () => {
        await app.ready();
        return app.routing;
      },
    };
  },

  // Not in FRAMEWORKS (the benchmark runs): built for the demo's latency measurement of --framework hono.
  async hono(variant, delivery, counter, load) {
    const { Hono } = await load('hono');
    const { createAdaptorServer } = await import('@hono/node-server');
    const app = new Hono();
    if (delivery.client) {
      const { pirsch } = await import('@pirsch-node/hono');
      app.use(pirsch({ client: delivery.client, ...delivery.options }));
    } else if (delivery.track) {
      app.use((c, next) => {
        delivery.track(c.env.incoming, c.env.outgoing);
        return next();
      });
    } else if (delivery.empty) {
      app.use((c, next) => next());
    }
    app.get('/', (c) => {
      counter.served++;
      return c.html(PAGE);
    });
    const server = createAdaptorServer({ fetch: app.fetch });
    return { listen: () => listenHttp(server), close: () => closeHttp(server) };
  },

  async nest(variant, delivery, counter, load) {
    // Plain JavaScript: the decorators are applied by hand, as TypeScript would emit them.
    const { Controller, Get, Header, Injectable, Module } = await load('@nestjs/common');
    const { NestFactory } = await load('@nestjs/core');
    const imports = [];
    if (delivery.client) {
      const { PirschModule } = await packageModule(delivery, 'nest');
      imports.push(PirschModule.forRoot({ client: delivery.client, ...delivery.options }));
    }
    class PageController {
      index() {
        counter.served++;
        return PAGE;
      }
    }
    const index = Object.getOwnPropertyDescriptor(PageController.prototype, 'index');
    Get('/')(PageController.prototype, 'index', index);
    Header('Content-Type', 'text/html; charset=utf-8')(PageController.prototype, 'index', index);
    Controller()(PageController);
    class AppModule {}
    if (delivery.empty) {
      // A middleware applied to every route ('{*path}'), as PirschModule applies ours, doing nothing
      // but hearing the response's end.
      class EmptyMiddleware {
        use(req, res, next) {
          hearEnd(res);
          next();
        }
      }
      Injectable()(EmptyMiddleware);
      AppModule.prototype.configure = (consumer) => consumer.apply(EmptyMiddleware).forRoutes('{*path}');
    }
    Module({ imports, controllers: [PageController] })(AppModule);

    const app = await NestFactory.create(AppModule, { logger: false });
    if (delivery.track) {
      app.use((req, res, next) => {
        delivery.track(req, res);
        next();
      });
    }
    return {
      listen: async () => {
        await app.listen(0, '127.0.0.1');
        return `http://127.0.0.1:${app.getHttpServer().address().port}`;
      },
      close: async () => {
        app.getHttpServer().closeAllConnections?.();
        await app.close();
      },
      // Nest on Express: the Express instance it serves with, once the app is initialised.
      handler: async () => {
        await app.init();
        return app.getHttpAdapter().getInstance();
      },
    };
  },
};
