import type { PirschLogger } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { decided, expectSentNothing } from '../../../test/support/tracking-options.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const suite = useEmulator();

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s with enabled: false and no key', (_name, express) => {
  it('serves the app with req.pirsch in place, counts what it would track, sends nothing and says so once', async () => {
    const info: string[] = [];
    const logger: PirschLogger = { info: (message) => info.push(message) };
    // As a developer's machine has it: PIRSCH_ACCESS_KEY unset.
    const accessKey: string | undefined = undefined;
    const tracking = pirsch({ accessKey, enabled: Boolean(accessKey), baseUrl: suite.emulator.url, logger });
    const app = express();
    app.use(tracking);
    app.get('/', (_req, res) => void res.send('home'));
    app.post('/signup', (req, res) => {
      req.pirsch.event('Signup', { meta: { plan: 'pro' } });
      res.status(201).send('welcome');
    });

    await request(app).get('/').set('User-Agent', UA).expect(200, 'home');
    await request(app).post('/signup').set('User-Agent', UA).expect(201, 'welcome');
    await decided(tracking, 2);

    expect(tracking.tracked).toBe(1);
    expect(tracking.skipped.method).toBe(1);
    // The page view and the Signup event.
    expect(tracking.client.metrics).toMatchObject({ disabled: 2, sent: 0, queued: 0 });
    await tracking.shutdown();
    expectSentNothing(tracking.client, suite.emulator, info);
  });
});
