import 'reflect-metadata';
import { Controller, Get, Header, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { CLIENT_HINT_HEADERS } from '@pirsch-node/core';
import type { Tracker } from '@pirsch-node/core/adapter';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS, decided } from '../../../test/support/tracking-options.js';
import { PIRSCH_TRACKER, PirschModule } from './index.js';
import type { PirschModuleOptions } from './index.js';

// The tracking options of issue 11 (clientHints, stripQuery, bots) end to end, on both platforms.

const POLICY = CLIENT_HINT_HEADERS['Permissions-Policy'];

@Controller()
class PagesController {
  @Get()
  home(): string {
    return 'home';
  }

  @Get('reset')
  reset(): string {
    return 'reset';
  }

  @Get('camera')
  @Header('Permissions-Policy', 'camera=()')
  camera(): string {
    return 'camera';
  }

  @Get('boom')
  boom(): string {
    throw new Error('controller failed');
  }
}

const platforms = [
  {
    name: 'ExpressAdapter',
    create: (moduleRef: Awaited<ReturnType<typeof compile>>) => moduleRef.createNestApplication<NestExpressApplication>(new ExpressAdapter(), { logger: false }),
  },
  {
    name: 'FastifyAdapter',
    create: (moduleRef: Awaited<ReturnType<typeof compile>>) => moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false }),
  },
];

function compile(options: PirschModuleOptions) {
  @Module({ imports: [PirschModule.forRoot(options)], controllers: [PagesController] })
  class AppModule {}
  return Test.createTestingModule({ imports: [AppModule] }).compile();
}

let emulator: PirschEmulator;
const apps: INestApplication[] = [];

beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
});

describe.each(platforms)('PirschModule on $name', (platform) => {
  async function start(tracking: Omit<PirschModuleOptions, 'client' | 'accessKey'> = {}) {
    const app = platform.create(await compile({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000, ...tracking } as PirschModuleOptions));
    apps.push(app);
    await app.init();
    if (platform.name === 'FastifyAdapter') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    const tracker = app.get<Tracker>(PIRSCH_TRACKER);
    /** Waits until the tracker decided about `count` responses, then delivers what it queued. */
    const delivered = async (count: number) => {
      await decided(tracker, count);
      expect(await tracker.client.flush(5000)).toBe(true);
    };
    return { http: () => request(app.getHttpServer()), tracker, delivered };
  }

  describe('clientHints', () => {
    it('asks for the hints on every response, merged with the policy the app sets, and the next request brings them', async () => {
      const { http, delivered } = await start({ clientHints: true });
      const first = await http().get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(first.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
      expect(first.headers['permissions-policy']).toBe(POLICY);
      const own = await http().get('/camera').set('User-Agent', BROWSER_UA).expect(200);
      expect(own.headers['permissions-policy']).toBe(`camera=(), ${POLICY}`);
      for (const [path, status] of [['/boom', 500], ['/missing', 404]] as const) {
        const response = await http().get(path).set('User-Agent', BROWSER_UA).expect(status);
        expect(response.headers['accept-ch'], path).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
        expect(response.headers['permissions-policy'], path).toBe(POLICY);
      }

      await http().get('/?second').set('User-Agent', BROWSER_UA).set(CLIENT_HINT_REQUEST_HEADERS).expect(200);
      await delivered(5);
      expect(emulator.hits.find((hit) => hit.url.endsWith('/?second'))).toMatchObject(CLIENT_HINT_HIT_FIELDS);
    });

    it('sets neither header by default', async () => {
      const { http } = await start();
      const response = await http().get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(response.headers['accept-ch']).toBeUndefined();
      expect(response.headers['permissions-policy']).toBeUndefined();
    });
  });

  it('sends a password-reset link without its token (stripQuery)', async () => {
    const { http, delivered } = await start({ stripQuery: ['token'] });
    await http().get('/reset?token=abc&lang=de').set('User-Agent', BROWSER_UA).expect(200);
    await delivered(1);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname + new URL(hit.url).search)).toEqual(['/reset?lang=de']);
  });

  it('skips a crawler as "bot"', async () => {
    const { http, tracker, delivered } = await start();
    await http().get('/').set('User-Agent', 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)').expect(200);
    await delivered(1);
    expect(tracker.skipped.bot).toBe(1);
    expect(emulator.hits).toHaveLength(0);
  });
});
