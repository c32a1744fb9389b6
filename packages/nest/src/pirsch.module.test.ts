import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { IncomingMessage, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { CanActivate, DynamicModule, INestApplication, LoggerService } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PirschConfigError, PirschDropError, createClient, withPirsch } from '@pirsch-node/core';
import type { PirschClient, PirschError } from '@pirsch-node/core';
import type { Tracker } from '@pirsch-node/core/adapter';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import type { Request as ExpressRequest } from 'express';
import type { FastifyRequest } from 'fastify';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { startForwardingProxy } from '../../../test/support/proxy.js';
import { countOurReads } from '../../../test/support/reads.js';
import { PIRSCH_TRACKER, PirschModule, PirschService } from './index.js';
import type { PirschModuleOptions, PirschRequest } from './index.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** Holds `GET /slow` until a test releases it. */
let slowResponse = deferred();

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller()
class PagesController {
  constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}

  @Get()
  home(): string {
    return 'home';
  }

  @Get('products/:id')
  product(): string {
    return 'product';
  }

  @Get('admin/users')
  admin(): string {
    return 'admin';
  }

  @Get('app.js')
  script(): string {
    return 'console.log(1)';
  }

  @Get('guarded')
  @UseGuards(DenyGuard)
  guarded(): string {
    return 'never';
  }

  @Get('boom')
  boom(): string {
    throw new Error('controller failed');
  }

  @Post('form')
  @HttpCode(200)
  form(): string {
    return 'posted';
  }

  @Post('signup')
  @HttpCode(201)
  signup(@Req() req: IncomingMessage, @Body() body: { plan?: string } | undefined): { ok: true } {
    this.pirsch.event('Signup', req, { meta: { plan: body?.plan ?? 'free' }, duration: 2 });
    this.pirsch.session(req);
    return { ok: true };
  }

  @Get('raw-event')
  rawEvent(@Req() req: IncomingMessage | { raw: IncomingMessage }): string {
    // The platform's request (Express or Fastify), then the Node request underneath it.
    this.pirsch.event('Platform', req);
    this.pirsch.event('Raw', 'raw' in req ? req.raw : req);
    return 'ok';
  }

  @Get('slow')
  async slow(): Promise<string> {
    await slowResponse.promise;
    return 'late';
  }

  @Get('garbage-event')
  garbage(): string {
    // Not a request: ignored, never thrown.
    this.pirsch.event('Nothing', undefined as never);
    this.pirsch.session(null as never);
    return 'fine';
  }
}

// A feature module that does not import PirschModule: PirschService comes from the global module.
@Module({ controllers: [PagesController] })
class PagesModule {}

/** A stand-in for @nestjs/config's ConfigService, to prove forRootAsync's inject and imports. */
@Injectable()
class SettingsService {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T {
    return this.values.get(key) as T;
  }
}

@Module({ providers: [SettingsService], exports: [SettingsService] })
class SettingsModule {}

class CapturingLogger implements LoggerService {
  readonly warnings: string[] = [];
  readonly errors: string[] = [];
  log(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
  error(message: unknown): void {
    this.errors.push(String(message));
  }
}

interface AppOptions {
  /** `app.set('trust proxy', ...)` on Express, `new FastifyAdapter({ trustProxy })` on Fastify. */
  trustProxy?: boolean | number | string;
  prefix?: string | false;
  logger?: CapturingLogger;
}

interface Platform {
  name: string;
  /** The set-up the README recommends behind one proxy on the same machine. */
  recommendedTrustProxy: number | string;
  create(pirsch: DynamicModule, options?: AppOptions): Promise<INestApplication>;
}

async function compile(pirsch: DynamicModule) {
  return Test.createTestingModule({ imports: [pirsch, PagesModule] }).compile();
}

const platforms: Platform[] = [
  {
    name: 'ExpressAdapter',
    recommendedTrustProxy: 1,
    async create(pirsch, options = {}) {
      const moduleRef = await compile(pirsch);
      const app = moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: options.logger ?? false });
      if (options.trustProxy !== undefined && options.trustProxy !== false) app.set('trust proxy', options.trustProxy);
      if (options.prefix !== false) app.setGlobalPrefix(options.prefix ?? 'api');
      await app.init();
      return app;
    },
  },
  {
    name: 'FastifyAdapter',
    recommendedTrustProxy: '127.0.0.1',
    async create(pirsch, options = {}) {
      const moduleRef = await compile(pirsch);
      // Fastify 5.12.1 and later refuse a number in their types (and ignore it at runtime).
      const trustProxy = (options.trustProxy ?? false) as boolean | string;
      const adapter = new FastifyAdapter({ trustProxy });
      const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: options.logger ?? false });
      if (options.prefix !== false) app.setGlobalPrefix(options.prefix ?? 'api');
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      return app;
    },
  },
];

let emulator: PirschEmulator;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  emulator = await createPirschEmulator();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  emulator.reset();
});

afterAll(async () => {
  await emulator.close();
});

/** A client the test owns, closed after the test. A long interval: only flush() and close() send. */
function testClient(): PirschClient {
  const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
  cleanups.push(() => client.close());
  return client;
}

function trackerOf(app: INestApplication): Tracker {
  return app.get<Tracker>(PIRSCH_TRACKER);
}

/** Waits (on the tracker's counters, not a clock) until the middleware decided about `count` responses. */
async function decided(app: INestApplication, count: number): Promise<void> {
  const tracker = trackerOf(app);
  const total = (): number => tracker.tracked + Object.values(tracker.skipped).reduce((sum, n) => sum + n, 0);
  await vi.waitFor(() => expect(total()).toBeGreaterThanOrEqual(count), { timeout: 5000, interval: 5 });
}

it('runs on the Nest major under test (12 here, 11 from test/nest11)', async () => {
  const expected = process.env.PIRSCH_NEST_MAJOR ?? '12';
  // (@nestjs/testing 12 does not export its package.json)
  for (const name of ['common', 'core', 'platform-express', 'platform-fastify']) {
    const { default: manifest } = (await import(`@nestjs/${name}/package.json`, { with: { type: 'json' } })) as { default: { version: string } };
    expect(`@nestjs/${name}@${manifest.version.split('.')[0]}`).toBe(`@nestjs/${name}@${expected}`);
  }
});

it('PirschService takes the request types @Req() gives on both platforms (checked by tsc)', () => {
  expectTypeOf<ExpressRequest>().toExtend<PirschRequest>();
  expectTypeOf<FastifyRequest>().toExtend<PirschRequest>();
  expectTypeOf<IncomingMessage>().toExtend<PirschRequest>();
  expectTypeOf<{ headers: Record<string, string> }>().not.toExtend<PirschRequest>();
});

it('on platform-express tracks from in front of Express: once Express has the request, our code reads neither its headers nor its socket, nor asks it for a FastifyRequest\'s raw (each read of it misses V8\'s caches)', async () => {
  const client = testClient();
  const moduleRef = await compile(PirschModule.forRoot({ client }));
  const app = moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: false });
  cleanups.push(() => app.close());
  const reads = { headers: 0, socket: 0, raw: 0 };
  let prototypes = 0;
  // Registered before init(), so before any middleware the module could apply.
  app.use((req: IncomingMessage, _res: unknown, next: () => void) => {
    if (Object.getPrototypeOf(req) !== IncomingMessage.prototype) prototypes += 1; // Express's now
    countOurReads(req, ['headers', 'socket', 'raw'], ['core', 'nest'], reads);
    next();
  });
  app.setGlobalPrefix('api');
  await app.init();
  await request(app.getHttpServer()).get('/api/products/7').set('User-Agent', UA).set('Referer', 'https://www.google.com/').expect(200);
  await decided(app, 1);
  await client.flush();
  expect(emulator.hits).toHaveLength(1);
  expect(emulator.hits[0]).toMatchObject({ referrer: 'https://www.google.com/', user_agent: UA });
  expect(new URL(emulator.hits[0]?.url ?? '').pathname).toBe('/api/products/7');
  expect(prototypes).toBe(1);
  expect(reads).toEqual({ headers: 0, socket: 0, raw: 0 });
});

describe('PirschModule in front of Express (platform-express)', () => {
  async function expressApp(pirsch: DynamicModule): Promise<NestExpressApplication> {
    const app = (await platforms[0]!.create(pirsch)) as NestExpressApplication;
    cleanups.push(() => app.close());
    return app;
  }

  it('tracks a request that reaches the Express instance without Nest\'s server (a serverless bridge), once', async () => {
    const client = testClient();
    const app = await expressApp(PirschModule.forRoot({ client }));
    const bridge = createServer(app.getHttpAdapter().getInstance() as RequestListener);
    cleanups.push(() => new Promise((resolve) => bridge.close(resolve)));
    await request(bridge).get('/api/products/9').set('User-Agent', UA).expect(200, 'product');
    await request(bridge).get('/api/admin/users').set('User-Agent', UA).set('DNT', '1').expect(200);
    await decided(app, 2);
    await client.flush();
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/api/products/9']);
    expect(trackerOf(app).skipped.dnt).toBe(1);
  });

  it('steps aside for a withPirsch around the server: counted once, by the outer one', async () => {
    const inner = testClient();
    const outer = testClient();
    const app = await expressApp(PirschModule.forRoot({ client: inner, hostname: 'inner.example' }));
    const wrapped = withPirsch(app.getHttpAdapter().getInstance() as RequestListener, { client: outer, hostname: 'outer.example' });
    await request(createServer(wrapped)).get('/api').set('User-Agent', UA).expect(200, 'home');
    await request(app.getHttpServer()).get('/api/products/1').set('User-Agent', UA).expect(200);
    await decided(app, 1);
    await inner.flush();
    await outer.flush();
    expect(emulator.hits.map((hit) => hit.url).sort()).toEqual(['http://inner.example/api/products/1', 'http://outer.example/api']);
    expect(trackerOf(app).tracked).toBe(1);
    expect(wrapped.tracked).toBe(1);
  });

  it('sees what Express answers before Nest routes: a page from useStaticAssets is a page view, a stylesheet an asset', async () => {
    const client = testClient();
    const dir = await mkdtemp(join(tmpdir(), 'pirsch-nest-static-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'about.html'), '<h1>About</h1>');
    await writeFile(join(dir, 'site.css'), 'h1 { color: red }');
    const moduleRef = await compile(PirschModule.forRoot({ client }));
    const app = moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: false });
    cleanups.push(() => app.close());
    app.useStaticAssets(dir);
    await app.init();
    await request(app.getHttpServer()).get('/about.html').set('User-Agent', UA).expect(200, '<h1>About</h1>');
    await request(app.getHttpServer()).get('/site.css').set('User-Agent', UA).expect(200);
    await decided(app, 2);
    await client.flush();
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/about.html']);
    expect(trackerOf(app).skipped.asset).toBe(1);
  });

  it('app.close() gives the Express app its own handle back', async () => {
    const client = testClient();
    const moduleRef = await compile(PirschModule.forRoot({ client }));
    const app = moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: false });
    const express = app.getHttpAdapter().getInstance() as unknown as { handle: unknown };
    const handle = express.handle;
    await app.init();
    expect(express.handle).not.toBe(handle);
    await app.close();
    expect(express.handle).toBe(handle);
  });
});

it('on platform-fastify the middleware steps aside for a withPirsch in front of the server (a serverFactory): counted once, by it', async () => {
  const inner = testClient();
  const outer = testClient();
  let wrapped: ReturnType<typeof withPirsch> | undefined;
  const adapter = new FastifyAdapter({
    serverFactory: (handler: RequestListener) => createServer((wrapped = withPirsch(handler as RequestListener, { client: outer, hostname: 'outer.example' }))),
  });
  const moduleRef = await compile(PirschModule.forRoot({ client: inner, hostname: 'inner.example' }));
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  cleanups.push(() => app.close());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  await request(app.getHttpServer()).get('/').set('User-Agent', UA).expect(200, 'home');
  await request(app.getHttpServer()).post('/signup').set('User-Agent', UA).send({ plan: 'pro' }).expect(201);
  await outer.flush();
  await inner.flush();
  expect(emulator.hits.map((hit) => hit.url)).toEqual(['http://outer.example/']);
  expect(emulator.events.map((event) => event.event_name)).toEqual(['Signup']);
  expect(wrapped?.tracked).toBe(1);
  expect(trackerOf(app).tracked).toBe(0);
});

describe.each(platforms)('PirschModule on $name', (platform) => {
  async function start(options: PirschModuleOptions, appOptions?: AppOptions) {
    const app = await platform.create(PirschModule.forRoot(options), appOptions);
    cleanups.push(() => app.close());
    return { app, http: request(app.getHttpServer()) };
  }

  describe('forRoot and forRootAsync', () => {
    it('forRoot with a given client tracks a page view', async () => {
      const client = testClient();
      const { app, http } = await start({ client });
      await http.get('/api').set('User-Agent', UA).expect(200, 'home');
      await decided(app, 1);
      expect(await client.flush()).toBe(true);
      expect(emulator.hits).toHaveLength(1);
      expect(trackerOf(app).ownsClient).toBe(false);
      expect(app.get(PirschService).client).toBe(client);
    });

    it('forRoot with client options creates and owns the client', async () => {
      const { app, http } = await start({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });
      await http.get('/api/products/1').set('User-Agent', UA).expect(200);
      await decided(app, 1);
      expect(await app.get(PirschService).flush()).toBe(true);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/api/products/1']);
      expect(trackerOf(app).ownsClient).toBe(true);
    });

    it('forRootAsync resolves options from an injected provider of an imported module', async () => {
      const settings = new SettingsService();
      settings.values.set('PIRSCH_BASE_URL', emulator.url);
      settings.values.set('PIRSCH_ACCESS_KEY', emulator.accessKey);
      const factory = vi.fn((config: SettingsService): PirschModuleOptions => ({
        baseUrl: config.get<string>('PIRSCH_BASE_URL'),
        accessKey: config.get<string>('PIRSCH_ACCESS_KEY'),
        exclude: ['/api/admin'],
      }));
      @Module({ providers: [{ provide: SettingsService, useValue: settings }], exports: [SettingsService] })
      class ConfiguredSettingsModule {}

      const app = await platform.create(
        PirschModule.forRootAsync({ imports: [ConfiguredSettingsModule], inject: [SettingsService], useFactory: factory }),
      );
      cleanups.push(() => app.close());
      const http = request(app.getHttpServer());
      await http.get('/api/admin/users').set('User-Agent', UA).expect(200);
      await http.get('/api').set('User-Agent', UA).expect(200);
      await decided(app, 2);
      expect(await app.get(PirschService).flush()).toBe(true);
      expect(factory).toHaveBeenCalledTimes(1);
      expect(factory.mock.calls[0]?.[0]).toBe(settings);
      expect(trackerOf(app).skipped.excluded).toBe(1);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/api']);
    });

    it('forRootAsync with an async factory', async () => {
      const client = testClient();
      const app = await platform.create(
        PirschModule.forRootAsync({ imports: [SettingsModule], inject: [SettingsService], useFactory: async () => ({ client }) }),
      );
      cleanups.push(() => app.close());
      await request(app.getHttpServer()).get('/api').set('User-Agent', UA).expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits).toHaveLength(1);
    });

    it('bad options fail at startup with a PirschConfigError naming the option', async () => {
      await expect(compile(PirschModule.forRoot({ accessKey: emulator.accessKey, methods: 'GET' as never }))).rejects.toMatchObject({
        name: 'PirschConfigError',
        option: 'methods',
      });
      await expect(
        compile(PirschModule.forRootAsync({ useFactory: () => ({ client: testClient(), accessKey: 'pa_x' }) as never })),
      ).rejects.toBeInstanceOf(PirschConfigError);
      await expect(compile(PirschModule.forRoot({ baseUrl: emulator.url }))).rejects.toBeInstanceOf(PirschConfigError);
    });

    it('is global by default; isGlobal: false keeps PirschService to importers', async () => {
      const client = testClient();
      await expect(compile(PirschModule.forRoot({ client, isGlobal: false }))).rejects.toThrow(/PirschService/);
      // isGlobal is the module's, not passed on to the tracker (which would reject it next to `client`).
      const moduleRef = await Test.createTestingModule({ imports: [PirschModule.forRoot({ client, isGlobal: false })] }).compile();
      expect(moduleRef.get(PirschService).client).toBe(client);
    });

    it('starts without route-path warnings, with and without a global prefix', async () => {
      const client = testClient();
      for (const prefix of ['api', false] as const) {
        const logger = new CapturingLogger();
        const { app, http } = await start({ client }, { prefix, logger });
        await http.get(prefix === false ? '/' : '/api').set('User-Agent', UA).expect(200, 'home');
        await decided(app, 1);
        expect(logger.warnings).toEqual([]);
        expect(logger.errors).toEqual([]);
      }
      await client.flush();
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/api', '/']);
    });
  });

  describe('a tracked page view', () => {
    it('has every field right: absolute URL with the global prefix, IP, UA, language, referrer, raw forwarding headers, client hints', async () => {
      const client = testClient();
      const { app, http } = await start({
        client,
        title: (req) => `Product ${req.url?.split('/').pop()?.split('?')[0] ?? ''}`,
        tags: () => ({ section: 'shop' }),
      });
      await http
        .get('/api/products/42?color=red')
        .set('Host', 'shop.example')
        .set('User-Agent', UA)
        .set('Accept-Language', 'de-CH,de;q=0.9,en;q=0.8')
        .set('Referer', 'https://news.example/article')
        .set('X-Forwarded-For', '203.0.113.9, 198.51.100.1')
        .set('Forwarded', 'for=203.0.113.9;proto=https')
        .set('X-Real-IP', '203.0.113.9')
        .set('CF-Connecting-IP', '203.0.113.10')
        .set('Sec-CH-UA', '"Chromium";v="126"')
        .set('Sec-CH-UA-Mobile', '?0')
        .set('Sec-CH-UA-Platform', '"Linux"')
        .set('Sec-CH-Width', '1280')
        .expect(200, 'product');
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits).toHaveLength(1);
      expect(emulator.hits[0]).toMatchObject({
        url: 'http://shop.example/api/products/42?color=red',
        ip: '127.0.0.1',
        user_agent: UA,
        accept_language: 'de-CH,de;q=0.9,en;q=0.8',
        referrer: 'https://news.example/article',
        x_forwarded_for: '203.0.113.9, 198.51.100.1',
        forwarded: 'for=203.0.113.9;proto=https',
        x_real_ip: '203.0.113.9',
        cf_connecting_ip: '203.0.113.10',
        sec_ch_ua: '"Chromium";v="126"',
        sec_ch_ua_mobile: '?0',
        sec_ch_ua_platform: '"Linux"',
        sec_ch_width: '1280',
        title: 'Product 42',
        tags: { section: 'shop' },
      });
    });

    it('keeps the path as sent without a global prefix', async () => {
      const client = testClient();
      const { app, http } = await start({ client }, { prefix: false });
      await http.get('/products/7').set('User-Agent', UA).expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/products/7']);
    });

    it('trust proxy off: the IP is the socket address, forwarding headers are only passed on raw', async () => {
      const client = testClient();
      const { app, http } = await start({ client }, { trustProxy: false });
      await http.get('/api').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.9').expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits[0]).toMatchObject({ ip: '127.0.0.1', x_forwarded_for: '203.0.113.9' });
    });

    it('trust proxy on: the IP and protocol are the ones the platform resolved from X-Forwarded-For and -Proto', async () => {
      const client = testClient();
      const { app, http } = await start({ client }, { trustProxy: true });
      await http
        .get('/api')
        .set('Host', 'shop.example')
        .set('User-Agent', UA)
        .set('X-Forwarded-For', '203.0.113.9')
        .set('X-Forwarded-Proto', 'https')
        .expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits[0]).toMatchObject({ url: 'https://shop.example/api', ip: '203.0.113.9', x_forwarded_for: '203.0.113.9' });
    });

    describe('behind a proxy hop, with a forged X-Forwarded-For', () => {
      const VISITOR = '198.51.100.7';
      const FORGED = '203.0.113.66';

      /** GET /api through a forwarding proxy on loopback (the visitor is VISITOR to it) with a forged X-Forwarded-For: the hit. */
      async function visitThroughProxy(app: INestApplication, client: PirschClient) {
        await app.listen(0, '127.0.0.1');
        const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
        const proxy = await startForwardingProxy(`http://127.0.0.1:${port}`, VISITOR);
        cleanups.push(() => proxy.close());
        await request(proxy.url).get('/api').set('User-Agent', UA).set('X-Forwarded-For', FORGED).expect(200);
        await decided(app, 1);
        await client.flush();
        expect(emulator.hits).toHaveLength(1);
        expect(emulator.hits[0]?.x_forwarded_for).toBe(`${FORGED}, ${VISITOR}`); // what the app saw, from 127.0.0.1
        return emulator.hits[0];
      }

      it(`the README's set-up (${JSON.stringify(platform.recommendedTrustProxy)}) tracks the visitor, not the forged address nor the proxy, and warns of nothing`, async () => {
        const client = testClient();
        const logger = new CapturingLogger();
        const { app } = await start({ client }, { trustProxy: platform.recommendedTrustProxy, logger });
        expect(await visitThroughProxy(app, client)).toMatchObject({ ip: VISITOR });
        expect(logger.warnings).toEqual([]);
      });

      it('a hop count (1) tracks the visitor where the platform honours it; where it does not (Fastify 5.12.1 and later), the module warns once, naming the fix', async () => {
        const client = testClient();
        const logger = new CapturingLogger();
        const { app } = await start({ client }, { trustProxy: 1, logger });
        const hit = await visitThroughProxy(app, client);
        const fastifyVersion = platform.name === 'FastifyAdapter' ? (app as NestFastifyApplication).getHttpAdapter().getInstance().version : undefined;
        const [major = 0, minor = 0, patch = 0] = (fastifyVersion ?? '').split('.').map(Number);
        const ignored = fastifyVersion !== undefined && (major > 5 || (major === 5 && (minor > 12 || (minor === 12 && patch >= 1))));
        const ours = logger.warnings.filter((warning) => warning.includes('trustProxy'));
        if (ignored) {
          expect(hit).toMatchObject({ ip: '127.0.0.1' });
          expect(ours).toHaveLength(1);
          expect(ours[0]).toContain(`Fastify ${fastifyVersion} ignores trustProxy: 1`);
          expect(ours[0]).toContain("new FastifyAdapter({ trustProxy: '127.0.0.1' })");
        } else {
          expect(hit).toMatchObject({ ip: VISITOR });
          expect(ours).toEqual([]);
        }
        // Nest 12.5 pins Fastify 5.12.8, which ignores it (Nest 11.2.8 pins 5.11.3, which honours it).
        if (platform.name === 'FastifyAdapter' && (process.env.PIRSCH_NEST_MAJOR ?? '12') === '12') expect(ignored).toBe(true);
      });
    });

    it('trust proxy off: X-Forwarded-Proto does not change the protocol', async () => {
      const client = testClient();
      const { app, http } = await start({ client });
      await http.get('/api').set('Host', 'shop.example').set('User-Agent', UA).set('X-Forwarded-Proto', 'https').expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits[0]).toMatchObject({ url: 'http://shop.example/api' });
    });
  });

  describe('skip rules', () => {
    const cases: Array<{ rule: string; reason: string; send: (http: ReturnType<typeof request>) => request.Test; status: number }> = [
      { rule: 'a POST', reason: 'method', send: (http) => http.post('/api/form').set('User-Agent', UA), status: 200 },
      { rule: 'a 404 for an unmatched route', reason: 'status', send: (http) => http.get('/api/missing').set('User-Agent', UA), status: 404 },
      { rule: 'a 403 from a guard', reason: 'status', send: (http) => http.get('/api/guarded').set('User-Agent', UA), status: 403 },
      { rule: 'DNT: 1', reason: 'dnt', send: (http) => http.get('/api').set('User-Agent', UA).set('DNT', '1'), status: 200 },
      { rule: 'an asset', reason: 'asset', send: (http) => http.get('/api/app.js').set('User-Agent', UA), status: 200 },
      {
        rule: 'a prefetch',
        reason: 'prefetch',
        send: (http) => http.get('/api').set('User-Agent', UA).set('Sec-Purpose', 'prefetch'),
        status: 200,
      },
      { rule: 'no User-Agent', reason: 'no-user-agent', send: (http) => http.get('/api').unset('User-Agent'), status: 200 },
      { rule: 'an excluded path', reason: 'excluded', send: (http) => http.get('/api/admin/users').set('User-Agent', UA), status: 200 },
      {
        rule: 'the filter returning false',
        reason: 'filter',
        send: (http) => http.get('/api').set('User-Agent', UA).set('X-Internal', '1'),
        status: 200,
      },
      {
        rule: 'the filter throwing (the response is unaffected)',
        reason: 'filter',
        send: (http) => http.get('/api').set('User-Agent', UA).set('X-Internal', 'throw'),
        status: 200,
      },
    ];

    it.each(cases)('does not track $rule', async ({ reason, send, status }) => {
      const client = testClient();
      const { app, http } = await start({
        client,
        exclude: ['/api/admin'],
        filter: (req) => {
          if (req.headers['x-internal'] === 'throw') throw new Error('filter failed');
          return req.headers['x-internal'] === undefined;
        },
      });
      await send(http).expect(status);
      await decided(app, 1);
      await client.flush();
      const tracker = trackerOf(app);
      expect(tracker.skipped[reason as keyof typeof tracker.skipped]).toBe(1);
      expect(tracker.tracked).toBe(0);
      expect(emulator.hits).toHaveLength(0);
    });

    it('with respectDnt: false, DNT: 1 is tracked', async () => {
      const client = testClient();
      const { app, http } = await start({ client, respectDnt: false });
      await http.get('/api').set('User-Agent', UA).set('DNT', '1').expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits).toMatchObject([{ dnt: '1' }]);
    });
  });

  describe('PirschService', () => {
    it('builds the page of a request once for all its events and sessions, from the platform request or the Node one', async () => {
      const client = testClient();
      let pages = 0;
      const { app, http } = await start({
        client,
        beforeSend: (hit) => {
          pages++;
          return hit;
        },
      });
      await http.post('/api/signup').set('User-Agent', UA).send({ plan: 'pro' }).expect(201);
      await http.get('/api/raw-event').set('User-Agent', UA).expect(200);
      await decided(app, 2);
      await client.flush();
      expect(emulator.events.map((event) => event.event_name)).toEqual(['Signup', 'Platform', 'Raw']);
      expect(emulator.sessions).toHaveLength(1);
      // The signup's page once, the raw-event request's page view once and its events' page once.
      expect(pages).toBe(3);
    });

    it('sends an event with meta from a POST controller, for the page of the request', async () => {
      const client = testClient();
      const { app, http } = await start({ client });
      await http
        .post('/api/signup')
        .set('Host', 'shop.example')
        .set('User-Agent', UA)
        .send({ plan: 'pro' })
        .expect(201, { ok: true });
      await decided(app, 1);
      await client.flush();
      expect(emulator.events).toHaveLength(1);
      expect(emulator.events[0]).toMatchObject({
        event_name: 'Signup',
        event_duration: 2,
        event_meta: { plan: 'pro' },
        url: 'http://shop.example/api/signup',
        ip: '127.0.0.1',
        user_agent: UA,
      });
      expect(emulator.sessions).toMatchObject([{ url: 'http://shop.example/api/signup', user_agent: UA }]);
      expect(emulator.hits).toHaveLength(0); // a POST is not a page view
    });

    it('uses the IP the platform resolved behind a trusted proxy', async () => {
      const client = testClient();
      const { app, http } = await start({ client }, { trustProxy: true });
      await http.post('/api/signup').set('User-Agent', UA).set('X-Forwarded-For', '203.0.113.50').send({}).expect(201);
      await decided(app, 1);
      await client.flush();
      expect(emulator.events).toMatchObject([{ ip: '203.0.113.50', event_meta: { plan: 'free' } }]);
    });

    it('sends no event for DNT: 1', async () => {
      const client = testClient();
      const { app, http } = await start({ client });
      await http.post('/api/signup').set('User-Agent', UA).set('DNT', '1').send({}).expect(201);
      await decided(app, 1);
      await client.flush();
      expect(client.metrics.sent).toBe(0);
      expect(emulator.events).toHaveLength(0);
    });

    it('ignores something that is not a request', async () => {
      const client = testClient();
      const { http } = await start({ client });
      await http.get('/api/garbage-event').set('User-Agent', UA).expect(200, 'fine');
    });

    it('accepts the raw IncomingMessage as well as the platform request, with the resolved IP and protocol', async () => {
      const client = testClient();
      const { app, http } = await start({ client }, { trustProxy: true });
      await http
        .get('/api/raw-event')
        .set('User-Agent', UA)
        .set('Host', 'shop.example')
        .set('X-Forwarded-For', '203.0.113.77')
        .set('X-Forwarded-Proto', 'https')
        .expect(200);
      await decided(app, 1);
      await client.flush();
      expect(emulator.events.map((event) => [event.event_name, event.ip, event.url])).toEqual([
        ['Platform', '203.0.113.77', 'https://shop.example/api/raw-event'],
        ['Raw', '203.0.113.77', 'https://shop.example/api/raw-event'],
      ]);
    });
  });

  describe('never in the way', () => {
    it('answers at the same pace while the emulator hangs', async () => {
      const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, batchSize: 1, timeoutMs: 30_000 });
      cleanups.push(() => client.close(100));
      const { app, http } = await start({ client });
      emulator.hangNext(1000);
      // Runs first on cleanup: drops the hanging requests before the app flushes on close.
      cleanups.push(async () => emulator.reset());
      await http.get('/api').set('User-Agent', UA).expect(200, 'home');
      // The first delivery is now hanging in the emulator...
      await vi.waitFor(() => expect(client.metrics.inFlight).toBeGreaterThanOrEqual(1), { interval: 5 });
      // ...and further pages are answered all the same, each while a delivery hangs.
      for (let i = 0; i < 5; i++) {
        await http.get(`/api/products/${i}`).set('User-Agent', UA).expect(200, 'product');
        expect(client.metrics.inFlight).toBeGreaterThanOrEqual(1);
      }
      await decided(app, 6);
      expect(trackerOf(app).tracked).toBe(6);
      expect(emulator.hits).toHaveLength(0);
    });

    it('a throwing controller answers as without the module, and the app keeps serving', async () => {
      const client = testClient();
      const { app, http } = await start({ client });
      const response = await http.get('/api/boom').set('User-Agent', UA).expect(500);
      expect(response.body).toEqual({ statusCode: 500, message: 'Internal server error' });
      await http.get('/api').set('User-Agent', UA).expect(200, 'home');
      await decided(app, 2);
      await client.flush();
      expect(trackerOf(app).skipped.status).toBe(1);
      expect(emulator.hits.map((hit) => new URL(hit.url).pathname)).toEqual(['/api']);
    });

    it('a throwing title or tags callback does not affect the response or the hit', async () => {
      const client = testClient();
      const { app, http } = await start({
        client,
        title: () => {
          throw new Error('title failed');
        },
        tags: () => {
          throw new Error('tags failed');
        },
      });
      await http.get('/api').set('User-Agent', UA).expect(200, 'home');
      await decided(app, 1);
      await client.flush();
      expect(emulator.hits).toHaveLength(1);
      expect(emulator.hits[0]).not.toHaveProperty('title');
    });

    it('an aborted request is not tracked and keeps no listener on the dead response', async () => {
      const client = testClient();
      const { app } = await start({ client });
      slowResponse = deferred();
      cleanups.push(async () => slowResponse.resolve());
      // The listeners the middleware (through the tracker) puts on the response.
      const tracker = trackerOf(app);
      const added: Array<{ res: ServerResponse; finish: Function[]; close: Function[] }> = [];
      const trackWhenDone = tracker.trackWhenDone;
      vi.spyOn(tracker, 'trackWhenDone').mockImplementation(function (this: Tracker, ctx, res, status) {
        const before = { finish: res.listeners('finish'), close: res.listeners('close') };
        trackWhenDone.call(this, ctx, res, status);
        added.push({
          res,
          finish: res.listeners('finish').filter((listener) => !before.finish.includes(listener)),
          close: res.listeners('close').filter((listener) => !before.close.includes(listener)),
        });
      });
      await app.listen(0, '127.0.0.1');
      const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
      const aborted = new AbortController();
      const pending = fetch(`http://127.0.0.1:${port}/api/slow`, { headers: { 'user-agent': UA }, signal: aborted.signal }).catch(() => 'aborted');
      await vi.waitFor(() => expect(added).toHaveLength(1), { interval: 5 });
      const { res, finish, close } = added[0]!;
      const closed = new Promise((resolve) => res.once('close', resolve));
      aborted.abort();
      expect(await pending).toBe('aborted');
      await closed;
      // No listener: on Node the response waited on its socket for Node's channel (core's
      // tracking tests check what waited is collected).
      expect(close).toEqual([]);
      expect(finish).toEqual([]);
      expect(res.listenerCount('close')).toBe(0);
      slowResponse.resolve();
      // Not tracked; counted once, as aborted.
      await vi.waitFor(() => expect(tracker.skipped.aborted).toBe(1), { interval: 5 });
      expect(tracker.tracked + Object.values(tracker.skipped).reduce((sum, n) => sum + n, 0)).toBe(1);
    });
  });

  describe('shutdown', () => {
    it('app.close() delivers what was queued and closes the client the module created', async () => {
      const app = await platform.create(PirschModule.forRoot({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 }));
      const http = request(app.getHttpServer());
      await http.get('/api').set('User-Agent', UA).expect(200);
      await http.get('/api/products/3').set('User-Agent', UA).expect(200);
      await decided(app, 2);
      const client = trackerOf(app).client;
      expect(emulator.hits).toHaveLength(0);
      await app.close();
      expect(emulator.hits).toHaveLength(2);
      expect(client.closed).toBe(true);
    });

    it('app.close() flushes a given client and leaves it open', async () => {
      const client = testClient();
      const app = await platform.create(PirschModule.forRoot({ client }));
      await request(app.getHttpServer()).get('/api').set('User-Agent', UA).expect(200);
      await decided(app, 1);
      expect(emulator.hits).toHaveLength(0);
      await app.close();
      expect(emulator.hits).toHaveLength(1);
      expect(client.closed).toBe(false);
      client.hit({ url: 'https://example.com/after', ip: '203.0.113.1', user_agent: UA });
      expect(await client.flush()).toBe(true);
      expect(emulator.hits).toHaveLength(2);
    });
  });
});

describe.each(platforms)('PirschModule imported twice on $name', (platform) => {
  it('fails the app start with a PirschConfigError instead of counting every page twice', async () => {
    const client = testClient();
    @Module({ imports: [PirschModule.forRoot({ client, isGlobal: false })], controllers: [PagesController] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({ imports: [PirschModule.forRoot({ client }), FeatureModule] }).compile();
    const app = platform.name === 'ExpressAdapter'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    cleanups.push(() => app.close());
    const started = app.init().then(() => 'started', (error: unknown) => error);
    const outcome = await started;
    if (outcome === 'started') {
      // What happened before: both modules' middleware tracked the same request.
      await request(app.getHttpServer()).get('/').set('User-Agent', UA).expect(200);
      await client.flush();
    }
    expect(emulator.hits).toHaveLength(0);
    expect(outcome).toBeInstanceOf(PirschConfigError);
    expect((outcome as PirschConfigError).message).toMatch(/imported more than once.*once, in the root module/);
  });

  it('one import per app still works when several apps run in one process', async () => {
    const client = testClient();
    const apps = await Promise.all([platform.create(PirschModule.forRoot({ client })), platform.create(PirschModule.forRoot({ client }))]);
    for (const app of apps) cleanups.push(() => app.close());
    for (const app of apps) await request(app.getHttpServer()).get('/api').set('User-Agent', UA).expect(200);
    for (const app of apps) await decided(app, 1);
    await client.flush();
    expect(emulator.hits).toHaveLength(2);
  });
});

@Controller()
class BadEventsController {
  constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}

  @Get('bad-events')
  badEvents(@Req() req: IncomingMessage): string {
    this.pirsch.event('', req);
    this.pirsch.event('   ', req);
    this.pirsch.event(42 as never, req);
    this.pirsch.event(' Signup ', req);
    return 'ok';
  }
}

describe.each(platforms)('PirschService.event with a bad name on $name', (platform) => {
  it('is reported through onError and counted as dropped, never sent or ignored in silence', async () => {
    const errors: PirschError[] = [];
    const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000, onError: (error) => errors.push(error) });
    cleanups.push(() => client.close());
    @Module({ imports: [PirschModule.forRoot({ client })], controllers: [BadEventsController] })
    class BadEventsModule {}
    const moduleRef = await Test.createTestingModule({ imports: [BadEventsModule] }).compile();
    const app = platform.name === 'ExpressAdapter'
      ? moduleRef.createNestApplication(new ExpressAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    cleanups.push(() => app.close());
    await app.init();
    if (platform.name !== 'ExpressAdapter') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    await request(app.getHttpServer()).get('/bad-events').set('User-Agent', UA).expect(200, 'ok');
    expect(await client.flush()).toBe(true); // the page view and the one good event
    expect(emulator.events.map((event) => event.event_name)).toEqual(['Signup']);
    expect(client.metrics.dropped).toBe(3);
    const reported = errors.filter((error): error is PirschDropError => error instanceof PirschDropError);
    expect(reported.reduce((sum, error) => sum + error.count, 0)).toBe(3);
    for (const error of reported) {
      expect(error.reason).toBe('invalid');
      expect(error.message).toContain('an event needs a name');
      expect(error.validation).toEqual({ event_name: 'required' });
    }
  });
});
