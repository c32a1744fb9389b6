import { describe, expect, it } from 'vitest';
import type { ApiRequest, ApiRequester } from '../types.js';
import { createApi, type PirschApi } from './index.js';
import { STATISTICS_PATHS } from './statistics.js';

/**
 * The mapping layer alone: which request each call builds (method, path, query, body, idempotent,
 * call name). The requester is the layer's boundary; the same calls run over real HTTP against the
 * emulator in statistics.test.ts and management.test.ts.
 */
function capture(): { api: PirschApi; requests: ApiRequest[] } {
  const requests: ApiRequest[] = [];
  const requester: ApiRequester = async <T>(request: ApiRequest) => {
    requests.push(request);
    return undefined as T;
  };
  return { api: createApi(requester), requests };
}

const filter = { id: 'dom', from: '2024-05-01', to: new Date('2024-05-08T23:30:00Z') };

describe('statistics calls', () => {
  it('has a method for every statistics path of the current API document (43), the filter options, the export and delete', () => {
    const { api } = capture();
    expect(Object.keys(api.statistics).sort()).toEqual([...Object.keys(STATISTICS_PATHS), 'delete', 'exportCsv', 'options'].sort());
    expect(Object.keys(STATISTICS_PATHS)).toHaveLength(43);
  });

  /** What the endpoints that need more than the range get on top of it. */
  const NEEDS: Record<string, Record<string, string>> = {
    eventPages: { event: 'Signup' },
    eventMetadata: { event: 'Signup', event_meta_key: 'plan' },
    tagDetails: { tag: 'author' },
    funnel: { funnel_id: 'f1' },
    sessionDetails: { visitor_id: '18446744073709551615', session_id: '45' },
    keywordPages: { keyword: 'pirsch' },
  };

  it.each(Object.entries(STATISTICS_PATHS))('statistics.%s is an idempotent GET /api/v1/statistics/%s with the filter as query', async (name, path) => {
    const { api, requests } = capture();
    await (api.statistics as unknown as Record<string, (f: typeof filter) => Promise<unknown>>)[name]?.({ ...filter, ...NEEDS[name] });
    expect(requests).toEqual([
      {
        method: 'GET',
        path: `/api/v1/statistics/${path}`,
        // "Filters do not apply" to the overview: only the domain goes out.
        query: name === 'overview' ? { id: 'dom' } : { id: 'dom', from: '2024-05-01', to: '2024-05-08', ...NEEDS[name] },
        idempotent: true,
        call: `statistics.${name}`,
      },
    ]);
  });

  it('rejects (does not throw) when a date is malformed, before any request', async () => {
    const { api, requests } = capture();
    const pending = api.statistics.total({ id: 'dom', from: '1.5.2024', to: '2024-05-08' });
    await expect(pending).rejects.toMatchObject({ name: 'PirschConfigError', option: 'from' });
    expect(requests).toEqual([]);
  });
});

type Call = [name: string, run: (api: PirschApi) => Promise<unknown>, expected: Omit<ApiRequest, 'call'>];

const MANAGEMENT: Call[] = [
  ['domains.list', (api) => api.domains.list(), { method: 'GET', path: '/api/v1/domain', query: undefined, idempotent: true }],
  [
    'domains.create',
    (api) => api.domains.create({ hostname: 'a.example', subdomain: 'a', timezone: 'UTC' }),
    { method: 'POST', path: '/api/v1/domain', body: { hostname: 'a.example', subdomain: 'a', timezone: 'UTC' }, idempotent: false },
  ],
  ['domains.delete', (api) => api.domains.delete('d1'), { method: 'DELETE', path: '/api/v1/domain', query: { id: 'd1' }, idempotent: true }],
  [
    'domains.resetIdentificationCode',
    (api) => api.domains.resetIdentificationCode('d1'),
    { method: 'PUT', path: '/api/v1/domain', body: { id: 'd1' }, idempotent: true },
  ],
  [
    'domains.updateSubdomain',
    (api) => api.domains.updateSubdomain('d1', 'new'),
    { method: 'POST', path: '/api/v1/domain/subdomain', body: { domain_id: 'd1', subdomain: 'new' }, idempotent: false },
  ],
  [
    'domains.togglePublic',
    (api) => api.domains.togglePublic('d1'),
    { method: 'POST', path: '/api/v1/domain/public', body: { domain_id: 'd1' }, idempotent: false },
  ],
  [
    'domains.toggleGroupByTitle',
    (api) => api.domains.toggleGroupByTitle('d1'),
    { method: 'POST', path: '/api/v1/domain/title', body: { domain_id: 'd1' }, idempotent: false },
  ],
  [
    'domains.updateTimezone',
    (api) => api.domains.updateTimezone('d1', 'Europe/Berlin'),
    { method: 'POST', path: '/api/v1/domain/timezone', body: { domain_id: 'd1', timezone: 'Europe/Berlin' }, idempotent: false },
  ],
  ['accessLinks.list', (api) => api.accessLinks.list('d1'), { method: 'GET', path: '/api/v1/domain/link', query: { domain_id: 'd1' }, idempotent: true }],
  [
    'accessLinks.create',
    (api) => api.accessLinks.create({ domain_id: 'd1', description: 'x' }),
    { method: 'POST', path: '/api/v1/domain/link', body: { domain_id: 'd1', description: 'x' }, idempotent: false },
  ],
  [
    'accessLinks.update',
    (api) => api.accessLinks.update({ id: 'l1', description: 'y' }),
    { method: 'PUT', path: '/api/v1/domain/link', body: { id: 'l1', description: 'y' }, idempotent: true },
  ],
  ['accessLinks.delete', (api) => api.accessLinks.delete('l1'), { method: 'DELETE', path: '/api/v1/domain/link', query: { id: 'l1' }, idempotent: true }],
  ['members.list', (api) => api.members.list('d1'), { method: 'GET', path: '/api/v1/member', query: { id: 'd1' }, idempotent: true }],
  [
    'members.invite',
    (api) => api.members.invite('d1', ['a@example.com']),
    { method: 'POST', path: '/api/v1/member', body: { id: 'd1', emails: ['a@example.com'] }, idempotent: false },
  ],
  [
    'members.updateRole',
    (api) => api.members.updateRole('m1', 'admin'),
    { method: 'PUT', path: '/api/v1/member', body: { id: 'm1', role: 'admin' }, idempotent: true },
  ],
  ['members.remove', (api) => api.members.remove('m1'), { method: 'DELETE', path: '/api/v1/member', query: { id: 'm1' }, idempotent: true }],
  ['clients.list', (api) => api.clients.list('d1'), { method: 'GET', path: '/api/v1/client', query: { id: 'd1' }, idempotent: true }],
  [
    'clients.create',
    (api) => api.clients.create({ domain_id: 'd1', description: 'x', scope_hit: 'w' }),
    { method: 'POST', path: '/api/v1/client', body: { domain_id: 'd1', description: 'x', scope_hit: 'w' }, idempotent: false },
  ],
  [
    'clients.update',
    (api) => api.clients.update({ id: 'c1', description: 'y' }),
    { method: 'POST', path: '/api/v1/client', body: { id: 'c1', description: 'y' }, idempotent: false },
  ],
  ['clients.delete', (api) => api.clients.delete('c1'), { method: 'DELETE', path: '/api/v1/client', query: { id: 'c1' }, idempotent: true }],
  ['reports.list', (api) => api.reports.list('d1'), { method: 'GET', path: '/api/v1/report', query: { id: 'd1' }, idempotent: true }],
  [
    'reports.create',
    (api) => api.reports.create({ domain_id: 'd1', emails: ['a@example.com'], interval: 1 }),
    { method: 'POST', path: '/api/v1/report', body: { domain_id: 'd1', emails: ['a@example.com'], interval: 1 }, idempotent: false },
  ],
  [
    'reports.update',
    (api) => api.reports.update({ id: 'r1', interval: 4 }),
    { method: 'PUT', path: '/api/v1/report', body: { id: 'r1', interval: 4 }, idempotent: true },
  ],
  ['reports.delete', (api) => api.reports.delete('r1'), { method: 'DELETE', path: '/api/v1/report', query: { id: 'r1' }, idempotent: true }],
  ['goals.list', (api) => api.goals.list('d1'), { method: 'GET', path: '/api/v1/goal', query: { id: 'd1' }, idempotent: true }],
  [
    'goals.create',
    (api) => api.goals.create({ domain_id: 'd1', name: 'g', path_pattern: '/x' }),
    { method: 'POST', path: '/api/v1/goal', body: { domain_id: 'd1', name: 'g', path_pattern: '/x' }, idempotent: false },
  ],
  [
    'goals.update',
    (api) => api.goals.update({ id: 'g1', domain_id: 'd1', name: 'g', path_pattern: '/y', visitors: 3 }),
    { method: 'PUT', path: '/api/v1/goal', body: { id: 'g1', domain_id: 'd1', name: 'g', path_pattern: '/y', visitors: 3 }, idempotent: true },
  ],
  ['goals.delete', (api) => api.goals.delete('g1'), { method: 'DELETE', path: '/api/v1/goal', query: { id: 'g1' }, idempotent: true }],
];

describe('management calls', () => {
  it('keeps every management call of the 2022 document (28); api-v1.test.ts checks the current one', () => {
    const { api } = capture();
    const names = (['domains', 'accessLinks', 'members', 'clients', 'reports', 'goals'] as const).flatMap((group) =>
      Object.keys(api[group]).map((method) => `${group}.${method}`),
    );
    expect(MANAGEMENT).toHaveLength(28);
    expect(names).toEqual(expect.arrayContaining(MANAGEMENT.map(([name]) => name)));
  });

  it.each(MANAGEMENT)('%s', async (call, run, expected) => {
    const { api, requests } = capture();
    await run(api);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({ ...expected, call });
  });

  it('turns a requester that throws synchronously into a rejected promise', async () => {
    const api = createApi((() => {
      throw new Error('boom');
    }) as ApiRequester);
    const pending = api.goals.list('d1');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow('boom');
    await expect(api.statistics.total(filter)).rejects.toThrow('boom');
  });
});
