import type { Hit } from '@pirsch-node/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleApiRoute, type RouteResult } from './api-routes.js';
import { DEFAULT_DOMAIN_ID } from './management.js';
import { screenClass } from './statistics.js';
import { createEmulatorStore, type EmulatorStore, type ReceivedEvent, type ReceivedHit } from './store.js';
import { sampleUserAgents } from './user-agent.js';

let store: EmulatorStore;

function call(method: string, path: string, query: Record<string, string | number> = {}, body?: unknown): RouteResult {
  const url = new URL(path, 'http://emulator.invalid');
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  const result = handleApiRoute(store, method, url, body);
  if (!result) throw new Error(`no route for ${method} ${path}`);
  return result;
}

/** GET a statistics endpoint of the default domain for 2024-05-01 and return the body (expects 200). */
function stats<T = unknown>(endpoint: string, query: Record<string, string | number> = {}): T {
  const result = call('GET', `/api/v1/statistics/${endpoint}`, { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', ...query });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as T;
}

const agentOf = (visitor: number) =>
  visitor <= 5 ? sampleUserAgents.chromeWindows : visitor <= 8 ? sampleUserAgents.safariIphone : sampleUserAgents.firefoxLinux;

function hit(visitor: number, path: string, time: string, extra: Partial<Hit> = {}): ReceivedHit {
  const received: ReceivedHit = {
    url: `https://example.com${path}`,
    ip: `203.0.113.${visitor}`,
    user_agent: agentOf(visitor),
    accept_language: visitor <= 3 ? 'de-DE,de;q=0.9' : 'en-US,en;q=0.8',
    title: path === '/' ? 'Home' : path.slice(1),
    time,
    ...extra,
  };
  store.hits.push(received);
  return received;
}

function event(visitor: number, name: string, time: string, meta?: Record<string, string>, duration?: number): void {
  const received: ReceivedEvent = {
    url: 'https://example.com/signup',
    ip: `203.0.113.${visitor}`,
    user_agent: agentOf(visitor),
    event_name: name,
    time,
    ...(meta ? { event_meta: meta } : {}),
    ...(duration === undefined ? {} : { event_duration: duration }),
  };
  store.events.push(received);
}

const at = (minute: number, second = 0) => `2024-05-01T10:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}Z`;

/**
 * 10 visitors over 3 pages on 2024-05-01, 10:0x UTC:
 * - 1-4 only view `/` (bounces);
 * - 5-7 view `/`, then `/pricing` 60 s later;
 * - 8-10 view `/`, `/pricing` 60 s later, `/signup` 120 s after that.
 * Visitors 1-5 use Chrome on Windows, 6-8 Safari on iOS, 9-10 Firefox on Linux; 1-3 speak German.
 */
function tenVisitors(): void {
  for (let visitor = 1; visitor <= 10; visitor++) {
    const extra: Partial<Hit> = {};
    if (visitor <= 2) extra.referrer = 'https://www.google.com/search?q=pirsch';
    if (visitor === 1) extra.screen_width = 1920;
    hit(visitor, visitor === 3 ? '/?utm_source=newsletter&utm_campaign=spring' : '/', at(visitor), extra);
    if (visitor >= 5) hit(visitor, '/pricing', at(visitor + 1), { referrer: 'https://example.com/' });
    if (visitor >= 8) hit(visitor, '/signup', at(visitor + 3));
  }
}

beforeEach(() => {
  store = createEmulatorStore();
});

describe('statistics computed from hits: 10 visitors over 3 pages', () => {
  beforeEach(tenVisitors);

  it('total', () => {
    expect(stats('total')).toEqual({ visitors: 10, views: 19, sessions: 10, bounces: 4, bounce_rate: 0.4, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
  });

  it('visitor: one row per day of the range, zeros where nothing happened', () => {
    expect(stats('visitor', { from: '2024-04-30', to: '2024-05-02' })).toEqual([
      { day: '2024-04-30T00:00:00Z', visitors: 0, views: 0, sessions: 0, bounces: 0, bounce_rate: 0, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 },
      { day: '2024-05-01T00:00:00Z', visitors: 10, views: 19, sessions: 10, bounces: 4, bounce_rate: 0.4, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 },
      { day: '2024-05-02T00:00:00Z', visitors: 0, views: 0, sessions: 0, bounces: 0, bounce_rate: 0, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 },
    ]);
  });

  it('page, with the average time on page when asked', () => {
    const pages = stats<{ path: string }[]>('page', { include_avg_time_on_page: 'true' });
    expect(pages).toEqual([
      {
        path: '/',
        title: 'Home',
        visitors: 10,
        views: 10,
        sessions: 10,
        bounces: 4,
        relative_visitors: 1,
        relative_views: 10 / 19,
        bounce_rate: 0.4,
        average_time_spent_seconds: 60,
      },
      {
        path: '/pricing',
        title: 'pricing',
        visitors: 6,
        views: 6,
        sessions: 6,
        bounces: 0,
        relative_visitors: 0.6,
        relative_views: 6 / 19,
        bounce_rate: 0,
        average_time_spent_seconds: 120,
      },
      {
        path: '/signup',
        title: 'signup',
        visitors: 3,
        views: 3,
        sessions: 3,
        bounces: 0,
        relative_visitors: 0.3,
        relative_views: 3 / 19,
        bounce_rate: 0,
        average_time_spent_seconds: 0,
      },
    ]);
    expect(stats<{ average_time_spent_seconds: number }[]>('page').map((page) => page.average_time_spent_seconds)).toEqual([0, 0, 0]);
  });

  it('page/entry and page/exit', () => {
    expect(stats('page/entry')).toEqual([
      { path: '/', title: 'Home', visitors: 10, sessions: 10, entries: 10, entry_rate: 1, average_time_spent_seconds: 60 },
    ]);
    expect(stats('page/exit')).toEqual([
      { path: '/', title: 'Home', visitors: 4, sessions: 10, exits: 4, exit_rate: 0.4 },
      { path: '/pricing', title: 'pricing', visitors: 3, sessions: 6, exits: 3, exit_rate: 0.3 },
      { path: '/signup', title: 'signup', visitors: 3, sessions: 3, exits: 3, exit_rate: 0.3 },
    ]);
  });

  it('browser, os and platform from the user agent', () => {
    expect(stats('browser')).toEqual([
      { browser: 'Chrome', visitors: 5, relative_visitors: 0.5 },
      { browser: 'Safari', visitors: 3, relative_visitors: 0.3 },
      { browser: 'Firefox', visitors: 2, relative_visitors: 0.2 },
    ]);
    expect(stats('os')).toEqual([
      { os: 'Windows', visitors: 5, relative_visitors: 0.5 },
      { os: 'iOS', visitors: 3, relative_visitors: 0.3 },
      { os: 'Linux', visitors: 2, relative_visitors: 0.2 },
    ]);
    expect(stats('platform')).toEqual({
      platform_desktop: 7,
      platform_mobile: 3,
      platform_unknown: 0,
      relative_platform_desktop: 0.7,
      relative_platform_mobile: 0.3,
      relative_platform_unknown: 0,
    });
    expect(stats('browser/version')).toContainEqual({ browser: 'Chrome', browser_version: '91.0', visitors: 5, relative_visitors: 0.5 });
    expect(stats('os/version')).toContainEqual({ os: 'iOS', os_version: '14.6', visitors: 3, relative_visitors: 0.3 });
  });

  it('language, screen, country and city', () => {
    expect(stats('language')).toEqual([
      { language: 'en', visitors: 7, relative_visitors: 0.7 },
      { language: 'de', visitors: 3, relative_visitors: 0.3 },
    ]);
    expect(stats('screen')).toEqual([
      { screen_class: '', visitors: 9, relative_visitors: 0.9 },
      { screen_class: 'Full HD', visitors: 1, relative_visitors: 0.1 },
    ]);
    // Locations come from the test IP table: 203.0.113.0/24 is Tokyo.
    expect(stats('country')).toEqual([{ country_code: 'jp', visitors: 10, relative_visitors: 1 }]);
    expect(stats('region')).toEqual([{ country_code: 'jp', region: 'Tokyo', visitors: 10, relative_visitors: 1 }]);
    expect(stats('city')).toEqual([{ country_code: 'jp', region: 'Tokyo', city: 'Tokyo', visitors: 10, relative_visitors: 1 }]);
  });

  it('referrer: without query, named by host, self-referrals left out, utm_source when no header', () => {
    expect(stats('referrer')).toEqual([
      {
        referrer: 'https://www.google.com/search',
        referrer_name: 'google.com',
        referrer_icon: '',
        visitors: 2,
        sessions: 2,
        relative_visitors: 0.2,
        bounces: 2,
        bounce_rate: 1,
      },
      {
        referrer: 'newsletter',
        referrer_name: 'newsletter',
        referrer_icon: '',
        visitors: 1,
        sessions: 1,
        relative_visitors: 0.1,
        bounces: 1,
        bounce_rate: 1,
      },
    ]);
  });

  it('referrer: the ref query parameter wins over the header', () => {
    hit(20, '/?ref=https://news.example/item', at(40), { referrer: 'https://www.google.com/' });
    expect(stats<{ referrer_name: string }[]>('referrer').map((row) => row.referrer_name)).toContain('news.example');
  });

  it('utm/* from the query of the page URL, empty values left out', () => {
    expect(stats('utm/source')).toEqual([{ utm_source: 'newsletter', visitors: 1, relative_visitors: 0.1 }]);
    expect(stats('utm/campaign')).toEqual([{ utm_campaign: 'spring', visitors: 1, relative_visitors: 0.1 }]);
    expect(stats('utm/medium')).toEqual([]);
    expect(stats('utm/content')).toEqual([]);
    expect(stats('utm/term')).toEqual([]);
  });

  it('hours: 24 rows, everything at 10 UTC', () => {
    const hours = stats<{ hour: number; visitors: number }[]>('hours');
    expect(hours).toHaveLength(24);
    expect(hours.map((row) => row.hour)).toEqual(Array.from({ length: 24 }, (_, hour) => hour));
    expect(hours[10]).toEqual({ hour: 10, visitors: 10, views: 19, sessions: 10, bounces: 4, bounce_rate: 0.4, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
    expect(hours.filter((row) => row.visitors > 0)).toHaveLength(1);
  });

  it('duration/session averages sessions that did not bounce; duration/page the time on page', () => {
    // Sessions of 5-7 last 60 s, of 8-10 180 s.
    expect(stats('duration/session')).toEqual([{ day: '2024-05-01T00:00:00Z', average_time_spent_seconds: 120 }]);
    expect(stats('duration/page', { path: '/pricing' })).toEqual([
      { day: '2024-05-01T00:00:00Z', path: '/pricing', average_time_spent_seconds: 120 },
    ]);
  });

  it('honours path, entry_path, exit_path and pattern', () => {
    expect(stats('total', { path: '/pricing' })).toEqual({ visitors: 6, views: 6, sessions: 6, bounces: 0, bounce_rate: 0, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
    expect(stats('total', { exit_path: '/' })).toEqual({ visitors: 4, views: 4, sessions: 4, bounces: 4, bounce_rate: 1, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
    expect(stats('total', { entry_path: '/pricing' })).toMatchObject({ visitors: 0 });
    expect(stats<{ path: string }[]>('page', { pattern: '(?i)^/(PRICING|signup)$' }).map((page) => page.path)).toEqual(['/pricing', '/signup']);
  });

  it('honours dimension filters (browser, os, platform, language, referrer_name, utm)', () => {
    expect(stats('total', { browser: 'Firefox' })).toMatchObject({ visitors: 2 });
    expect(stats('total', { os: 'iOS' })).toMatchObject({ visitors: 3 });
    expect(stats('total', { platform: 'mobile' })).toMatchObject({ visitors: 3 });
    expect(stats('total', { language: 'de' })).toMatchObject({ visitors: 3 });
    expect(stats('total', { referrer_name: 'google.com' })).toMatchObject({ visitors: 2 });
    expect(stats('total', { utm_source: 'newsletter' })).toMatchObject({ visitors: 1 });
    // Every visitor here is in 203.0.113.0/24, Tokyo by the test IP table.
    expect(stats('total', { country: 'jp' })).toMatchObject({ visitors: 10 });
    expect(stats('total', { country: 'de' })).toMatchObject({ visitors: 0 });
  });

  it('honours limit, capped at 100', () => {
    expect(stats<unknown[]>('page', { limit: 2 }).map((page) => (page as { path: string }).path)).toEqual(['/', '/pricing']);
    expect(stats<unknown[]>('page', { limit: 1000 })).toHaveLength(3);
  });

  it('honours from/to: days outside the range do not count', () => {
    hit(1, '/', '2024-05-03T09:00:00Z');
    expect(stats('total')).toMatchObject({ visitors: 10, views: 19 });
    expect(stats('total', { to: '2024-05-03' })).toMatchObject({ visitors: 10, views: 20, sessions: 11, bounces: 5 });
    expect(stats('total', { from: '2024-05-03', to: '2024-05-03' })).toMatchObject({ visitors: 1, views: 1 });
  });

  it('leaves bots out, unless the hit disabled the bot filter', () => {
    hit(50, '/', at(30), { user_agent: sampleUserAgents.googlebot });
    expect(stats('total')).toMatchObject({ visitors: 10 });
    hit(51, '/', at(31), { user_agent: sampleUserAgents.curl, disable_bot_filter: true });
    expect(stats('total')).toMatchObject({ visitors: 11 });
  });

  describe('events', () => {
    beforeEach(() => {
      event(8, 'Signup', at(20), { plan: 'pro' }, 10);
      event(9, 'Signup', at(21), { plan: 'free' }, 20);
      event(10, 'Signup', at(22), { plan: 'pro' }, 30);
      event(5, 'Click', at(23));
    });

    it('events: visitors, count, conversion rate, average duration and meta keys', () => {
      expect(stats('events')).toEqual([
        { name: 'Signup', count: 3, visitors: 3, views: 3, cr: 0.3, average_duration_seconds: 20, meta_keys: ['plan'] },
        { name: 'Click', count: 1, visitors: 1, views: 1, cr: 0.1, average_duration_seconds: 0, meta_keys: [] },
      ]);
      expect(stats('events', { event: 'Click' })).toEqual([
        { name: 'Click', count: 1, visitors: 1, views: 1, cr: 0.1, average_duration_seconds: 0, meta_keys: [] },
      ]);
    });

    it('event/meta breaks one event down by the values of one key', () => {
      expect(stats('event/meta', { event: 'Signup', event_meta_key: 'plan' })).toEqual([
        { name: 'Signup', meta_value: 'pro', count: 2, visitors: 2, views: 2, cr: 0.2, average_duration_seconds: 20 },
        { name: 'Signup', meta_value: 'free', count: 1, visitors: 1, views: 1, cr: 0.1, average_duration_seconds: 20 },
      ]);
      expect(stats('event/meta', { event: 'Signup' })).toEqual([]);
    });

    it('event/list groups by name and metadata', () => {
      expect(stats('event/list')).toEqual([
        { name: 'Signup', meta: { plan: 'pro' }, visitors: 2, count: 2 },
        { name: 'Click', meta: {}, visitors: 1, count: 1 },
        { name: 'Signup', meta: { plan: 'free' }, visitors: 1, count: 1 },
      ]);
      expect(stats('event/list', { meta_plan: 'free' })).toEqual([{ name: 'Signup', meta: { plan: 'free' }, visitors: 1, count: 1 }]);
    });

    it('event and meta_ filters restrict page statistics to the visitors who sent such events', () => {
      // With an event filter, `cr` is the share of all visitors who sent it.
      expect(stats('total', { event: 'Signup' })).toEqual({ visitors: 3, views: 9, sessions: 3, bounces: 0, bounce_rate: 0, cr: 0.3, custom_metric_avg: 0, custom_metric_total: 0 });
      expect(stats('total', { meta_plan: 'pro' })).toMatchObject({ visitors: 2, views: 6 });
      expect(stats('total', { event: 'Signup', meta_plan: 'free' })).toMatchObject({ visitors: 1, views: 3 });
      expect(stats('total', { event: 'Nothing' })).toMatchObject({ visitors: 0 });
    });
  });

  it('goals: visitors who reached each goal of the domain', () => {
    const created = call('POST', '/api/v1/goal', { }, { domain_id: DEFAULT_DOMAIN_ID, name: 'Pricing', path_pattern: '/pricing' });
    call('POST', '/api/v1/goal', {}, { domain_id: DEFAULT_DOMAIN_ID, name: 'Any sign page', path_pattern: '/sign*', visitors: 5 });
    expect(stats('goals')).toEqual([
      { page_goal: created.body, stats: { visitors: 6, views: 6, cr: 0.6 } },
      { page_goal: expect.objectContaining({ name: 'Any sign page', visitor_goal: 5 }), stats: { visitors: 3, views: 3, cr: 0.3 } },
    ]);
  });

  it('keywords: always empty (no Search Console)', () => {
    expect(stats('keywords')).toEqual([]);
  });
});

describe('sessions', () => {
  it('a gap of 30 minutes or more starts a new session', () => {
    hit(1, '/', '2024-05-01T10:00:00Z');
    hit(1, '/a', '2024-05-01T10:29:59Z');
    hit(1, '/b', '2024-05-01T10:59:59Z');
    hit(2, '/', '2024-05-01T10:00:00Z');
    expect(stats('total')).toEqual({ visitors: 2, views: 4, sessions: 3, bounces: 2, bounce_rate: 2 / 3, cr: 0, custom_metric_avg: 0, custom_metric_total: 0 });
  });

  it('a visitor is (ip, user agent): the same IP with another browser is another visitor', () => {
    hit(1, '/', at(0));
    hit(1, '/', at(1), { user_agent: sampleUserAgents.firefoxLinux });
    expect(stats('total')).toMatchObject({ visitors: 2, sessions: 2 });
  });
});

describe('active and growth', () => {
  it('active counts visitors of the past `start` seconds (default 600), by page', () => {
    const now = Date.now();
    const ago = (seconds: number) => new Date(now - seconds * 1000).toISOString();
    hit(1, '/', ago(30));
    hit(2, '/', ago(60));
    hit(2, '/docs', ago(50));
    hit(3, '/', ago(900));
    const result = call('GET', '/api/v1/statistics/active', { id: DEFAULT_DOMAIN_ID });
    expect(result).toEqual({
      status: 200,
      body: {
        visitors: 2,
        stats: [{ path: '/', visitors: 2 }, { path: '/docs', visitors: 1 }],
        countries: [{ country_code: 'jp', visitors: 2, relative_visitors: 1 }],
      },
    });
    expect(call('GET', '/api/v1/statistics/active', { id: DEFAULT_DOMAIN_ID, start: 1200 }).body).toMatchObject({ visitors: 3 });
  });

  it('growth compares with the period of the same length just before', () => {
    for (let visitor = 1; visitor <= 4; visitor++) hit(visitor, '/', `2024-04-30T12:0${visitor}:00Z`);
    tenVisitors();
    expect(stats('growth')).toEqual({
      visitors_growth: 1.5,
      views_growth: (19 - 4) / 4,
      sessions_growth: 1.5,
      bounces_growth: 0,
      time_spent_growth: 0,
      cr_growth: 0,
      custom_metric_avg_growth: 0,
      custom_metric_total_growth: 0,
    });
    expect(stats('growth', { from: '2024-04-30', to: '2024-04-30' })).toMatchObject({ visitors_growth: 0 });
  });
});

describe('requests the emulator refuses', () => {
  it('answers 400 without a domain ID, 404 for an unknown one', () => {
    expect(call('GET', '/api/v1/statistics/total', { from: '2024-05-01', to: '2024-05-01' })).toEqual({
      status: 400,
      body: { validation: { id: 'the domain ID is required' }, error: [] },
    });
    expect(call('GET', '/api/v1/statistics/total', { id: 'nope', from: '2024-05-01', to: '2024-05-01' })).toMatchObject({ status: 404 });
  });

  it('answers 400 for a missing or malformed date range, and for a bad pattern', () => {
    const missing = call('GET', '/api/v1/statistics/total', { id: DEFAULT_DOMAIN_ID });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ validation: { from: expect.any(String), to: expect.any(String) } });
    expect(call('GET', '/api/v1/statistics/total', { id: DEFAULT_DOMAIN_ID, from: '05/01/2024', to: '2024-05-01' }).status).toBe(400);
    expect(call('GET', '/api/v1/statistics/total', { id: DEFAULT_DOMAIN_ID, from: '2024-05-02', to: '2024-05-01' }).status).toBe(400);
    expect(call('GET', '/api/v1/statistics/page', { id: DEFAULT_DOMAIN_ID, from: '2024-05-01', to: '2024-05-01', pattern: '(' }).status).toBe(400);
  });

  it('answers 405 for another method and leaves unknown statistics paths to the server (404)', () => {
    expect(call('POST', '/api/v1/statistics/total').status).toBe(405);
    expect(handleApiRoute(store, 'GET', new URL('http://emulator.invalid/api/v1/statistics/nope'), undefined)).toBeUndefined();
  });
});

describe('domains', () => {
  it('hits count towards a created domain with their hostname, all others towards the default domain', () => {
    const created = call('POST', '/api/v1/domain', {}, { hostname: 'shop.example', subdomain: 'shop', timezone: 'UTC' });
    const shopId = (created.body as { id: string }).id;
    hit(1, '/', at(0));
    hit(2, '/', at(1), { url: 'https://www.shop.example/cart' });
    hit(3, '/', at(2), { url: 'https://elsewhere.example/' });
    expect(stats('total')).toMatchObject({ visitors: 2 });
    expect(stats('total', { id: shopId })).toMatchObject({ visitors: 1, views: 1 });
    expect(stats<{ path: string }[]>('page', { id: shopId }).map((page) => page.path)).toEqual(['/cart']);
  });
});

describe('screenClass', () => {
  it.each([
    [5120, 'UHD 5K'],
    [3840, 'UHD 4K'],
    [2560, 'WQHD'],
    [1920, 'Full HD'],
    [1280, 'HD'],
    [1024, 'XL'],
    [800, 'L'],
    [600, 'M'],
    [415, 'S'],
    [320, 'XS'],
    [0, ''],
  ])('%d is %s', (width, name) => {
    expect(screenClass(width)).toBe(name);
  });
});
