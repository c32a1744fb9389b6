import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PirschClient } from '../client.js';
import type { Hit } from '../types.js';
import type { StatisticsFilter } from './types.js';
import { STATISTICS_PATHS } from './statistics.js';

/**
 * Statistics end to end: hits and events go out through the client, the emulator computes the
 * numbers from what it received, and the client reads them back over real HTTP.
 */
let emulator: PirschEmulator;
let client: PirschClient;
let filter: StatisticsFilter;

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

/** Visitor `n` (1-10) on `path`: 1-7 use Chrome on Windows, 8-10 Safari on an iPhone. */
function hit(visitor: number, path: string): Hit {
  return { url: `https://example.com${path}`, ip: `198.51.100.${visitor}`, user_agent: visitor <= 7 ? CHROME : SAFARI_IOS };
}

beforeAll(async () => {
  emulator = await createPirschEmulator();
  client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });
  // 10 visitors over 3 pages: 1-4 see `/` only (bounces), 5-7 `/` and `/pricing`, 8-10 all three.
  for (let visitor = 1; visitor <= 10; visitor++) {
    client.hit(hit(visitor, '/'));
    if (visitor >= 5) client.hit(hit(visitor, '/pricing'));
    if (visitor >= 8) client.hit(hit(visitor, '/signup'));
  }
  client.event('Signup', hit(8, '/signup'), { meta: { plan: 'pro' }, duration: 10 });
  client.event('Signup', hit(9, '/signup'), { meta: { plan: 'free' }, duration: 20 });
  client.event('Signup', hit(10, '/signup'), { meta: { plan: 'pro' }, duration: 30 });
  expect(await client.flush()).toBe(true);
  expect(emulator.hits).toHaveLength(19);
  const [domain] = await client.domains.list();
  // Dates (sent as their UTC day) from yesterday to today, so a run across midnight still sees every hit.
  filter = { id: domain?.id ?? '', from: new Date(Date.now() - 24 * 3600 * 1000), to: new Date() };
});

afterAll(async () => {
  await client?.close(1000);
  await emulator?.close();
});

const day = (date: Date | string) => (date instanceof Date ? date.toISOString().slice(0, 10) : date);

function lastRequest() {
  const request = emulator.requests.at(-1);
  if (!request) throw new Error('no request recorded');
  return request;
}

describe('numbers computed from the hits sent', () => {
  it('total: 10 visitors, 19 views, 10 sessions, 4 bounces', async () => {
    expect(await client.statistics.total(filter)).toEqual({ visitors: 10, views: 19, sessions: 10, bounces: 4, bounce_rate: 0.4, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
  });

  it('pages', async () => {
    const pages = await client.statistics.pages(filter);
    expect(pages.map((page) => [page.path, page.visitors, page.views, page.bounces, page.relative_visitors])).toEqual([
      ['/', 10, 10, 4, 1],
      ['/pricing', 6, 6, 0, 0.6],
      ['/signup', 3, 3, 0, 0.3],
    ]);
  });

  it('entry and exit pages', async () => {
    expect((await client.statistics.entryPages(filter)).map((page) => [page.path, page.entries, page.entry_rate])).toEqual([['/', 10, 1]]);
    expect((await client.statistics.exitPages(filter)).map((page) => [page.path, page.exits, page.exit_rate])).toEqual([
      ['/', 4, 0.4],
      ['/pricing', 3, 0.3],
      ['/signup', 3, 0.3],
    ]);
  });

  it('browsers, systems and platforms', async () => {
    expect(await client.statistics.browsers(filter)).toEqual([
      { browser: 'Chrome', visitors: 7, relative_visitors: 0.7 },
      { browser: 'Safari', visitors: 3, relative_visitors: 0.3 },
    ]);
    expect(await client.statistics.os(filter)).toEqual([
      { os: 'Windows', visitors: 7, relative_visitors: 0.7 },
      { os: 'iOS', visitors: 3, relative_visitors: 0.3 },
    ]);
    expect(await client.statistics.platforms(filter)).toMatchObject({ platform_desktop: 7, platform_mobile: 3, platform_unknown: 0 });
  });

  it('filters: path, limit, event and meta', async () => {
    expect(await client.statistics.total({ ...filter, path: '/pricing' })).toMatchObject({ visitors: 6, views: 6, bounces: 0 });
    expect(await client.statistics.pages({ ...filter, limit: 1 })).toHaveLength(1);
    expect(await client.statistics.total({ ...filter, event: 'Signup' })).toMatchObject({ visitors: 3, views: 9 });
    expect(await client.statistics.total({ ...filter, meta: { plan: 'pro' } })).toMatchObject({ visitors: 2, views: 6 });
    expect(lastRequest().query).toMatchObject({ meta_plan: 'pro' });
  });

  it('events, event metadata and the event list', async () => {
    expect(await client.statistics.events(filter)).toEqual([
      { name: 'Signup', count: 3, visitors: 3, views: 3, cr: 0.3, average_duration_seconds: 20, meta_keys: ['plan'] },
    ]);
    const meta = await client.statistics.eventMetadata({ ...filter, event: 'Signup', event_meta_key: 'plan' });
    expect(meta.map((row) => [row.meta_value, row.visitors])).toEqual([
      ['pro', 2],
      ['free', 1],
    ]);
    expect(await client.statistics.listEvents({ ...filter, meta: { plan: 'free' } })).toEqual([
      { name: 'Signup', meta: { plan: 'free' }, visitors: 1, count: 1 },
    ]);
  });

  it('active visitors of the past minutes', async () => {
    const active = await client.statistics.activeVisitors({ id: filter.id, start: 600 });
    expect(active.visitors).toBe(10);
    expect(active.stats[0]).toEqual({ path: '/', visitors: 10 });
    expect(lastRequest().query).toEqual({ id: filter.id, start: '600' });
  });

  it('a conversion goal created through the client shows up in the goal statistics', async () => {
    const goal = await client.goals.create({ domain_id: filter.id, name: 'Pricing', path_pattern: '/pricing' });
    try {
      expect(await client.statistics.conversionGoals(filter)).toEqual([{ page_goal: goal, stats: { visitors: 6, views: 6, cr: 0.6 } }]);
    } finally {
      await client.goals.delete(goal.id);
    }
  });
});

/**
 * The statistics the emulator computed before issue 14 (the 2022 document's). Every method of the
 * current document goes over HTTP in api-v1.test.ts, which checks the requests whatever the answer.
 */
const COMPUTED = [
  'sessionDuration', 'timeOfDay', 'utmSource', 'utmMedium', 'utmCampaign', 'utmContent', 'utmTerm', 'total', 'visitors', 'pages', 'entryPages',
  'exitPages', 'conversionGoals', 'events', 'eventMetadata', 'listEvents', 'growth', 'activeVisitors', 'languages', 'referrers', 'os',
  'osVersions', 'browsers', 'browserVersions', 'countries', 'cities', 'platforms', 'screenClasses', 'keywords', 'timeOnPage',
] as const;

describe('every statistics call over HTTP', () => {
  it.each(COMPUTED.map((name) => [name, STATISTICS_PATHS[name]]))('statistics.%s: GET /api/v1/statistics/%s', async (name, path) => {
    const call = (client.statistics as unknown as Record<string, (f: StatisticsFilter) => Promise<unknown>>)[name];
    // eventMetadata needs an event and a meta key (before issue 14 nothing checked that).
    const needs = name === 'eventMetadata' ? { event: 'Signup', event_meta_key: 'plan' } : {};
    const result = await call?.({ ...filter, limit: 5, ...needs });
    const request = lastRequest();
    expect(request.method).toBe('GET');
    expect(request.path).toBe(`/api/v1/statistics/${path}`);
    expect(request.query).toEqual({ id: filter.id, from: day(filter.from), to: day(filter.to), limit: '5', ...needs });
    expect(request.status).toBe(200);
    // Objects for total, growth, active and platform; lists for the rest.
    if (['total', 'growth', 'activeVisitors', 'platforms'].includes(name)) {
      expect(result).toBeTypeOf('object');
      expect(Array.isArray(result)).toBe(false);
    } else {
      expect(Array.isArray(result)).toBe(true);
    }
  });
});

describe('dates the API cannot read', () => {
  it.each([
    ['from', { from: new Date(8.64e15) }],
    ['to', { to: '2024-13-45' }],
  ])('%s out of range or off the calendar is a PirschConfigError before any request', async (option, dates) => {
    const before = emulator.requests.length;
    await expect(client.statistics.visitors({ ...filter, ...dates })).rejects.toMatchObject({ name: 'PirschConfigError', option });
    expect(emulator.requests.slice(before)).toEqual([]);
  });

  it('the edge days of the range go out as they are', async () => {
    await client.statistics.total({ ...filter, from: '0000-01-01', to: new Date('0000-01-01T00:00:00Z') });
    expect(lastRequest()).toMatchObject({ status: 200, query: { from: '0000-01-01', to: '0000-01-01' } });
    await client.statistics.total({ ...filter, from: new Date('9999-12-31T23:59:59.999Z'), to: '9999-12-31' });
    expect(lastRequest()).toMatchObject({ status: 200, query: { from: '9999-12-31', to: '9999-12-31' } });
  });
});
