import { inflateRawSync } from 'node:zlib';
import type { Hit } from '@pirsch-node/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleApiRoute, type RouteResult } from './api-routes.js';
import { createPirschEmulator, type PirschEmulator } from './emulator.js';
import { locate } from './geo.js';
import { DEFAULT_DOMAIN_ID } from './management.js';
import { computeStatistics, isStatisticsPath, STATISTICS_ENDPOINTS } from './statistics.js';
import { createEmulatorStore, type EmulatorStore, type ReceivedEvent, type ReceivedHit } from './store.js';
import { sampleUserAgents } from './user-agent.js';

let store: EmulatorStore;

beforeEach(() => {
  store = createEmulatorStore();
});

function call(method: string, path: string, query: Record<string, string | number | string[]> = {}, body?: unknown): RouteResult {
  const url = new URL(path, 'http://emulator.invalid');
  for (const [key, value] of Object.entries(query)) {
    for (const entry of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(entry));
  }
  const result = handleApiRoute(store, method, url, body);
  if (!result) throw new Error(`no route for ${method} ${path}`);
  return result;
}

function stats<T = unknown>(endpoint: string, query: Record<string, string | number | string[]> = {}): T {
  const result = call('GET', `/api/v1/statistics/${endpoint}`, { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', ...query });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as T;
}

function hit(ip: string, path: string, time: string, extra: Partial<Hit> = {}): void {
  store.hits.push({ url: `https://example.com${path}`, ip, user_agent: sampleUserAgents.firefoxLinux, time, ...extra } as ReceivedHit);
}

function event(ip: string, name: string, time: string, extra: Partial<ReceivedEvent> = {}): void {
  store.events.push({ url: 'https://example.com/signup', ip, user_agent: sampleUserAgents.firefoxLinux, event_name: name, time, ...extra });
}

const at = (hour: number, minute = 0) => `2024-05-01T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`;
const column = <T>(rows: T[], field: keyof T) => rows.map((row) => row[field]);

describe('the current document: every statistics path is served', () => {
  // Every `GET /api/v1/statistics/...` of the document (July 2026): 45 statistics and 21 filter options.
  const DOCUMENTED = [
    'active', 'browser', 'browser/version', 'channel', 'city', 'country', 'duration/page', 'duration/session', 'event/list',
    'event/meta', 'event/page', 'events', 'funnel', 'goals', 'growth', 'hostname', 'hours', 'keywords', 'language', 'minutes',
    'os', 'os/version', 'overview', 'page', 'page/entry', 'page/exit', 'pages', 'platform', 'referrer', 'region', 'screen',
    'session/details', 'session/list', 'tag/details', 'tags', 'total', 'utm/campaign', 'utm/content', 'utm/medium', 'utm/source',
    'utm/term', 'visitor', 'weekdays',
    'options/browser', 'options/channel', 'options/city', 'options/country', 'options/event', 'options/hostname', 'options/language',
    'options/metadata', 'options/metadata/keys', 'options/os', 'options/page', 'options/referrer', 'options/referrer/name',
    'options/region', 'options/tag', 'options/tag/value', 'options/utm/campaign', 'options/utm/content', 'options/utm/medium',
    'options/utm/source', 'options/utm/term',
  ];

  it.each(DOCUMENTED)('%s', (endpoint) => {
    expect(isStatisticsPath(`/api/v1/statistics/${endpoint}`)).toBe(true);
    expect(STATISTICS_ENDPOINTS).toContain(endpoint);
    const query = { funnel_id: 'none', visitor_id: '1', session_id: '1', tag: 'author', event: 'Signup', event_meta_key: 'plan' };
    expect(call('GET', `/api/v1/statistics/${endpoint}`, { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', ...query }).status).not.toBe(500);
  });

  it('serves the export and deletion at /api/v1/statistics itself', () => {
    expect(isStatisticsPath('/api/v1/statistics')).toBe(true);
    expect(isStatisticsPath('/api/v1/statistics/nope')).toBe(false);
  });
});

describe('geo from the test IP table', () => {
  it.each([
    ['192.0.2.9', 'de', 'Berlin', 'Berlin'],
    ['198.51.100.7', 'us', 'California', 'San Francisco'],
    ['198.51.100.200', 'us', 'New York', 'New York'],
    ['203.0.113.50', 'jp', 'Tokyo', 'Tokyo'],
    ['10.1.2.3', 'gb', 'England', 'London'],
    ['172.20.0.1', 'fr', 'Île-de-France', 'Paris'],
    ['192.168.1.1', 'ca', 'Ontario', 'Toronto'],
    ['2001:db8::1', 'nl', 'North Holland', 'Amsterdam'],
    ['8.8.8.8', '', '', ''],
    ['not an ip', '', '', ''],
  ])('%s is %s / %s / %s', (ip, country_code, region, city) => {
    expect(locate(ip)).toEqual({ country_code, region, city });
  });

  it('feeds country, region and city statistics and filters', () => {
    hit('192.0.2.1', '/', at(10));
    hit('198.51.100.1', '/', at(10));
    hit('198.51.100.129', '/', at(10));
    hit('8.8.8.8', '/', at(10));
    expect(stats('country')).toEqual([
      { country_code: 'us', visitors: 2, relative_visitors: 0.5 },
      { country_code: '', visitors: 1, relative_visitors: 0.25 },
      { country_code: 'de', visitors: 1, relative_visitors: 0.25 },
    ]);
    expect(column(stats<Array<{ region: string }>>('region', { country: 'us' }), 'region')).toEqual(['California', 'New York']);
    expect(stats('total', { city: 'Berlin' })).toMatchObject({ visitors: 1 });
    expect(stats('options/country')).toEqual(['de', 'us']);
  });
});

describe('filters: operators, repeated parameters, paging and sorting', () => {
  beforeEach(() => {
    for (let i = 1; i <= 4; i++) hit(`192.0.2.${i}`, '/', at(10, i));
    for (let i = 1; i <= 3; i++) hit(`192.0.2.${i}`, '/pricing', at(10, 10 + i));
    hit('192.0.2.1', '/blog/one', at(11));
  });

  it('repeated values are OR, ! is not, ~ contains, ^ does not contain', () => {
    expect(column(stats<Array<{ path: string }>>('page', { path: ['/', '/pricing'] }), 'path')).toEqual(['/', '/pricing']);
    expect(column(stats<Array<{ path: string }>>('page', { path: '!/' }), 'path')).toEqual(['/pricing', '/blog/one']);
    expect(column(stats<Array<{ path: string }>>('page', { path: '~PRIC' }), 'path')).toEqual(['/pricing']);
    expect(column(stats<Array<{ path: string }>>('page', { path: '^blog' }), 'path')).toEqual(['/', '/pricing']);
    expect(column(stats<Array<{ path: string }>>('page', { path: ['!/', '^pricing'] }), 'path')).toEqual(['/blog/one']);
  });

  it('offset and limit page through a list; sort and direction order it; search looks in the primary field', () => {
    expect(column(stats<Array<{ path: string }>>('page', { limit: 1, offset: 1 }), 'path')).toEqual(['/pricing']);
    expect(column(stats<Array<{ path: string }>>('page', { sort: 'visitors', direction: 'asc' }), 'path')).toEqual(['/blog/one', '/pricing', '/']);
    expect(column(stats<Array<{ path: string }>>('page', { sort: 'path', direction: 'asc' }), 'path')).toEqual(['/', '/blog/one', '/pricing']);
    expect(column(stats<Array<{ path: string }>>('page', { search: 'BLOG' }), 'path')).toEqual(['/blog/one']);
    expect(stats('options/page', { search: 'p' })).toEqual(['/pricing']);
  });

  it('refuses bad values with the API error shape', () => {
    const bad = (query: Record<string, string>) => call('GET', '/api/v1/statistics/page', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', ...query });
    expect(bad({ direction: 'up' }).body).toEqual({ validation: { direction: 'must be asc or desc' }, error: [] });
    expect(bad({ offset: '-1' }).status).toBe(400);
    expect(bad({ limit: 'ten' }).status).toBe(400);
    expect(bad({ scale: 'decade' }).status).toBe(400);
    expect(bad({ tz: 'Mars/Olympus' }).status).toBe(400);
    expect(bad({ from_time: '25:00' }).status).toBe(400);
    expect(bad({ custom_metric_key: 'amount' }).status).toBe(400);
    expect(bad({ custom_metric_key: 'amount', custom_metric_type: 'text' }).status).toBe(400);
  });

  it('from_time and to_time narrow a single day to minutes', () => {
    expect(stats('total', { from_time: '10:00', to_time: '10:05' })).toMatchObject({ visitors: 4, views: 4 });
    expect(stats('total', { from_time: '10:11', to_time: '10:59' })).toMatchObject({ views: 3 });
  });
});

describe('time zones and scales', () => {
  it('counts days and hours in tz: 23:30 UTC on 30 April is 1 May in Berlin', () => {
    hit('192.0.2.1', '/', '2024-04-30T23:30:00Z');
    expect(stats('total')).toMatchObject({ visitors: 0 });
    expect(stats('total', { tz: 'Europe/Berlin' })).toMatchObject({ visitors: 1 });
    const hours = stats<Array<{ hour: number; visitors: number }>>('hours', { tz: 'Europe/Berlin' });
    expect(hours.find((row) => row.visitors > 0)?.hour).toBe(1);
  });

  it('groups by week, month or year with the scale field set and the others null', () => {
    hit('192.0.2.1', '/', '2024-05-01T10:00:00Z');
    hit('192.0.2.2', '/', '2024-05-07T10:00:00Z');
    const weeks = stats<Array<Record<string, unknown>>>('visitor', { from: '2024-04-29', to: '2024-05-12', scale: 'week' });
    expect(weeks.map((row) => [row.week, row.day, row.visitors])).toEqual([
      ['2024-04-29T00:00:00Z', null, 1],
      ['2024-05-06T00:00:00Z', null, 1],
    ]);
    const months = stats<Array<Record<string, unknown>>>('visitor', { from: '2024-04-01', to: '2024-05-31', scale: 'month' });
    expect(months.map((row) => [row.month, row.visitors])).toEqual([
      ['2024-04-01T00:00:00Z', 0],
      ['2024-05-01T00:00:00Z', 2],
    ]);
  });

  it('minutes: 60 rows by minute of the hour; weekdays: 7 x 24, Monday is 0', () => {
    hit('192.0.2.1', '/', at(10, 7));
    hit('192.0.2.2', '/', at(10, 7));
    const minutes = stats<Array<{ minute: number; visitors: number }>>('minutes');
    expect(minutes).toHaveLength(60);
    expect(minutes[7]).toMatchObject({ minute: 7, visitors: 2, views: 2 });
    const weekdays = stats<Array<{ weekday: number; hour: number; visitors: number }>>('weekdays');
    expect(weekdays).toHaveLength(168);
    // 2024-05-01 is a Wednesday.
    expect(weekdays.filter((row) => row.visitors > 0)).toEqual([{ weekday: 2, hour: 10, visitors: 2, views: 2, sessions: 2, bounces: 2 }]);
  });
});

describe('channels, hostnames and tags', () => {
  it('channel from the referrer and UTM parameters', () => {
    hit('192.0.2.1', '/', at(10));
    hit('192.0.2.2', '/', at(10), { referrer: 'https://www.google.com/' });
    hit('192.0.2.3', '/?utm_source=google&utm_medium=cpc', at(10));
    hit('192.0.2.4', '/?utm_medium=email&utm_source=spring', at(10));
    hit('192.0.2.5', '/', at(10), { referrer: 'https://www.reddit.com/r/x' });
    hit('192.0.2.6', '/', at(10), { referrer: 'https://blog.example.org/post' });
    const rows = stats<Array<{ channel: string; visitors: number }>>('channel', { sort: 'channel', direction: 'asc' });
    expect(rows.map((row) => [row.channel, row.visitors])).toEqual([
      ['Direct', 1],
      ['Email', 1],
      ['Organic Search', 1],
      ['Organic Social', 1],
      ['Paid Search', 1],
      ['Referral', 1],
    ]);
    expect(stats('total', { channel: 'Organic Search' })).toMatchObject({ visitors: 1 });
    expect(stats('options/channel')).toHaveLength(6);
  });

  // The cases the dashboard's own classification was tested with, when it had one: it now reads
  // this route.
  it.each([
    ['/', {}, 'Direct'],
    ['/', { referrer: 'https://example.com/other' }, 'Direct'],
    ['/', { referrer: 'https://www.google.de/' }, 'Organic Search'],
    ['/?utm_source=google&utm_medium=cpc', {}, 'Paid Search'],
    ['/', { referrer: 'https://t.co/abc' }, 'Organic Social'],
    ['/?utm_source=facebook&utm_medium=paid_social', {}, 'Paid Social'],
    ['/', { referrer: 'https://www.youtube.com/watch' }, 'Organic Video'],
    ['/?utm_medium=email', {}, 'Email'],
    ['/?utm_medium=affiliate&utm_source=partner', {}, 'Affiliates'],
    ['/?utm_medium=banner&utm_source=ads', {}, 'Display'],
    ['/?ref=news.example', {}, 'Referral'],
    ['/', { referrer: 'https://blog.example/post' }, 'Referral'],
  ] as const)('the channel of %s with %o is %s', (path, extra, channel) => {
    hit('192.0.2.1', path, at(10), extra);
    expect(stats<Array<{ channel: string }>>('channel').map((row) => row.channel)).toEqual([channel]);
  });

  it("a session's channel is its first page's: clicks within the site, with no referrer, are no Direct visits", () => {
    hit('192.0.2.1', '/', at(10), { referrer: 'https://www.google.com/' });
    hit('192.0.2.1', '/pricing', at(10, 1), { referrer: 'https://example.com/' });
    hit('192.0.2.1', '/signup', at(10, 2));
    hit('192.0.2.2', '/', at(10));
    const rows = stats<Array<{ channel: string; visitors: number; views: number; sessions: number }>>('channel');
    expect(rows.map((row) => [row.channel, row.visitors, row.views, row.sessions])).toEqual([
      ['Direct', 1, 1, 1],
      ['Organic Search', 1, 3, 1],
    ]);
    expect(stats('total', { channel: 'Direct' })).toMatchObject({ visitors: 1, views: 1 });
    // A new session (after 30 minutes) starts with a channel of its own.
    hit('192.0.2.1', '/', at(11));
    expect(stats<Array<{ channel: string; sessions: number }>>('channel').map((row) => [row.channel, row.sessions])).toEqual([
      ['Direct', 2],
      ['Organic Search', 1],
    ]);
  });

  it('hostname breakdown', () => {
    hit('192.0.2.1', '/', at(10));
    hit('192.0.2.2', '/', at(10), { url: 'https://docs.example.com/' });
    hit('192.0.2.2', '/a', at(10, 1), { url: 'https://docs.example.com/a' });
    expect(stats('hostname')).toEqual([
      { hostname: 'docs.example.com', visitors: 1, views: 2, sessions: 1, bounces: 0, relative_visitors: 0.5, relative_views: 2 / 3, bounce_rate: 0 },
      { hostname: 'example.com', visitors: 1, views: 1, sessions: 1, bounces: 1, relative_visitors: 0.5, relative_views: 1 / 3, bounce_rate: 1 },
    ]);
  });

  it('tags, tag/details, tag_<key> filters and the tag options', () => {
    hit('192.0.2.1', '/a', at(10), { tags: { author: 'Alice', lang: 'en' } });
    hit('192.0.2.2', '/b', at(10), { tags: { author: 'Bob' } });
    hit('192.0.2.3', '/c', at(10));
    expect(stats('tags')).toEqual([
      { key: 'author', visitors: 2, views: 2, relative_visitors: 2 / 3, relative_views: 2 / 3 },
      { key: 'lang', visitors: 1, views: 1, relative_visitors: 1 / 3, relative_views: 1 / 3 },
    ]);
    expect(column(stats<Array<{ value: string }>>('tag/details', { tag: 'author' }), 'value')).toEqual(['Alice', 'Bob']);
    expect(call('GET', '/api/v1/statistics/tag/details', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01' }).status).toBe(400);
    expect(column(stats<Array<{ path: string }>>('page', { tag_author: 'Bob' }), 'path')).toEqual(['/b']);
    expect(column(stats<Array<{ path: string }>>('page', { tag_author: '!Bob' }), 'path')).toEqual(['/a', '/c']);
    expect(stats('options/tag')).toEqual(['author', 'lang']);
    expect(stats('options/tag/value', { tag: 'author' })).toEqual(['Alice', 'Bob']);
    expect(call('GET', '/api/v1/statistics/options/tag/value', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01' }).status).toBe(400);
  });
});

describe('events: pages, custom metrics and conversion rates', () => {
  beforeEach(() => {
    for (let i = 1; i <= 4; i++) hit(`192.0.2.${i}`, '/signup', at(10, i));
    hit('192.0.2.1', '/', at(10, 0));
    event('192.0.2.1', 'Purchase', at(10, 5), { event_meta: { amount: '10.5' } });
    event('192.0.2.2', 'Purchase', at(10, 6), { event_meta: { amount: '4' } });
  });

  it('event/page lists the pages the event was sent on', () => {
    expect(stats('event/page', { event: 'Purchase' })).toEqual([expect.objectContaining({ path: '/signup', visitors: 2, views: 2, relative_visitors: 0.5 })]);
    expect(stats('event/page')).toEqual([]);
  });

  it('custom_metric_key/type add the sum and average of that meta value to totals, growth and time series', () => {
    expect(stats('total', { event: 'Purchase', custom_metric_key: 'amount', custom_metric_type: 'float' })).toEqual({
      visitors: 2,
      views: 3,
      sessions: 2,
      bounces: 1,
      bounce_rate: 0.5,
      cr: 0.5,
      custom_metric_total: 14.5,
      custom_metric_avg: 7.25,
    });
    expect(stats('total', { custom_metric_key: 'amount', custom_metric_type: 'integer' })).toMatchObject({ custom_metric_total: 14 });
    expect(stats('visitor', { event: 'Purchase', custom_metric_key: 'amount', custom_metric_type: 'float' })).toEqual([
      expect.objectContaining({ day: '2024-05-01T00:00:00Z', cr: 0.5, custom_metric_total: 14.5 }),
    ]);
    expect(stats('growth', { event: 'Purchase', custom_metric_key: 'amount', custom_metric_type: 'float' })).toMatchObject({ cr_growth: 0, custom_metric_total_growth: 0 });
  });

  it('goals with an event count the visitors who sent it', () => {
    const goal = call('POST', '/api/v1/goal', {}, { domain_id: DEFAULT_DOMAIN_ID, name: 'Buy', event_name: 'Purchase' });
    expect(goal.status).toBe(200);
    expect(goal.body).toMatchObject({ event_name: 'Purchase', path_pattern: null, pattern: null });
    expect(stats('goals')).toEqual([{ page_goal: goal.body, stats: { visitors: 2, views: 2, cr: 0.5 } }]);
  });

  it('event and metadata options', () => {
    expect(stats('options/event')).toEqual(['Purchase']);
    expect(stats('options/metadata/keys')).toEqual(['amount']);
    expect(stats('options/metadata', { event_meta_key: 'amount' })).toEqual(['10.5', '4']);
  });
});

describe('funnels', () => {
  it('counts the visitors who reach each step in order, from the funnel stored by the management route', () => {
    const steps = [
      { name: 'Home', filter: { path: ['/'] } },
      { name: 'Pricing', filter: { path_pattern: ['/pricing/**'] } },
      { name: 'Signed up', filter: { event_name: ['Signup'] } },
    ];
    const created = call('POST', '/api/v1/funnel', {}, { domain_id: DEFAULT_DOMAIN_ID, name: 'Signup', steps });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = (created.body as { id: string }).id;
    for (let i = 1; i <= 4; i++) hit(`192.0.2.${i}`, '/', at(10, i));
    for (let i = 1; i <= 3; i++) hit(`192.0.2.${i}`, '/pricing/pro', at(10, 10 + i));
    hit('192.0.2.9', '/pricing/pro', at(10, 0)); // never saw the first step
    hit('192.0.2.9', '/', at(10, 30));
    event('192.0.2.1', 'Signup', at(10, 20));
    event('192.0.2.4', 'Signup', at(10, 20)); // skipped pricing
    const result = stats<{ definition: unknown; data: unknown[] }>('funnel', { funnel_id: id });
    expect(result.definition).toEqual(created.body);
    expect(result.data).toEqual([
      { step: 1, visitors: 5, relative_visitors: 1, previous_visitors: 0, relative_previous_visitors: 0, dropped: 0, drop_off: 0 },
      { step: 2, visitors: 3, relative_visitors: 0.6, previous_visitors: 5, relative_previous_visitors: 1, dropped: 2, drop_off: 0.4 },
      { step: 3, visitors: 1, relative_visitors: 0.2, previous_visitors: 3, relative_previous_visitors: 0.6, dropped: 2, drop_off: 2 / 3 },
    ]);
    expect(call('GET', '/api/v1/statistics/funnel', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01' }).status).toBe(400);
    expect(call('GET', '/api/v1/statistics/funnel', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', funnel_id: 'nope' }).status).toBe(404);
  });
});

describe('sessions', () => {
  it('session/list pages through sessions, newest first; session/details gives its views and events in order', () => {
    hit('192.0.2.1', '/', at(10, 0), { title: 'Home' });
    hit('192.0.2.1', '/pricing', at(10, 2), { title: 'Pricing' });
    event('192.0.2.1', 'Signup', at(10, 3), { event_meta: { plan: 'pro' } });
    hit('192.0.2.2', '/', at(11, 0));
    const sessions = stats<Array<Record<string, unknown>>>('session/list');
    expect(sessions).toHaveLength(2);
    expect(sessions[1]).toMatchObject({
      time: '2024-05-01T10:02:00Z',
      start: '2024-05-01T10:00:00Z',
      duration_seconds: 120,
      entry_path: '/',
      exit_path: '/pricing',
      page_views: 2,
      is_bounce: false,
      entry_title: 'Home',
      exit_title: 'Pricing',
      country_code: 'de',
      browser: 'Firefox',
      desktop: true,
      mobile: false,
    });
    expect(sessions[1]?.visitor_id).toMatch(/^\d+$/);
    expect(stats('session/list', { limit: 1, offset: 1 })).toEqual([sessions[1]]);
    const details = stats<Array<{ page_view: { path: string } | null; event: { name: string; meta_values: string[] } | null }>>('session/details', {
      visitor_id: String(sessions[1]?.visitor_id),
      session_id: String(sessions[1]?.session_id),
    });
    expect(details.map((row) => row.page_view?.path ?? row.event?.name)).toEqual(['/', '/pricing', 'Signup']);
    expect(details[2]?.event?.meta_values).toEqual(['pro']);
    expect(call('GET', '/api/v1/statistics/session/details', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01' }).status).toBe(400);
  });
});

describe('overview, keywords and search console pages', () => {
  it('overview ignores filters: the past 7 days against the 7 before, and the members', () => {
    const now = Date.parse('2024-05-10T12:00:00Z');
    hit('192.0.2.1', '/', '2024-05-09T10:00:00Z');
    hit('192.0.2.2', '/', '2024-05-10T10:00:00Z');
    hit('192.0.2.3', '/', '2024-05-01T10:00:00Z');
    const result = computeStatistics(store, 'overview', new URLSearchParams({ id: DEFAULT_DOMAIN_ID, path: '/nothing' }), now);
    expect(result.body).toMatchObject({ visitors: 2, views: 2, visitors_growth: 1, views_growth: 1, member: 1 });
    expect((result.body as { visitors_time_series: unknown[] }).visitors_time_series).toHaveLength(7);
  });

  it('keywords and pages (Search Console) are always empty', () => {
    hit('192.0.2.1', '/', at(10));
    expect(stats('keywords')).toEqual([]);
    expect(stats('pages', { keyword: 'pirsch' })).toEqual([]);
  });
});

/** The files of a zip archive, read with node:zlib (enough for what `zip()` writes). */
function unzip(data: Buffer): Record<string, string> {
  const files: Record<string, string> = {};
  let offset = 0;
  while (data.readUInt32LE(offset) === 0x04034b50) {
    const size = data.readUInt32LE(offset + 18);
    const nameLength = data.readUInt16LE(offset + 26);
    const extra = data.readUInt16LE(offset + 28);
    const name = data.subarray(offset + 30, offset + 30 + nameLength).toString();
    const start = offset + 30 + nameLength + extra;
    files[name] = inflateRawSync(data.subarray(start, start + size)).toString();
    offset = start + size;
  }
  return files;
}

describe('export and deletion over HTTP', () => {
  let emulator: PirschEmulator;

  afterEach(async () => {
    await emulator.close();
  });

  async function bearer(): Promise<string> {
    const response = await fetch(`${emulator.url}/api/v1/token`, { method: 'POST', body: JSON.stringify({ client_id: emulator.clientId, client_secret: emulator.clientSecret }) });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it('GET /api/v1/statistics answers a zip of CSV files, the sections asked for', async () => {
    emulator = await createPirschEmulator();
    emulator.hits.push({ url: 'https://example.com/pricing', ip: '192.0.2.1', user_agent: sampleUserAgents.firefoxLinux, time: at(10) } as ReceivedHit);
    const token = await bearer();
    const response = await fetch(`${emulator.url}/api/v1/statistics?id=${DEFAULT_DOMAIN_ID}&from=2024-05-01&to=2024-05-01&pages=true&utm=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    const files = unzip(Buffer.from(await response.arrayBuffer()));
    expect(Object.keys(files)).toEqual(['pages.csv', 'utm_source.csv', 'utm_medium.csv', 'utm_campaign.csv', 'utm_content.csv', 'utm_term.csv']);
    expect(files['pages.csv']).toBe(
      'path,title,visitors,views,sessions,bounces,relative_visitors,relative_views,bounce_rate,average_time_spent_seconds\n/pricing,,1,1,1,1,1,1,1,0\n',
    );
    const all = await fetch(`${emulator.url}/api/v1/statistics?id=${DEFAULT_DOMAIN_ID}&from=2024-05-01&to=2024-05-01`, { headers: { authorization: `Bearer ${token}` } });
    expect(Object.keys(unzip(Buffer.from(await all.arrayBuffer())))).toHaveLength(24);
    const bad = await fetch(`${emulator.url}/api/v1/statistics?id=${DEFAULT_DOMAIN_ID}`, { headers: { authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
  });

  it('DELETE /api/v1/statistics removes the domain\'s data of those days (events only with kind events)', async () => {
    emulator = await createPirschEmulator();
    const item = (time: string) => ({ url: 'https://example.com/', ip: '192.0.2.1', user_agent: sampleUserAgents.firefoxLinux, time });
    emulator.hits.push(item('2024-05-01T10:00:00Z') as ReceivedHit, item('2024-05-03T10:00:00Z') as ReceivedHit);
    emulator.events.push({ ...item('2024-05-01T10:00:00Z'), event_name: 'Signup' });
    const token = await bearer();
    const remove = (body: unknown) =>
      fetch(`${emulator.url}/api/v1/statistics`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    expect((await remove({ id: DEFAULT_DOMAIN_ID, kind: 'nope', from: '2024-05-01', to: '2024-05-01' })).status).toBe(400);
    expect((await remove({ id: 'nope', from: '2024-05-01', to: '2024-05-01' })).status).toBe(404);
    expect((await remove({ id: DEFAULT_DOMAIN_ID, kind: 'events', from: '2024-05-01', to: '2024-05-02' })).status).toBe(200);
    expect(emulator.events).toHaveLength(0);
    expect(emulator.hits).toHaveLength(2);
    expect((await remove({ id: DEFAULT_DOMAIN_ID, kind: '', from: '2024-05-01', to: '2024-05-02' })).status).toBe(200);
    expect(emulator.hits.map((hit) => hit.time)).toEqual(['2024-05-03T10:00:00Z']);
  });
});
