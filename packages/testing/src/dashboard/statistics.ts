import { DEFAULT_DOMAIN_ID } from '../management.js';
import { handleStatisticsRoute, isStatisticsPath } from '../statistics.js';
import type { EmulatorStore, ReceivedHit } from '../store.js';
import { hitsByChannel, hitsByTag } from './channels.js';

/** The periods the dashboard shows: today by hour (UTC), or the last 7 or 30 days by day. */
export const DASHBOARD_RANGES = ['today', '7d', '30d'] as const;
export type DashboardRange = (typeof DASHBOARD_RANGES)[number];

/** Rows per table. */
const TABLE_ROWS = 10;
/** Events broken down by their metadata, and keys per event: a bound on the calls per refresh. */
const EVENTS_WITH_META = 10;
const META_KEYS_PER_EVENT = 5;

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
 * @example
 * dashboardStatistics(emulator.store, 'today').total.visitors;
 */
export function dashboardStatistics(store: EmulatorStore, range: DashboardRange, now = Date.now()): DashboardStatistics {
  const days = range === 'today' ? 1 : range === '7d' ? 7 : 30;
  const from = day(now - (days - 1) * DAY_MS);
  const to = day(now);
  const view = viewOf(store.hits, store.events);
  const stats = (endpoint: string, params: Record<string, string> = {}): unknown => statistic(view, endpoint, { from, to, ...params });
  const list = (endpoint: string, params: Record<string, string> = {}): Row[] => rows(stats(endpoint, { limit: String(TABLE_ROWS), ...params }));

  const series =
    range === 'today'
      ? rows(stats('hours')).map((row) => ({ label: `${String(row.hour).padStart(2, '0')}:00`, visitors: count(row.visitors), views: count(row.views) }))
      : rows(stats('visitor')).map((row) => ({ label: String(row.day).slice(0, 10), visitors: count(row.visitors), views: count(row.views) }));

  const events = list('events').map((event) => {
    const keys = Array.isArray(event.meta_keys) ? event.meta_keys.filter((key): key is string => typeof key === 'string') : [];
    return { ...event, name: String(event.name), metadata: [] as { key: string; values: Row[] }[], keys };
  });
  for (const event of events.slice(0, EVENTS_WITH_META)) {
    event.metadata = event.keys
      .slice(0, META_KEYS_PER_EVENT)
      .map((key) => ({ key, values: list('event/meta', { event: event.name, event_meta_key: key }) }));
  }

  return {
    range,
    from,
    to,
    scale: range === 'today' ? 'hour' : 'day',
    total: record(stats('total')),
    series,
    pages: list('page'),
    entryPages: list('page/entry'),
    exitPages: list('page/exit'),
    referrers: list('referrer'),
    channels: isStatisticsPath('/api/v1/statistics/channel') ? list('channel') : channels(store.hits, from, to),
    utm: {
      source: list('utm/source'),
      medium: list('utm/medium'),
      campaign: list('utm/campaign'),
      content: list('utm/content'),
      term: list('utm/term'),
    },
    browsers: list('browser'),
    os: list('os'),
    platforms: record(stats('platform')),
    countries: list('country'),
    languages: list('language'),
    events: events.map(({ keys: _keys, ...event }) => event),
    tags: isStatisticsPath('/api/v1/statistics/tag/details') ? tagsFromApi(view, from, to) : tags(store.hits, from, to),
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

/** Visitors, views, sessions and bounces of a group of hits, counted by the statistics' `total`. */
function totalOf(hits: ReceivedHit[], from: string, to: string): Row {
  return record(statistic(viewOf(hits, []), 'total', { from, to }));
}

/** Visitors per channel (until the statistics have a channel route; then that is used). */
function channels(hits: ReceivedHit[], from: string, to: string): Row[] {
  const all = count(totalOf(hits, from, to).visitors);
  const result = [...hitsByChannel(hits)].map(([channel, group]) => {
    const total = totalOf(group, from, to);
    return { channel, visitors: count(total.visitors), views: count(total.views), relative_visitors: all > 0 ? count(total.visitors) / all : 0 };
  });
  return ranked(result.filter((row) => row.visitors > 0), (row) => row.channel);
}

/** Visitors per tag key and value (until the statistics have a tag route; then that is used). */
function tags(hits: ReceivedHit[], from: string, to: string): Row[] {
  const all = count(totalOf(hits, from, to).visitors);
  const result = [...hitsByTag(hits).values()].map(({ key, value, hits: group }) => {
    const total = totalOf(group, from, to);
    return { key, value, visitors: count(total.visitors), views: count(total.views), relative_visitors: all > 0 ? count(total.visitors) / all : 0 };
  });
  return ranked(result.filter((row) => row.visitors > 0), (row) => `${row.key}\n${row.value}`);
}

function tagsFromApi(view: EmulatorStore, from: string, to: string): Row[] {
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
