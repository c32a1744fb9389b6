import { createRequire } from 'node:module';
import type { PirschLogger } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/koa';
import Koa3 from 'koa';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { decided, expectSentNothing } from '../../../test/support/tracking-options.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';

const Koa2 = createRequire(import.meta.url)('koa2') as typeof Koa3;
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const suite = useEmulator();

describe.each([
  ['Koa 3', Koa3],
  ['Koa 2', Koa2],
])('%s with enabled: false and no key', (_name, Koa) => {
  it('serves the app with ctx.state.pirsch in place, counts what it would track, sends nothing and says so once', async () => {
    const info: string[] = [];
    const logger: PirschLogger = { info: (message) => info.push(message) };
    // As a developer's machine has it: PIRSCH_ACCESS_KEY unset.
    const accessKey: string | undefined = undefined;
    const analytics = pirsch({ accessKey, enabled: Boolean(accessKey), baseUrl: suite.emulator.url, logger });
    const app = new Koa();
    app.use(analytics);
    app.use((ctx) => {
      if (ctx.method === 'POST' && ctx.path === '/signup') {
        ctx.state.pirsch.event('Signup', { meta: { plan: 'pro' } });
        ctx.status = 201;
        ctx.body = 'welcome';
        return;
      }
      ctx.body = 'home';
    });
    const server = app.callback();

    await supertest(server).get('/').set('User-Agent', UA).expect(200, 'home');
    await supertest(server).post('/signup').set('User-Agent', UA).expect(201, 'welcome');
    await decided(analytics, 2);

    expect(analytics.tracked).toBe(1);
    expect(analytics.skipped.method).toBe(1);
    // The page view and the Signup event.
    expect(analytics.client.metrics).toMatchObject({ disabled: 2, sent: 0, queued: 0 });
    await analytics.shutdown();
    expectSentNothing(analytics.client, suite.emulator, info);
  });
});
