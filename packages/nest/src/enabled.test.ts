import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { PirschLogger } from '@pirsch-node/core';
import type { Tracker } from '@pirsch-node/core/adapter';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { PIRSCH_TRACKER, PirschModule, PirschService } from './index.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';
import { expectSentNothing } from '../../../test/support/tracking-options.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

@Controller()
class SignupController {
  constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}

  @Get()
  home(): string {
    return 'home';
  }

  @Post('signup')
  @HttpCode(201)
  signup(@Req() req: IncomingMessage): string {
    this.pirsch.event('Signup', req, { meta: { plan: 'pro' } });
    return 'welcome';
  }
}

const suite = useEmulator();

describe.each([
  ['ExpressAdapter', () => new ExpressAdapter()],
  ['FastifyAdapter', () => new FastifyAdapter()],
])('PirschModule on %s with enabled: false and no key', (name, adapter) => {
  it('starts, keeps PirschService in place, counts what it would track, sends nothing and says so once', async () => {
    const info: string[] = [];
    const logger: PirschLogger = { info: (message) => info.push(message) };
    // As a developer's machine has it: PIRSCH_ACCESS_KEY unset.
    const accessKey: string | undefined = undefined;
    const moduleRef = await Test.createTestingModule({
      imports: [PirschModule.forRoot({ accessKey, enabled: Boolean(accessKey), baseUrl: suite.emulator.url, logger })],
      controllers: [SignupController],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication(adapter(), { logger: false });
    await app.init();
    if (name === 'FastifyAdapter') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    const tracker = app.get<Tracker>(PIRSCH_TRACKER);
    const service = app.get(PirschService);
    try {
      await request(app.getHttpServer()).get('/').set('User-Agent', UA).expect(200, 'home');
      await request(app.getHttpServer()).post('/signup').set('User-Agent', UA).expect(201, 'welcome');
      await vi.waitFor(() => expect(tracker.tracked + tracker.skipped.method).toBe(2), { timeout: 5000, interval: 5 });
      expect(tracker.tracked).toBe(1);
      // The page view and the Signup event.
      expect(service.client.metrics).toMatchObject({ disabled: 2, sent: 0, queued: 0 });
      expect(await service.flush()).toBe(true);
    } finally {
      await app.close();
    }
    expectSentNothing(service.client, suite.emulator, info);
  });
});
