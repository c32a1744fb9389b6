import { createRequire } from 'node:module';
import { CLIENT_HINT_HEADERS, createClient } from '@pirsch-node/core';
import type { PirschClient } from '@pirsch-node/core';
import { pirsch } from '@pirsch-node/koa';
import type { PirschKoaTrackingOptions, PirschMiddleware } from '@pirsch-node/koa';
import { createPirschEmulator } from '@pirsch-node/testing';
import type { PirschEmulator } from '@pirsch-node/testing';
import Koa3 from 'koa';
import supertest from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS, decided } from '../../../test/support/tracking-options.js';

// The tracking options of issue 11 (clientHints, stripQuery, bots) end to end, on Koa 2 and 3.

const Koa2 = createRequire(import.meta.url)('koa2') as typeof Koa3;

const POLICY = CLIENT_HINT_HEADERS['Permissions-Policy'];

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

/** Waits until the middleware decided about `count` responses, then delivers what it queued. */
async function delivered(middleware: PirschMiddleware<PirschClient>, count: number): Promise<void> {
  await decided(middleware, count);
  expect(await middleware.client.flush(5000)).toBe(true);
}

describe.each([
  { version: 'Koa 3', Koa: Koa3 },
  { version: 'Koa 2', Koa: Koa2 },
])('$version', ({ Koa }) => {
  function setup(options: PirschKoaTrackingOptions = {}) {
    const client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 60_000 });
    clients.push(client);
    const app = new Koa();
    app.silent = true;
    const middleware = pirsch({ client, ...options });
    app.use(middleware);
    app.use(async (ctx) => {
      if (ctx.path === '/boom') throw new Error('handler failed');
      if (ctx.path === '/missing') return; // Koa's 404
      if (ctx.path === '/camera') ctx.set('Permissions-Policy', 'camera=()'); // after the middleware ran
      ctx.body = 'page';
    });
    return { http: supertest(app.callback()), middleware };
  }

  describe('clientHints', () => {
    it('asks for the hints on every response, merged with the policy the app sets, and the next request brings them', async () => {
      const { http, middleware } = setup({ clientHints: true });
      const first = await http.get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(first.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
      expect(first.headers['permissions-policy']).toBe(POLICY);
      const own = await http.get('/camera').set('User-Agent', BROWSER_UA).expect(200);
      expect(own.headers['permissions-policy']).toBe(`camera=(), ${POLICY}`);
      // Koa's error handling removes every header set before: the hints are asked for all the same.
      const failed = await http.get('/boom').set('User-Agent', BROWSER_UA).expect(500);
      expect(failed.headers['accept-ch']).toBe(CLIENT_HINT_HEADERS['Accept-CH']);
      expect(failed.headers['permissions-policy']).toBe(POLICY);

      await http.get('/?second').set('User-Agent', BROWSER_UA).set(CLIENT_HINT_REQUEST_HEADERS).expect(200);
      await delivered(middleware, 4);
      expect(emulator.hits.find((hit) => hit.url.endsWith('/?second'))).toMatchObject(CLIENT_HINT_HIT_FIELDS);
    });

    it('sets neither header by default', async () => {
      const { http } = setup();
      const response = await http.get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(response.headers['accept-ch']).toBeUndefined();
      expect(response.headers['permissions-policy']).toBeUndefined();
    });
  });

  it('sends a password-reset link without its token (stripQuery)', async () => {
    const { http, middleware } = setup({ stripQuery: ['token'] });
    await http.get('/reset?token=abc&lang=de').set('User-Agent', BROWSER_UA).expect(200);
    await delivered(middleware, 1);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname + new URL(hit.url).search)).toEqual(['/reset?lang=de']);
  });

  it('skips a crawler as "bot"', async () => {
    const { http, middleware } = setup();
    await http.get('/').set('User-Agent', 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)').expect(200);
    await delivered(middleware, 1);
    expect(middleware.skipped.bot).toBe(1);
    expect(emulator.hits).toHaveLength(0);
  });
});
