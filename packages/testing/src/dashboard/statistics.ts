import { setImmediate as nextTurn } from 'node:timers/promises';
import { DEFAULT_DOMAIN_ID } from '../management.js';
import { handleStatisticsRoute } from '../statistics.js';
import type { EmulatorStore, ReceivedHit } from '../store.js';

/** The periods the dashboard shows: today by hour (UTC), or the last 7 or 30 days by day. */
export const DASHBOARD_RANGES = ['today', '7d', '30d'] as const;
export type DashboardRange = (typeof DASHBOARD_RANGES)[number];

/** Rows per table. */
const TABLE_ROWS = 10;
/** Events broken down by their metadata, and keys per event: a bound on the calls per refresh. */
const EVENTS_WITH_META = 5;
const META_KEYS_PER_EVENT = 3;

type Row = Record<string, unknown>;

/** What the dashboard page reads from `/_dashboard/stats`. */
export interface DashboardStatistics {
  range: DashboardRange;
  from: string;
  to: string;
  /** `hour`: `series` has the 24 hours (UTC) of `from`; `day`: one entry per day. */
  scale: 'hour' | 'day';
  total: Row;
  series: { label: string; visitors: number; views: number }[];
  pages: Row[];
  entryPages: Row[];
  exitPages: Row[];
  referrers: Row[];
  channels: Row[];
  utm: { source: Row[]; medium: Row[]; campaign: Row[]; content: Row[]; term: Row[] };
  browsers: Row[];
  os: Row[];
  platforms: Row;
  countries: Row[];
  languages: Row[];
  events: (Row & { metadata: { key: string; values: Row[] }[] })[];
  tags: Row[];
  /** Everything received, bots and all other domains included. */
  received: { hits: number; events: number; sessions: number };
}

const day = (time: number) => new Date(time).toISOString().slice(0, 10);
const DAY_MS = 24 * 3600 * 1000;

/**
 * Every figure of the dashboard, computed by the emulator's statistics routes (the code that
 * answers `GET /api/v1/statistics/*`), for every domain at once: it reads the store through a view
 * of its own, whose account has only the default domain, so every hit counts towards it.
 *
 * Each route is a pass over the hits, and there are about thirty: between two, the event loop
 * answers the API's requests, so a dashboard open on many hits slows no delivery by more than one
 * route's pass.
 *
 * @example
 * (await dashboardStatistics(emulator.store, 'today')).total.visitors;
 */
export async function dashboardStatistics(store: EmulatorStore, range: DashboardRange, now = Date.now()): Promise<DashboardStatistics> {
  const days = range === 'today' ? 1 : range === '7d' ? 7 : 30;
  const from = day(now - (days - 1) * DAY_MS);
  const to = day(now);
  // Only what can count: the routes would pass over older hits to leave them out, thirty times.
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  const within = <T extends { time: string }>(items: T[]) =>
    items.filter((item) => {
      const time = Date.parse(item.time);
      return time >= start && time < end;
    });
  const hits = within(store.hits);
  const view = viewOf(hits, within(store.events));
  const stats = async (endpoint: string, params: Record<string, string> = {}): Promise<unknown> => {
    await nextTurn();
    return statistic(view, endpoint, { from, to, ...params });
  };
  const list = async (endpoint: string, params: Record<string, string> = {}): Promise<Row[]> =>
    rows(await stats(endpoint, { limit: String(TABLE_ROWS), ...params }));

  const series =
    range === 'today'
      ? rows(await stats('hours')).map((row) => ({ label: `${String(row.hour).padStart(2, '0')}:00`, visitors: count(row.visitors), views: count(row.views) }))
      : rows(await stats('visitor')).map((row) => ({ label: String(row.day).slice(0, 10), visitors: count(row.visitors), views: count(row.views) }));

  const events = [];
  for (const [index, event] of (await list('events')).entries()) {
    const name = String(event.name);
    const keys = Array.isArray(event.meta_keys) ? event.meta_keys.filter((key): key is string => typeof key === 'string') : [];
    const metadata: { key: string; values: Row[] }[] = [];
    if (index < EVENTS_WITH_META) {
      for (const key of keys.slice(0, META_KEYS_PER_EVENT)) metadata.push({ key, values: await list('event/meta', { event: name, event_meta_key: key }) });
    }
    events.push({ ...event, name, metadata });
  }

  return {
    range,
    from,
    to,
    scale: range === 'today' ? 'hour' : 'day',
    total: record(await stats('total')),
    series,
    pages: await list('page'),
    entryPages: await list('page/entry'),
    exitPages: await list('page/exit'),
    referrers: await list('referrer'),
    channels: await list('channel'),
    utm: {
      source: await list('utm/source'),
      medium: await list('utm/medium'),
      campaign: await list('utm/campaign'),
      content: await list('utm/content'),
      term: await list('utm/term'),
    },
    browsers: await list('browser'),
    os: await list('os'),
    platforms: record(await stats('platform')),
    countries: await list('country'),
    languages: await list('language'),
    events,
    tags: tagsOf(view, from, to),
    received: { hits: store.hits.length, events: store.events.length, sessions: store.sessions.length },
  };
}

/**
 * A store over the same hits and events with an account of its own. The account is created on
 * first use (see `managementState`) with only the default domain, so no hit counts towards a
 * domain created through the management API: the dashboard shows them all.
 */
function viewOf(hits: ReceivedHit[], events: EmulatorStore['events']): EmulatorStore {
  return { hits, events, sessions: [], requests: [] };
}

/** One statistics route's answer, as `GET /api/v1/statistics/<endpoint>?id=...` gets it. */
function statistic(store: EmulatorStore, endpoint: string, params: Record<string, string>): unknown {
  const url = new URL(`/api/v1/statistics/${endpoint}`, 'http://emulator.invalid');
  url.searchParams.set('id', DEFAULT_DOMAIN_ID);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const answer = handleStatisticsRoute(store, 'GET', url);
  if (answer?.status !== 200) throw new Error(`statistics/${endpoint} answered ${answer?.status ?? 404}`);
  return answer.body;
}

/** Visitors per tag key and value: the `tags` route's keys, each with its `tag/details`. */
function tagsOf(view: EmulatorStore, from: string, to: string): Row[] {
  const keys = rows(statistic(view, 'tags', { from, to, limit: String(TABLE_ROWS) }));
  const details = keys.flatMap((key) => rows(statistic(view, 'tag/details', { from, to, tag: String(key.key), limit: String(TABLE_ROWS) })));
  return ranked(details, (row) => `${String(row.key)}\n${String(row.value)}`);
}

/** Most visitors first, ties by `name` (as the statistics rank their rows), cut to a table's rows. */
function ranked<T extends Row>(list: T[], name: (row: T) => string): T[] {
  return list.sort((a, b) => count(b.visitors) - count(a.visitors) || name(a).localeCompare(name(b))).slice(0, TABLE_ROWS);
}

function rows(value: unknown): Row[] {
  return Array.isArray(value) ? value.filter((row): row is Row => typeof row === 'object' && row !== null) : [];
}

function record(value: unknown): Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Row) : {};
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
