import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from '../client.js';

/**
 * Every management call through the client against the emulator, over real HTTP: what went over
 * the wire (method, path, query, body), what came back, and that the emulator's state changed.
 */
let emulator: PirschEmulator;
let client: PirschClient;
let domainId: string;

beforeAll(async () => {
  emulator = await createPirschEmulator();
  client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });
  const [domain] = await client.domains.list();
  domainId = domain?.id ?? '';
});

afterAll(async () => {
  await client?.close(1000);
  await emulator?.close();
});

/** The request the emulator saw last, as method, path, query and body. */
function sent() {
  const request = emulator.requests.at(-1);
  if (!request) throw new Error('no request recorded');
  return { method: request.method, path: request.path, query: request.query, body: request.body };
}

describe('domains', () => {
  it('list: GET /api/v1/domain gives the emulator domain', async () => {
    const domains = await client.domains.list();
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/domain', query: {}, body: undefined });
    expect(domains).toHaveLength(1);
    expect(domains[0]).toMatchObject({ id: 'emulator-domain', hostname: 'example.com', google_user_id: null, new_owner: null });
  });

  it('create, resetIdentificationCode, the settings, and delete', async () => {
    const created = await client.domains.create({ hostname: 'shop.example', subdomain: 'shop', timezone: 'Europe/Berlin' });
    expect(sent()).toEqual({
      method: 'POST',
      path: '/api/v1/domain',
      query: {},
      body: { hostname: 'shop.example', subdomain: 'shop', timezone: 'Europe/Berlin' },
    });
    expect(created).toMatchObject({ hostname: 'shop.example', subdomain: 'shop', timezone: 'Europe/Berlin', public: false });
    expect((await client.domains.list()).map((domain) => domain.id)).toContain(created.id);

    const code = await client.domains.resetIdentificationCode(created.id);
    expect(sent()).toEqual({ method: 'PUT', path: '/api/v1/domain', query: {}, body: { id: created.id } });
    expect(code.identification_code).not.toBe(created.identification_code);

    await expect(client.domains.updateSubdomain(created.id, 'store')).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/domain/subdomain', query: {}, body: { domain_id: created.id, subdomain: 'store' } });
    await expect(client.domains.togglePublic(created.id)).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/domain/public', query: {}, body: { domain_id: created.id } });
    await expect(client.domains.toggleGroupByTitle(created.id)).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/domain/title', query: {}, body: { domain_id: created.id } });
    await expect(client.domains.updateTimezone(created.id, 'Asia/Tokyo')).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/domain/timezone', query: {}, body: { domain_id: created.id, timezone: 'Asia/Tokyo' } });
    const changed = (await client.domains.list()).find((domain) => domain.id === created.id);
    expect(changed).toMatchObject({ subdomain: 'store', public: true, group_by_title: true, timezone: 'Asia/Tokyo', identification_code: code.identification_code });

    await expect(client.domains.delete(created.id)).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/domain', query: { id: created.id }, body: undefined });
    expect((await client.domains.list()).map((domain) => domain.id)).not.toContain(created.id);
  });
});

describe('access links', () => {
  it('list, create, update, delete', async () => {
    expect(await client.accessLinks.list(domainId)).toEqual([]);
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/domain/link', query: { domain_id: domainId }, body: undefined });

    const link = await client.accessLinks.create({ domain_id: domainId, description: 'board' });
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/domain/link', query: {}, body: { domain_id: domainId, description: 'board' } });
    expect(link).toMatchObject({ domain_id: domainId, description: 'board', code: expect.any(String) });

    await expect(client.accessLinks.update({ id: link.id, description: 'team' })).resolves.toBeUndefined();
    expect(sent()).toEqual({ method: 'PUT', path: '/api/v1/domain/link', query: {}, body: { id: link.id, description: 'team' } });
    expect((await client.accessLinks.list(domainId)).map((l) => l.description)).toEqual(['team']);

    await client.accessLinks.delete(link.id);
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/domain/link', query: { id: link.id }, body: undefined });
    expect(await client.accessLinks.list(domainId)).toEqual([]);
  });
});

describe('members', () => {
  it('list, invite, updateRole, remove', async () => {
    const owners = await client.members.list(domainId);
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/member', query: { id: domainId }, body: undefined });
    expect(owners.map((member) => member.role)).toEqual(['owner']);

    await client.members.invite(domainId, ['ada@example.com']);
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/member', query: {}, body: { id: domainId, emails: ['ada@example.com'] } });
    const ada = (await client.members.list(domainId)).find((member) => member.user.email === 'ada@example.com');
    expect(ada).toMatchObject({ role: 'viewer', domain_id: domainId });

    await client.members.updateRole(ada?.id ?? '', 'admin');
    expect(sent()).toEqual({ method: 'PUT', path: '/api/v1/member', query: {}, body: { id: ada?.id, role: 'admin' } });
    expect((await client.members.list(domainId)).find((member) => member.id === ada?.id)?.role).toBe('admin');

    await client.members.remove(ada?.id ?? '');
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/member', query: { id: ada?.id }, body: undefined });
    expect(await client.members.list(domainId)).toEqual(owners);
  });
});

describe('clients', () => {
  it('list, create (with the secret), update (a POST), delete', async () => {
    expect(await client.clients.list(domainId)).toEqual([]);
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/client', query: { id: domainId }, body: undefined });

    const input = { domain_id: domainId, description: 'backend', scope_hit: 'w', scope_event: 'w', scope_statistics: 'r', scope_domains: 'r' } as const;
    const created = await client.clients.create(input);
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/client', query: {}, body: input });
    expect(created).toMatchObject({ ...input, client_id: expect.any(String), client_secret: expect.any(String) });
    expect(created.client_secret).toHaveLength(64);

    const updated = await client.clients.update({ id: created.id, description: 'renamed' });
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/client', query: {}, body: { id: created.id, description: 'renamed' } });
    expect(updated).toMatchObject({ id: created.id, description: 'renamed' });
    expect(updated).not.toHaveProperty('client_secret');

    await client.clients.delete(created.id);
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/client', query: { id: created.id }, body: undefined });
    expect(await client.clients.list(domainId)).toEqual([]);
  });
});

describe('reports', () => {
  it('list, create (one per address), update, delete', async () => {
    expect(await client.reports.list(domainId)).toEqual([]);
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/report', query: { id: domainId }, body: undefined });

    const created = await client.reports.create({ domain_id: domainId, emails: ['a@example.com', 'b@example.com'], interval: 1 });
    expect(sent()).toEqual({
      method: 'POST',
      path: '/api/v1/report',
      query: {},
      body: { domain_id: domainId, emails: ['a@example.com', 'b@example.com'], interval: 1 },
    });
    expect(created.map((report) => report.email)).toEqual(['a@example.com', 'b@example.com']);

    const first = created[0];
    const updated = await client.reports.update({ id: first?.id ?? '', interval: 4 });
    expect(sent()).toEqual({ method: 'PUT', path: '/api/v1/report', query: {}, body: { id: first?.id, interval: 4 } });
    expect(updated).toMatchObject({ id: first?.id, interval: 4 });

    await client.reports.delete(first?.id ?? '');
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/report', query: { id: first?.id }, body: undefined });
    expect((await client.reports.list(domainId)).map((report) => report.email)).toEqual(['b@example.com']);
  });
});

describe('goals', () => {
  it('list, create, update, delete: a created goal is listed, a deleted one is gone', async () => {
    expect(await client.goals.list(domainId)).toEqual([]);
    expect(sent()).toEqual({ method: 'GET', path: '/api/v1/goal', query: { id: domainId }, body: undefined });

    const input = { domain_id: domainId, name: 'Checkout', path_pattern: '/checkout/**', visitors: 0, cr: 1.23, delete_reached: false, email_reached: true };
    const goal = await client.goals.create(input);
    expect(sent()).toEqual({ method: 'POST', path: '/api/v1/goal', query: {}, body: input });
    expect(goal).toMatchObject({ name: 'Checkout', path_pattern: '/checkout/**', visitor_goal: null, cr_goal: 1.23, email_reached: true });
    expect(await client.goals.list(domainId)).toEqual([goal]);

    const updated = await client.goals.update({ ...input, id: goal.id, name: 'Paid', visitors: 100 });
    expect(sent()).toEqual({ method: 'PUT', path: '/api/v1/goal', query: {}, body: { ...input, id: goal.id, name: 'Paid', visitors: 100 } });
    expect(updated).toMatchObject({ id: goal.id, name: 'Paid', visitor_goal: 100 });

    await client.goals.delete(goal.id);
    expect(sent()).toEqual({ method: 'DELETE', path: '/api/v1/goal', query: { id: goal.id }, body: undefined });
    expect(await client.goals.list(domainId)).toEqual([]);
  });
});
