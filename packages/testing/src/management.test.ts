import type { AccessLink, ConversionGoal, CreatedOAuthClient, Domain, EmailReport, Member } from '@pirsch-node/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleApiRoute, type RouteResult } from './api-routes.js';
import { DEFAULT_DOMAIN_ID, managementState, patternFromPathPattern, resetManagement } from './management.js';
import { createEmulatorStore, type EmulatorStore } from './store.js';

let store: EmulatorStore;

beforeEach(() => {
  store = createEmulatorStore();
});

function call(method: string, path: string, body?: unknown): RouteResult {
  const result = handleApiRoute(store, method, new URL(path, 'http://emulator.invalid'), body);
  if (!result) throw new Error(`no route for ${method} ${path}`);
  return result;
}

/** Calls and expects 200; returns the body. */
function ok<T = unknown>(method: string, path: string, body?: unknown): T {
  const result = call(method, path, body);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as T;
}

const D = DEFAULT_DOMAIN_ID;

describe('domains', () => {
  it('starts with the default domain and its owner', () => {
    const [domain] = ok<Domain[]>('GET', '/api/v1/domain');
    expect(domain).toMatchObject({
      id: D,
      hostname: 'example.com',
      public: false,
      google_user_id: null,
      new_owner: null,
      timezone: 'UTC',
      group_by_title: false,
      user_role: 'Owner',
    });
    expect(domain?.identification_code).toMatch(/^[0-9a-f]{32}$/);
    expect(ok<Member[]>('GET', `/api/v1/member?id=${D}`)).toEqual([expect.objectContaining({ role: 'owner', domain_id: D })]);
  });

  it('creates, lists and deletes a domain, with everything that belongs to it', () => {
    const created = ok<Domain>('POST', '/api/v1/domain', { hostname: 'shop.example', subdomain: 'shop', timezone: 'Europe/Berlin' });
    expect(created).toMatchObject({ hostname: 'shop.example', subdomain: 'shop', timezone: 'Europe/Berlin', user_role: 'Owner', public: false });
    expect(ok<Domain[]>('GET', '/api/v1/domain').map((domain) => domain.id)).toEqual([D, created.id]);
    ok('POST', '/api/v1/goal', { domain_id: created.id, name: 'Cart', path_pattern: '/cart' });
    ok('DELETE', `/api/v1/domain?id=${created.id}`);
    expect(ok<Domain[]>('GET', '/api/v1/domain').map((domain) => domain.id)).toEqual([D]);
    expect(managementState(store).goals).toEqual([]);
    expect(managementState(store).members.every((member) => member.domain_id === D)).toBe(true);
    expect(call('DELETE', `/api/v1/domain?id=${created.id}`).status).toBe(404);
  });

  it('validates a new domain', () => {
    expect(call('POST', '/api/v1/domain', { subdomain: 'emulator', timezone: 'Mars/Olympus' })).toEqual({
      status: 400,
      body: {
        validation: { hostname: 'the hostname is required', subdomain: 'the subdomain is already taken', timezone: 'unknown time zone' },
        error: [],
      },
    });
  });

  it('resets the identification code', () => {
    const before = managementState(store).domains[0]?.identification_code;
    const { identification_code } = ok<{ identification_code: string }>('PUT', '/api/v1/domain', { id: D });
    expect(identification_code).not.toBe(before);
    expect(managementState(store).domains[0]?.identification_code).toBe(identification_code);
    expect(call('PUT', '/api/v1/domain', { id: 'nope' }).status).toBe(404);
  });

  it('updates the subdomain and time zone, toggles public and grouping by title', () => {
    ok('POST', '/api/v1/domain/subdomain', { domain_id: D, subdomain: 'renamed' });
    ok('POST', '/api/v1/domain/timezone', { domain_id: D, timezone: 'Asia/Tokyo' });
    ok('POST', '/api/v1/domain/public', { domain_id: D });
    ok('POST', '/api/v1/domain/title', { domain_id: D });
    expect(managementState(store).domains[0]).toMatchObject({ subdomain: 'renamed', timezone: 'Asia/Tokyo', public: true, group_by_title: true });
    ok('POST', '/api/v1/domain/public', { domain_id: D });
    ok('POST', '/api/v1/domain/title', { domain_id: D });
    expect(managementState(store).domains[0]).toMatchObject({ public: false, group_by_title: false });
  });

  it('refuses bad settings and unknown domains', () => {
    expect(call('POST', '/api/v1/domain/subdomain', { domain_id: D }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/timezone', { domain_id: D, timezone: 'Nowhere' }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/public', {}).body).toEqual({ validation: { domain_id: 'the domain ID is required' }, error: [] });
    expect(call('POST', '/api/v1/domain/title', { domain_id: 'nope' })).toEqual({
      status: 404,
      body: { validation: {}, error: ['domain not found'] },
    });
    expect(call('GET', '/api/v1/domain/title').status).toBe(405);
  });
});

describe('access links', () => {
  it('creates, lists, updates and deletes', () => {
    const link = ok<AccessLink>('POST', '/api/v1/domain/link', { domain_id: D, description: 'for the board' });
    expect(link).toMatchObject({ domain_id: D, description: 'for the board' });
    expect(link.code).toMatch(/^[0-9a-f]{20}$/);
    ok('PUT', '/api/v1/domain/link', { id: link.id, description: 'for the team' });
    expect(ok<AccessLink[]>('GET', `/api/v1/domain/link?domain_id=${D}`)).toEqual([{ ...link, description: 'for the team', mod_time: expect.any(String) }]);
    ok('DELETE', `/api/v1/domain/link?id=${link.id}`);
    expect(ok('GET', `/api/v1/domain/link?domain_id=${D}`)).toEqual([]);
    expect(call('PUT', '/api/v1/domain/link', { id: link.id, description: 'x' }).status).toBe(404);
  });
});

describe('members', () => {
  it('invites viewers once per address, changes roles and removes', () => {
    ok('POST', '/api/v1/member', { id: D, emails: ['a@example.com', 'b@example.com'] });
    ok('POST', '/api/v1/member', { id: D, emails: ['a@example.com'] });
    const members = ok<Member[]>('GET', `/api/v1/member?id=${D}`);
    expect(members.map((member) => [member.user.email, member.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['a@example.com', 'viewer'],
      ['b@example.com', 'viewer'],
    ]);
    const a = members[1] as Member;
    ok('PUT', '/api/v1/member', { id: a.id, role: 'Admin' });
    ok('DELETE', `/api/v1/member?id=${members[2]?.id}`);
    expect(ok<Member[]>('GET', `/api/v1/member?id=${D}`).map((member) => [member.user.email, member.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['a@example.com', 'admin'],
    ]);
  });

  it('refuses bad emails, bad roles and changing the owner', () => {
    const owner = managementState(store).members[0] as Member;
    expect(call('POST', '/api/v1/member', { id: D, emails: ['not-an-email'] }).status).toBe(400);
    expect(call('POST', '/api/v1/member', { id: D, emails: [] }).status).toBe(400);
    expect(call('PUT', '/api/v1/member', { id: owner.id, role: 'admin' }).status).toBe(400);
    expect(call('PUT', '/api/v1/member', { id: owner.id, role: 'owner' }).body).toEqual({
      validation: { role: 'the role must be admin or viewer' },
      error: [],
    });
    expect(call('DELETE', `/api/v1/member?id=${owner.id}`).status).toBe(400);
    expect(call('DELETE', '/api/v1/member?id=nope').status).toBe(404);
  });
});

describe('clients', () => {
  it('creates with a secret, lists without it, updates by POST with an id, deletes', () => {
    const created = ok<CreatedOAuthClient>('POST', '/api/v1/client', {
      domain_id: D,
      description: 'backend',
      scope_hit: 'w',
      scope_event: 'w',
      scope_statistics: 'r',
      scope_domains: 'w',
    });
    expect(created.client_id).toHaveLength(32);
    expect(created.client_secret).toHaveLength(64);
    const { client_secret: _secret, ...listed } = created;
    expect(ok('GET', `/api/v1/client?id=${D}`)).toEqual([listed]);
    const updated = ok('POST', '/api/v1/client', { id: created.id, description: 'renamed' });
    expect(updated).toEqual({ ...listed, description: 'renamed', mod_time: expect.any(String) });
    expect(updated).not.toHaveProperty('client_secret');
    ok('DELETE', `/api/v1/client?id=${created.id}`);
    expect(ok('GET', `/api/v1/client?id=${D}`)).toEqual([]);
  });

  it('refuses scopes the API does not have', () => {
    const result = call('POST', '/api/v1/client', { domain_id: D, description: 'x', scope_hit: 'r', scope_statistics: 'w' });
    expect(result.status).toBe(400);
    expect(Object.keys((result.body as { validation: object }).validation)).toEqual(['scope_hit', 'scope_statistics']);
    expect(call('POST', '/api/v1/client', { id: 'nope', description: 'x' }).status).toBe(404);
  });
});

describe('reports', () => {
  it('creates one per address, updates the interval, deletes', () => {
    const created = ok<EmailReport[]>('POST', '/api/v1/report', { domain_id: D, emails: ['a@example.com', 'b@example.com'], interval: 1 });
    expect(created.map((report) => [report.email, report.interval])).toEqual([
      ['a@example.com', 1],
      ['b@example.com', 1],
    ]);
    const first = created[0] as EmailReport;
    expect(Date.parse(first.next_report) - Date.parse(first.def_time)).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000 - 1000);
    const updated = ok<EmailReport>('PUT', '/api/v1/report', { id: first.id, interval: 4 });
    expect(updated).toMatchObject({ id: first.id, interval: 4 });
    ok('DELETE', `/api/v1/report?id=${first.id}`);
    expect(ok<EmailReport[]>('GET', `/api/v1/report?id=${D}`).map((report) => report.email)).toEqual(['b@example.com']);
  });

  it('refuses a missing interval or bad emails', () => {
    expect(call('POST', '/api/v1/report', { domain_id: D, emails: ['a@example.com'] }).status).toBe(400);
    expect(call('POST', '/api/v1/report', { domain_id: D, emails: 'a@example.com', interval: 1 }).status).toBe(400);
    expect(call('PUT', '/api/v1/report', { id: 'nope', interval: 2 }).status).toBe(404);
  });
});

describe('goals', () => {
  it('creates (0 means unset), lists, updates and deletes', () => {
    const goal = ok<ConversionGoal>('POST', '/api/v1/goal', {
      domain_id: D,
      name: 'Checkout',
      path_pattern: '/checkout/**',
      visitors: 0,
      cr: 1.5,
      delete_reached: false,
      email_reached: true,
    });
    expect(goal).toMatchObject({
      domain_id: D,
      name: 'Checkout',
      path_pattern: '/checkout/**',
      pattern: '(?i)^/checkout/.*$',
      visitor_goal: null,
      cr_goal: 1.5,
      delete_reached: false,
      email_reached: true,
    });
    expect(ok('GET', `/api/v1/goal?id=${D}`)).toEqual([goal]);
    const updated = ok<ConversionGoal>('PUT', '/api/v1/goal', { id: goal.id, domain_id: D, name: 'Paid', path_pattern: '/paid', visitors: 10, cr: 0 });
    expect(updated).toMatchObject({ id: goal.id, name: 'Paid', pattern: '(?i)^/paid$', visitor_goal: 10, cr_goal: null, email_reached: false });
    ok('DELETE', `/api/v1/goal?id=${goal.id}`);
    expect(ok('GET', `/api/v1/goal?id=${D}`)).toEqual([]);
  });

  it('validates, and a refused update changes nothing', () => {
    expect(call('POST', '/api/v1/goal', { domain_id: D, path_pattern: 'checkout' }).body).toEqual({
      validation: { name: 'the name is required', path_pattern: 'the path pattern is required and starts with /' },
      error: [],
    });
    const goal = ok<ConversionGoal>('POST', '/api/v1/goal', { domain_id: D, name: 'A', path_pattern: '/a' });
    expect(call('PUT', '/api/v1/goal', { id: goal.id, name: '', path_pattern: '/b' }).status).toBe(400);
    expect(ok<ConversionGoal[]>('GET', `/api/v1/goal?id=${D}`)[0]).toMatchObject({ name: 'A', path_pattern: '/a' });
    expect(call('GET', '/api/v1/goal').status).toBe(400);
    expect(call('GET', '/api/v1/goal?id=nope').status).toBe(404);
  });

  it.each([
    ['/checkout/**', '(?i)^/checkout/.*$'],
    ['/blog/*', '(?i)^/blog/[^/]+$'],
    ['/a.b?c', '(?i)^/a\\.b\\?c$'],
  ])('turns the path pattern %s into %s', (pathPattern, pattern) => {
    expect(patternFromPathPattern(pathPattern)).toBe(pattern);
  });
});

describe('state', () => {
  it('is kept per store, and resetManagement starts again with the default domain', () => {
    ok('POST', '/api/v1/goal', { domain_id: D, name: 'A', path_pattern: '/a' });
    expect(managementState(createEmulatorStore()).goals).toEqual([]);
    resetManagement(store);
    expect(ok('GET', `/api/v1/goal?id=${D}`)).toEqual([]);
    expect(ok<Domain[]>('GET', '/api/v1/domain')).toHaveLength(1);
  });

  it('leaves paths it does not know to the server', () => {
    expect(handleApiRoute(store, 'GET', new URL('http://emulator.invalid/api/v1/nope'), undefined)).toBeUndefined();
  });
});
