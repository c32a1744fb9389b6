import { CLIENT_HINT_HEADERS, createClient } from '@pirsch-node/core';
import type { PirschClient } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/express';
import type { PirschExpressOptions } from '@pirsch-node/express';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import express5 from 'express';
import express4 from 'express4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS, decided, type DecisionCounters } from '../../../test/support/tracking-options.js';

// The tracking options of issue 11 (bots, clientHints, stripQuery, beforeSend) end to end, on
// both Express majors: a real app, supertest, the emulator.

const POLICY = CLIENT_HINT_HEADERS['Permissions-Policy'];

/** Waits until the middleware decided about `count` responses, then delivers what it queued. */
async function delivered(middleware: DecisionCounters, client: PirschClient, count: number): Promise<void> {
  await decided(middleware, count);
  expect(await client.flush(5000)).toBe(true);
}

const versions = [
  { name: 'Express 5', express: express5 },
  { name: 'Express 4', express: express4 as unknown as typeof express5 },
];

let emulator: PirschEmulator;
const clients: PirschClient[] = [];

beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(1000)));
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
});

describe.each(versions)('$name', ({ express }) => {
  function setup(options: Omit<PirschExpressOptions, 'client'> = {}) {
    const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
    clients.push(client);
    const app = express();
    const middleware = pirsch({ client, ...(options as Record<string, never>) });
    app.use(middleware);
    app.get('/', (_req, res) => void res.send('home'));
    app.get('/camera', (_req, res) => {
      res.set('Permissions-Policy', 'camera=()'); // set by the handler, after the middleware ran
      res.send('camera');
    });
    app.get('/reset', (_req, res) => void res.send('reset'));
    return { app, client, middleware };
  }

  describe('clientHints', () => {
    it('asks for the hints on every response, merged with the policy the app sets, and the next request brings them', async () => {
      const { app, client, middleware } = setup({ clientHints: true });
      const first = await request(app).get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(first.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
      expect(first.headers['permissions-policy']).toBe(POLICY);
      const own = await request(app).get('/camera').set('User-Agent', BROWSER_UA).expect(200);
      expect(own.headers['permissions-policy']).toBe(`camera=(), ${POLICY}`);
      const missing = await request(app).get('/missing').set('User-Agent', BROWSER_UA).expect(404);
      expect(missing.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);

      // The browser, asked, sends the hints with its next request.
      await request(app).get('/?second').set('User-Agent', BROWSER_UA).set(CLIENT_HINT_REQUEST_HEADERS).expect(200);
      await delivered(middleware, client, 4);
      const second = emulator.hits.find((hit) => hit.url.endsWith('/?second'));
      expect(second).toMatchObject(CLIENT_HINT_HIT_FIELDS);
    });

    it('sets neither header by default', async () => {
      const { app } = setup();
      const response = await request(app).get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(response.headers['accept-ch']).toBeUndefined();
      expect(response.headers['permissions-policy']).toBeUndefined();
    });
  });

  describe('privacy', () => {
    it('sends a password-reset link without its token (stripQuery), and what beforeSend returns', async () => {
      const { app, client, middleware } = setup({
        stripQuery: ['token'],
        beforeSend: (hit, req) => (req.query.preview === '1' ? null : { ...hit, title: 'Reset' }),
      });
      await request(app).get('/reset?token=abc&lang=de').set('User-Agent', BROWSER_UA).expect(200);
      await request(app).get('/reset?token=abc&preview=1').set('User-Agent', BROWSER_UA).expect(200);
      await delivered(middleware, client, 2);
      expect(emulator.hits.map((hit) => [new URL(hit.url).pathname + new URL(hit.url).search, hit.title])).toEqual([['/reset?lang=de', 'Reset']]);
      expect(JSON.stringify(emulator.hits)).not.toContain('abc');
      expect(middleware.skipped['before-send']).toBe(1);
    });
  });

  describe('bots', () => {
    it('skips a crawler as "bot" and tracks it with bots: "track"', async () => {
      const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
      const skipping = setup();
      await request(skipping.app).get('/').set('User-Agent', googlebot).expect(200);
      await request(skipping.app).get('/').set('User-Agent', BROWSER_UA).expect(200);
      await delivered(skipping.middleware, skipping.client, 2);
      expect(skipping.middleware.skipped.bot).toBe(1);
      const tracking = setup({ bots: 'track' });
      await request(tracking.app).get('/').set('User-Agent', googlebot).expect(200);
      await delivered(tracking.middleware, tracking.client, 1);
      expect(emulator.hits.map((hit) => hit.user_agent)).toEqual([BROWSER_UA, googlebot]);
    });
  });
});
