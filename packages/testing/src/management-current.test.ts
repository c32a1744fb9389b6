import { beforeEach, describe, expect, it } from 'vitest';
import { handleApiRoute, type RouteResult } from './api-routes.js';
import { DEFAULT_DOMAIN_ID, managementState } from './management.js';
import { createEmulatorStore, type EmulatorStore, type ReceivedHit } from './store.js';
import { sampleUserAgents } from './user-agent.js';

let store: EmulatorStore;

beforeEach(() => {
  store = createEmulatorStore();
});

function call(method: string, path: string, body?: unknown): RouteResult {
  const result = handleApiRoute(store, method, new URL(path, 'http://emulator.invalid'), body);
  if (!result) throw new Error(`no route for ${method} ${path}`);
  return result;
}

function ok<T = Record<string, unknown>>(method: string, path: string, body?: unknown): T {
  const result = call(method, path, body);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as T;
}

const D = DEFAULT_DOMAIN_ID;
const domain = () => managementState(store).domains[0] as unknown as Record<string, unknown>;

describe('domain settings of the current document', () => {
  it('has the current fields, and updates hostname, display name, scripts, week start, active time, settings, metadata, noindex and custom domain', () => {
    expect(domain()).toMatchObject({ display_name: '', active_visitors_seconds: 600, disable_scripts: false, settings: {}, metadata: {}, custom_domain: null });
    ok('POST', '/api/v1/domain/hostname', { domain_id: D, hostname: 'new.example' });
    ok('POST', '/api/v1/domain/name', { domain_id: D, display_name: 'My Site' });
    ok('POST', '/api/v1/domain/scripts', { domain_id: D });
    ok('POST', '/api/v1/domain/start-week-sunday', { domain_id: D });
    ok('POST', '/api/v1/domain/active', { domain_id: D, time: 120 });
    ok('POST', '/api/v1/domain/settings', { domain_id: D, settings: { funnels: true, funnels_public: false } });
    ok('POST', '/api/v1/domain/metadata', { domain_id: D, metadata: { team: 'growth' } });
    ok('PUT', '/api/v1/domain/noindex', { domain_id: D });
    ok('POST', '/api/v1/domain/custom', { domain_id: D, hostname: 'stats.example' });
    expect(domain()).toMatchObject({
      hostname: 'new.example',
      display_name: 'My Site',
      disable_scripts: true,
      start_week_sunday: true,
      active_visitors_seconds: 120,
      settings: { funnels: true, funnels_public: false },
      metadata: { team: 'growth' },
      noindex: true,
      custom_domain: 'stats.example',
    });
    expect(ok('GET', '/api/v1/domain/custom?domain=stats.example')).toEqual({ exists: true });
    expect(ok('GET', '/api/v1/domain/custom?domain=other.example')).toEqual({ exists: false });
    expect(ok<unknown[]>('GET', '/api/v1/domain?search=NEW')).toHaveLength(1);
    expect(ok<unknown[]>('GET', '/api/v1/domain?search=nothing')).toHaveLength(0);
  });

  it('refuses bad values', () => {
    expect(call('POST', '/api/v1/domain/hostname', { domain_id: D, hostname: 'https://x.example/' }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/active', { domain_id: D, time: -1 }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/settings', { domain_id: D, settings: { funnels: 'yes' } }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/metadata', { domain_id: D, metadata: [] }).status).toBe(400);
    expect(call('POST', '/api/v1/domain/noindex', { domain_id: D }).status).toBe(405);
    expect(call('POST', '/api/v1/domain/name', { domain_id: 'nope', display_name: 'x' }).status).toBe(404);
  });
});

describe('conversion goals with events, tags and custom metrics; the regex test', () => {
  it('stores the current fields and answers null for what is not set', () => {
    const goal = ok('POST', '/api/v1/goal', {
      domain_id: D,
      name: 'Revenue',
      event_name: 'Purchase',
      event_meta_key: 'currency',
      event_meta_value: 'USD',
      custom_metric_key: 'amount',
      custom_metric_type: 'float',
      custom_metric_total_goal: 346,
      tags: ['blog'],
    });
    expect(goal).toMatchObject({ path_pattern: null, pattern: null, event_name: 'Purchase', custom_metric_type: 'float', custom_metric_total_goal: 346, custom_metric_avg_goal: null, tags: ['blog'] });
    expect(call('POST', '/api/v1/goal', { domain_id: D, name: 'x', custom_metric_key: 'amount' }).body).toMatchObject({
      validation: { custom_metric_key: expect.any(String), path_pattern: expect.any(String) },
    });
    expect(ok<unknown[]>('GET', `/api/v1/goal?id=${D}&search=rev`)).toHaveLength(1);
    expect(ok<unknown[]>('GET', `/api/v1/goal?id=${D}&search=zzz`)).toHaveLength(0);
  });

  it('POST /goal/regex matches with the linear-time engine, and refuses what RE2 refuses', () => {
    expect(ok('POST', '/api/v1/goal/regex', { regex: '(?i)^/regular/expression/[^/]*$', sample: '/Regular/expression/example' })).toEqual({ match: true });
    expect(ok('POST', '/api/v1/goal/regex', { regex: '^/(a+)+$', sample: `/${'a'.repeat(40)}!` })).toEqual({ match: false });
    expect(call('POST', '/api/v1/goal/regex', { regex: '(a)\\1', sample: 'aa' }).status).toBe(400);
    expect(call('POST', '/api/v1/goal/regex', { sample: 'x' }).status).toBe(400);
  });
});

describe('funnels', () => {
  const steps = [
    { name: 'Home', filter: { path: ['/'] } },
    { name: 'Signup', filter: { event_name: ['Signup'], tags: { plan: 'pro' } } },
  ];

  it('creates, lists (with search), updates by id, lists tags and deletes', () => {
    const funnel = ok<{ id: string; steps: Array<{ id: string; step: number; funnel_id: string }> }>('POST', '/api/v1/funnel', { domain_id: D, name: 'Signup', steps });
    expect(funnel.steps.map((step) => [step.step, step.funnel_id])).toEqual([
      [0, funnel.id],
      [1, funnel.id],
    ]);
    expect(ok<unknown[]>('GET', `/api/v1/funnel?id=${D}&search=sign`)).toEqual([funnel]);
    const updated = ok<{ id: string; name: string; steps: Array<{ id: string }> }>('POST', '/api/v1/funnel', { domain_id: D, id: funnel.id, name: 'Renamed', steps });
    expect(updated).toMatchObject({ id: funnel.id, name: 'Renamed' });
    expect(updated.steps[0]?.id).toBe(funnel.steps[0]?.id);
    expect(ok('GET', `/api/v1/funnel/tags?id=${D}`)).toEqual(['plan']);
    ok('DELETE', `/api/v1/funnel?id=${funnel.id}`);
    expect(ok('GET', `/api/v1/funnel?id=${D}`)).toEqual([]);
  });

  it('validates the name, at least two steps, step names and filter fields', () => {
    expect(call('POST', '/api/v1/funnel', { domain_id: D, steps: [{ name: 'only' }] }).body).toEqual({
      validation: { name: 'the name is required', steps: 'a funnel needs at least two steps' },
      error: [],
    });
    const bad = call('POST', '/api/v1/funnel', {
      domain_id: D,
      name: 'x',
      steps: [{ name: '', filter: { path: '/' } }, { name: 'b', filter: { path_regex: ['(?=x)'], platform: 'tv' } }],
    });
    expect(Object.keys((bad.body as { validation: object }).validation).sort()).toEqual([
      'steps.0.filter.path',
      'steps.0.name',
      'steps.1.filter.path_regex',
      'steps.1.filter.platform',
    ]);
    expect(call('POST', '/api/v1/funnel', { domain_id: D, id: 'nope', name: 'x', steps }).status).toBe(404);
  });
});

describe('webhooks, traffic filters and traffic notifications', () => {
  it('webhooks: create, update (activates again), list, delete; an endpoint must be http(s)', () => {
    const hook = ok('POST', '/api/v1/webhook', { domain_id: D, description: 'Slack', event: 'Signup', endpoint: 'https://hooks.example/x' });
    expect(hook).toMatchObject({ domain_id: D, event: 'Signup', endpoint: 'https://hooks.example/x', active: true });
    (managementState(store).webhooks[0] as Record<string, unknown>).active = false;
    expect(ok('POST', '/api/v1/webhook', { id: hook.id, event: 'Signup', endpoint: 'https://hooks.example/y' })).toMatchObject({ active: true, endpoint: 'https://hooks.example/y' });
    expect(ok<unknown[]>('GET', `/api/v1/webhook?domain_id=${D}`)).toHaveLength(1);
    expect(call('POST', '/api/v1/webhook', { domain_id: D, event: 'x', endpoint: 'ftp://x' }).body).toEqual({ validation: { endpoint: 'an http(s) URL is required' }, error: [] });
    ok('DELETE', `/api/v1/webhook?id=${String(hook.id)}`);
    expect(ok('GET', `/api/v1/webhook?domain_id=${D}`)).toEqual([]);
  });

  it('traffic filters: typed and checked', () => {
    const filter = ok('POST', '/api/v1/filter', { domain_id: D, type: 'ip', description: 'office', filter: '89.56.99.71' });
    expect(filter).toMatchObject({ type: 'ip', filter: '89.56.99.71' });
    expect(call('POST', '/api/v1/filter', { domain_id: D, type: 'ip', filter: 'not-an-ip' }).status).toBe(400);
    expect(call('POST', '/api/v1/filter', { domain_id: D, type: 'colour', filter: 'x' }).status).toBe(400);
    expect(ok<unknown[]>('GET', `/api/v1/filter?domain_id=${D}`)).toEqual([filter]);
  });

  it('spike and warning: PUT toggles, POST sets the threshold', () => {
    ok('PUT', '/api/v1/traffic/spike', { domain_id: D });
    ok('POST', '/api/v1/traffic/spike', { domain_id: D, threshold: 100 });
    ok('PUT', '/api/v1/traffic/warning', { domain_id: D });
    ok('POST', '/api/v1/traffic/warning', { domain_id: D, threshold: 5 });
    expect(domain()).toMatchObject({ traffic_spike_notifications: true, traffic_spike_threshold: 100, traffic_warning: true, traffic_warning_threshold_days: 5 });
    expect(call('POST', '/api/v1/traffic/spike', { domain_id: D, threshold: 1.5 }).status).toBe(400);
    expect(call('GET', '/api/v1/traffic/spike').status).toBe(405);
  });
});

describe('invitations, alternative domains, snippets, views, access links, clients and reports', () => {
  it('invitations: one per new address, listed with the domain, accepted or deleted', () => {
    ok('POST', '/api/v1/member', { id: D, emails: ['a@example.com', 'b@example.com'] });
    const invitations = ok<Array<{ id: string; email: string; domain: { id: string } }>>('GET', `/api/v1/invitation?domain_id=${D}`);
    expect(invitations.map((invitation) => [invitation.email, invitation.domain.id])).toEqual([
      ['a@example.com', D],
      ['b@example.com', D],
    ]);
    ok('POST', '/api/v1/invitation', { id: invitations[0]?.id });
    ok('DELETE', '/api/v1/invitation', { domain_id: D, id: invitations[1]?.id });
    expect(ok('GET', '/api/v1/invitation')).toEqual([]);
    expect(call('DELETE', '/api/v1/invitation', { id: 'nope' }).status).toBe(404);
  });

  it('alternative domains: hits on them count towards their domain', () => {
    const shop = ok<{ id: string }>('POST', '/api/v1/domain', { hostname: 'shop.example', subdomain: 'shop', timezone: 'UTC' });
    const alternative = ok('POST', '/api/v1/domain/alternative', { domain_id: shop.id, hostname: 'shop-mirror.example' });
    expect(call('POST', '/api/v1/domain/alternative', { domain_id: shop.id, hostname: 'https://bad/' }).status).toBe(400);
    store.hits.push({ url: 'https://shop-mirror.example/', ip: '192.0.2.1', user_agent: sampleUserAgents.firefoxLinux, time: '2024-05-01T10:00:00Z' } as ReceivedHit);
    const total = () => ok('GET', `/api/v1/statistics/total?id=${shop.id}&from=2024-05-01&to=2024-05-01`);
    expect(total()).toMatchObject({ visitors: 1 });
    ok('PUT', '/api/v1/domain/alternative', { id: alternative.id, hostname: 'other.example' });
    expect(total()).toMatchObject({ visitors: 0 });
    expect(ok<unknown[]>('GET', `/api/v1/domain/alternative?domain_id=${shop.id}`)).toHaveLength(1);
    ok('DELETE', `/api/v1/domain/alternative?id=${String(alternative.id)}`);
    expect(ok('GET', `/api/v1/domain/alternative?domain_id=${shop.id}`)).toEqual([]);
  });

  it('snippets: defaults until set, one per type', () => {
    expect(ok('GET', `/api/v1/domain/snippet?domain_id=${D}&type=event`)).toMatchObject({ type: 'event', dev: false, include: '' });
    ok('POST', '/api/v1/domain/snippet', { domain_id: D, type: 'event', dev: true, include: '/a,/b', endpoint: 'https://proxy.example/hit' });
    ok('POST', '/api/v1/domain/snippet', { domain_id: D, type: 'event', dev: true, include: '/c' });
    expect(ok('GET', `/api/v1/domain/snippet?domain_id=${D}&type=event`)).toMatchObject({ type: 'event', dev: true, include: '/c', endpoint: '' });
    expect(managementState(store).snippets).toHaveLength(1);
    expect(call('POST', '/api/v1/domain/snippet', { domain_id: D, type: 'banner' }).status).toBe(400);
    expect(call('GET', `/api/v1/domain/snippet?domain_id=${D}&type=banner`).status).toBe(400);
  });

  it('views: create, update, list with search, delete; dates and lists checked', () => {
    const view = ok('POST', '/api/v1/view', { domain_id: D, name: 'Blog', from: '2024-01-01', to: '2024-02-01', path: ['/blog'], compare: 'previous' });
    expect(view).toMatchObject({ name: 'Blog', path: ['/blog'], compare: 'previous', entry_path: null, visitor_id: null });
    expect(ok('POST', '/api/v1/view', { id: view.id, name: 'Blog posts' })).toMatchObject({ id: view.id, name: 'Blog posts', path: null });
    expect(ok<unknown[]>('GET', `/api/v1/view?domain_id=${D}&search=posts`)).toHaveLength(1);
    expect(call('POST', '/api/v1/view', { domain_id: D, name: 'x', from: 'yesterday', path: '/blog' }).body).toMatchObject({
      validation: { from: expect.any(String), path: expect.any(String) },
    });
    ok('DELETE', `/api/v1/view?id=${String(view.id)}`);
    expect(ok('GET', `/api/v1/view?domain_id=${D}`)).toEqual([]);
  });

  it('access links keep valid_until; clients take a type and every scope; reports may be daily and carry their options', () => {
    expect(ok('POST', '/api/v1/domain/link', { domain_id: D, description: 'x', valid_until: '2030-01-01T00:00:00Z' })).toMatchObject({ valid_until: '2030-01-01T00:00:00.000Z' });
    expect(call('POST', '/api/v1/domain/link', { domain_id: D, valid_until: 'soon' }).status).toBe(400);
    expect(ok('POST', '/api/v1/client', { domain_id: D, type: 'token', scope_session: 'w', scope_billing: 'r' })).toMatchObject({ scope_session: 'w', scope_billing: 'r' });
    expect(Object.keys((call('POST', '/api/v1/client', { domain_id: D, type: 'magic', scope_billing: 'w' }).body as { validation: object }).validation)).toEqual([
      'scope_billing',
      'type',
    ]);
    const [report] = ok<Array<Record<string, unknown>>>('POST', '/api/v1/report', {
      domain_id: D,
      emails: ['a@example.com'],
      interval: 0,
      link_to: 'public',
      top_pages: true,
      reply_to: 'reply@example.com',
      start_date: '2030-02-16',
    });
    expect(report).toMatchObject({ interval: 0, link_to: 'public', top_pages: true, reply_to: 'reply@example.com', next_report: '2030-02-16T00:00:00.000Z' });
    expect(call('POST', '/api/v1/report', { domain_id: D, emails: ['a@example.com'], interval: 1, link_to: 'somewhere' }).status).toBe(400);
    expect(ok('PUT', '/api/v1/report', { id: report?.id, interval: 2, summary: false })).toMatchObject({ interval: 2, summary: false, link_to: 'public' });
  });

  it('deleting a domain deletes its funnels, webhooks, filters, alternatives, snippets, views and invitations', () => {
    const shop = ok<{ id: string }>('POST', '/api/v1/domain', { hostname: 'shop.example', subdomain: 'shop', timezone: 'UTC' });
    ok('POST', '/api/v1/funnel', { domain_id: shop.id, name: 'F', steps: [{ name: 'a' }, { name: 'b' }] });
    ok('POST', '/api/v1/webhook', { domain_id: shop.id, event: 'E', endpoint: 'https://x.example/' });
    ok('POST', '/api/v1/filter', { domain_id: shop.id, type: 'path', filter: '/admin' });
    ok('POST', '/api/v1/domain/alternative', { domain_id: shop.id, hostname: 'alt.example' });
    ok('POST', '/api/v1/domain/snippet', { domain_id: shop.id, type: 'event' });
    ok('POST', '/api/v1/view', { domain_id: shop.id, name: 'V' });
    ok('POST', '/api/v1/member', { id: shop.id, emails: ['x@example.com'] });
    ok('DELETE', `/api/v1/domain?id=${shop.id}`);
    const state = managementState(store);
    for (const list of [state.funnels, state.webhooks, state.filters, state.alternatives, state.snippets, state.views, state.invitations]) expect(list).toEqual([]);
  });
});
