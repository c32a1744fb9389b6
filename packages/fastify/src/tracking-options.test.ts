import { CLIENT_HINT_HEADERS } from '@pirsch-node/core';
import type { PirschClientOptions } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import fastify5, { type FastifyInstance } from 'fastify';
import fastify4 from 'fastify4';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA } from '../../../test/support/load.js';
import { CLIENT_HINT_HIT_FIELDS, CLIENT_HINT_REQUEST_HEADERS } from '../../../test/support/tracking-options.js';
import { pirsch, type PirschFastifyOptions } from './index.js';

// The tracking options of issue 11 (clientHints, stripQuery, bots) end to end, on Fastify 4 and 5.

const POLICY = CLIENT_HINT_HEADERS['Permissions-Policy'];

const versions = [
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as typeof fastify5],
] as const;

type Tracking = Omit<PirschFastifyOptions, keyof PirschClientOptions | 'client'>;

let emulator: PirschEmulator;
beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe.each(versions)('%s', (_version, createFastify) => {
  const apps: FastifyInstance[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    emulator.reset();
  });

  async function start(tracking: Tracking = {}): Promise<FastifyInstance> {
    const app = createFastify();
    apps.push(app);
    await app.register(pirsch, { baseUrl: emulator.url, accessKey: emulator.accessKey, flushIntervalMs: 10, ...tracking });
    app.get('/', async () => 'home');
    app.get('/reset', async () => 'reset');
    // Set on the reply: Fastify hands it to writeHead with the reply's other headers.
    app.get('/camera', async (_request, reply) => reply.header('Permissions-Policy', 'camera=()').send('camera'));
    app.get('/boom', async () => {
      throw new Error('handler failed');
    });
    await app.ready();
    return app;
  }

  /** Waits until `hits` hits arrived and nothing more is queued. */
  async function deliver(app: FastifyInstance, hits: number): Promise<void> {
    await emulator.waitFor((e) => e.hits.length >= hits);
    expect(await app.pirsch.flush(5000)).toBe(true);
  }

  describe('clientHints', () => {
    it('asks for the hints on every response, merged with the policy the app sets, and the next request brings them', async () => {
      const app = await start({ clientHints: true });
      const http = () => request(app.server);
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
      await deliver(app, 3);
      expect(emulator.hits.find((hit) => hit.url.endsWith('/?second'))).toMatchObject(CLIENT_HINT_HIT_FIELDS);
    });

    it('sets neither header by default', async () => {
      const app = await start();
      const response = await request(app.server).get('/').set('User-Agent', BROWSER_UA).expect(200);
      expect(response.headers['accept-ch']).toBeUndefined();
      expect(response.headers['permissions-policy']).toBeUndefined();
    });
  });

  it('sends a password-reset link without its token (stripQuery)', async () => {
    const app = await start({ stripQuery: ['token'] });
    await request(app.server).get('/reset?token=abc&lang=de').set('User-Agent', BROWSER_UA).expect(200);
    await deliver(app, 1);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname + new URL(hit.url).search)).toEqual(['/reset?lang=de']);
  });

  it('skips a crawler as "bot" and tracks the browser after it', async () => {
    const app = await start();
    await request(app.server).get('/?crawler').set('User-Agent', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)').expect(200);
    await request(app.server).get('/?browser').set('User-Agent', BROWSER_UA).expect(200);
    await deliver(app, 1);
    expect(emulator.hits.map((hit) => new URL(hit.url).search)).toEqual(['?browser']);
  });
});
