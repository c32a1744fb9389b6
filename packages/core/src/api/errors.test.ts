import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from '../client.js';
import { PirschAccessKeyError, PirschApiError } from '../errors.js';
import type { PirschApi } from './index.js';

/** Failures of API calls over real HTTP: API errors, access keys, and which calls are retried. */
let emulator: PirschEmulator;
const clients: PirschClient[] = [];

beforeEach(async () => {
  emulator = await createPirschEmulator();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close(1000)));
  await emulator.close();
});

function client(options: { accessKey?: string } = {}): PirschClient {
  const created = createClient({
    baseUrl: emulator.url,
    ...(options.accessKey ? { accessKey: options.accessKey } : { clientId: emulator.clientId, clientSecret: emulator.clientSecret }),
    minRetryDelayMs: 10,
    maxRetryDelayMs: 50,
  });
  clients.push(created);
  return created;
}

const filter = { id: 'emulator-domain', from: '2024-05-01', to: '2024-05-01' };
const apiRequests = () => emulator.requests.filter((request) => request.path !== '/api/v1/token');

describe('API errors', () => {
  it('a validation failure rejects with PirschApiError carrying status, validation and error', async () => {
    const pirsch = client();
    const error = await pirsch.goals.create({ domain_id: 'emulator-domain', name: '', path_pattern: 'no-slash' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PirschApiError);
    expect(error).toMatchObject({
      status: 400,
      validation: { name: 'the name is required', path_pattern: 'the path pattern is required and starts with /' },
      error: [],
      request: 'POST /api/v1/goal',
    });
  });

  it('a missing domain rejects with 404 and the error list, and is not retried', async () => {
    const pirsch = client();
    const error = await pirsch.statistics.total({ ...filter, id: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PirschApiError);
    expect(error).toMatchObject({ status: 404, validation: {}, error: ['domain not found'] });
    expect(apiRequests()).toHaveLength(1);
  });

  it('never puts the client secret or the token into the error', async () => {
    const pirsch = client();
    const error = (await pirsch.goals.delete('nope').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(PirschApiError);
    const token = emulator.requests.find((request) => request.path === '/api/v1/goal')?.headers.authorization?.replace('Bearer ', '');
    expect(token).toBeTruthy();
    for (const text of [error.message, String(error), JSON.stringify(error), error.stack ?? '']) {
      expect(text).not.toContain(emulator.clientSecret);
      expect(text).not.toContain(token);
    }
  });
});

describe('access keys are write-only', () => {
  const calls: [string, (api: PirschApi) => Promise<unknown>][] = [
    ['statistics.total', (api) => api.statistics.total(filter)],
    ['statistics.activeVisitors', (api) => api.statistics.activeVisitors({ id: 'x', start: 60 })],
    ['domains.list', (api) => api.domains.list()],
    ['domains.create', (api) => api.domains.create({ hostname: 'a.example', subdomain: 'a', timezone: 'UTC' })],
    ['members.invite', (api) => api.members.invite('x', ['a@example.com'])],
    ['clients.update', (api) => api.clients.update({ id: 'x', description: 'y' })],
    ['reports.delete', (api) => api.reports.delete('x')],
    ['goals.list', (api) => api.goals.list('x')],
  ];

  it.each(calls)('%s rejects with PirschAccessKeyError without a request', async (name, run) => {
    const pirsch = client({ accessKey: emulator.accessKey });
    const error = await run(pirsch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PirschAccessKeyError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain(emulator.accessKey);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  it('a GET is retried after 503s and succeeds', async () => {
    const pirsch = client();
    emulator.failNext(2, { scope: 'api', status: 503 });
    expect(await pirsch.statistics.total(filter)).toMatchObject({ visitors: 0 });
    expect(apiRequests().map((request) => request.status)).toEqual([503, 503, 200]);
  });

  it('a GET honours 429 with Retry-After and succeeds', async () => {
    const pirsch = client();
    emulator.failNext(1, { scope: 'api', status: 429, retryAfter: 1 });
    const started = Date.now();
    expect(await pirsch.goals.list('emulator-domain')).toEqual([]);
    expect(apiRequests().map((request) => request.status)).toEqual([429, 200]);
    // Retry-After said 1 s; the backoff alone (10-50 ms) would have been far shorter.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a DELETE by id is retried after a reset connection', async () => {
    const pirsch = client();
    const goal = await pirsch.goals.create({ domain_id: 'emulator-domain', name: 'A', path_pattern: '/a' });
    emulator.resetNext(1, { scope: 'api' });
    await pirsch.goals.delete(goal.id);
    expect(await pirsch.goals.list('emulator-domain')).toEqual([]);
    expect(apiRequests().filter((request) => request.method === 'DELETE').map((request) => request.status)).toEqual([0, 200]);
  });

  it('a PUT by id is retried after a 500', async () => {
    const pirsch = client();
    const [report] = await pirsch.reports.create({ domain_id: 'emulator-domain', emails: ['a@example.com'], interval: 1 });
    emulator.failNext(1, { scope: 'api', status: 500 });
    expect(await pirsch.reports.update({ id: report?.id ?? '', interval: 2 })).toMatchObject({ interval: 2 });
    expect(apiRequests().filter((request) => request.method === 'PUT').map((request) => request.status)).toEqual([500, 200]);
  });

  it('a POST that creates is not retried: it rejects and nothing is created twice', async () => {
    const pirsch = client();
    emulator.failNext(1, { scope: 'api', status: 503 });
    const error = await pirsch.goals.create({ domain_id: 'emulator-domain', name: 'A', path_pattern: '/a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PirschApiError);
    expect(error).toMatchObject({ status: 503 });
    expect(apiRequests().filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(await pirsch.goals.list('emulator-domain')).toEqual([]);
  });

  it('a toggle (POST) is not retried either, so it cannot flip twice', async () => {
    const pirsch = client();
    emulator.resetNext(1, { scope: 'api' });
    await expect(pirsch.domains.togglePublic('emulator-domain')).rejects.toMatchObject({ name: 'PirschNetworkError' });
    expect(apiRequests()).toHaveLength(1);
    expect((await pirsch.domains.list())[0]?.public).toBe(false);
  });
});
