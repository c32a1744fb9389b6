import type { PirschLogger } from '@pirsch-node/core';
import fastify5 from 'fastify';
import fastify4 from 'fastify4';
import { describe, expect, it, vi } from 'vitest';
import pirsch from './index.js';
import { useEmulator } from '../../../test/support/emulator-suite.js';
import { expectSentNothing } from '../../../test/support/tracking-options.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const suite = useEmulator();

describe.each([
  ['Fastify 5', fastify5],
  ['Fastify 4', fastify4 as unknown as typeof fastify5],
])('%s with enabled: false and no key', (_name, createFastify) => {
  it('serves the app with request.pirsch in place, counts what it would send, sends nothing and says so once', async () => {
    const info: string[] = [];
    const logger: PirschLogger = { info: (message) => info.push(message) };
    // As a developer's machine has it: PIRSCH_ACCESS_KEY unset.
    const accessKey: string | undefined = undefined;
    const app = createFastify();
    await app.register(pirsch, { accessKey, enabled: Boolean(accessKey), baseUrl: suite.emulator.url, logger });
    app.get('/', async () => 'home');
    app.post('/signup', async (request, reply) => {
      request.pirsch.event('Signup', { meta: { plan: 'pro' } });
      return reply.code(201).send('welcome');
    });
    await app.ready();

    expect((await app.inject({ method: 'GET', url: '/', headers: { 'user-agent': UA } })).body).toBe('home');
    expect((await app.inject({ method: 'POST', url: '/signup', headers: { 'user-agent': UA } })).statusCode).toBe(201);
    // The page view (GET /; POST is not tracked) and the Signup event, counted once each reply
    // finished (an injected request has no server socket: it is heard with a finish listener).
    await vi.waitFor(() => expect(app.pirsch.metrics.disabled).toBe(2), { timeout: 5000, interval: 5 });
    expect(app.pirsch.metrics).toMatchObject({ sent: 0, queued: 0 });
    await app.close();
    expectSentNothing(app.pirsch, suite.emulator, info);
  });
});
