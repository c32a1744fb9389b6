import type {
  ActiveVisitorStats,
  ConversionGoal,
  ConversionGoalStats,
  EntryStats,
  EventListStats,
  EventMetaStats,
  EventStats,
  ExitStats,
  Growth,
  PageStats,
  PageTimeSpentStats,
  PlatformStats,
  ReferrerStats,
  TimeSpentStats,
  ConversionStats,
  TotalVisitorStats,
  VisitorHourStats,
  VisitorStats,
} from '@pirsch-node/core';
import type { RouteResult } from './api-routes.js';
import { channelOf } from './channel.js';
import { locate } from './geo.js';
import { parseRegex } from './linear-regex.js';
import {
  DEFAULT_DOMAIN_ID,
  invalid,
  managementState,
  notFound,
  patternFromPathPattern,
  type FunnelStepFilter,
  type GoalExtras,
  type ManagementState,
} from './management.js';
import { FIELD_PARAMS, fieldFilter, matchesField, parseStatisticsQuery, periodOf, zoned, type StatisticsQuery } from './statistics-query.js';
import type { EmulatorStore, ReceivedHit } from './store.js';
import { parseUserAgent, type ParsedUserAgent } from './user-agent.js';

/** A new session starts when a visitor was away this long. */
export const SESSION_GAP_MS = 30 * 60 * 1000;
const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const;
type UtmField = (typeof UTM)[number];
type Query = StatisticsQuery;

/** What a hit or an event tells about its visitor, as the emulator derives it. */
export interface Visit {
  time: number;
  /** `(ip, user_agent)`: the emulator's visitor. */
  visitor: string;
  path: string;
  title: string;
  hostname: string;
  language: string;
  referrer: string;
  referrer_name: string;
  channel: string;
  utm: Record<UtmField, string>;
  ua: ParsedUserAgent;
  screen_class: string;
  screen_width: string;
  screen_height: string;
  country_code: string;
  region: string;
  city: string;
  tags: Record<string, string>;
}

export interface PageView extends Visit {
  session: Session;
  /** Seconds until the next page view of the session; undefined for the last one. */
  timeSpent: number | undefined;
}

export interface Session {
  visitor: string;
  views: PageView[];
  /** A session with a single page view. */
  bounce: boolean;
  /** Seconds from the first to the last page view. */
  duration: number;
}

export interface EventVisit extends Visit {
  name: string;
  meta: Record<string, string>;
  duration: number;
}

// --- deriving dimensions ----------------------------------------------------------------------

function parseUrl(value: string | undefined): URL | undefined {
  if (!value) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `en-US,en;q=0.9` to `en`. */
function language(acceptLanguage: string | undefined): string {
  const first = acceptLanguage?.split(',')[0]?.split(';')[0]?.trim() ?? '';
  return first.split('-')[0]?.toLowerCase() ?? '';
}

/** Minimum widths of Pirsch's screen classes, widest first. */
const SCREEN_CLASSES: ReadonlyArray<readonly [number, string]> = [
  [5120, 'UHD 5K'],
  [3840, 'UHD 4K'],
  [2560, 'WQHD'],
  [1920, 'Full HD'],
  [1280, 'HD'],
  [1024, 'XL'],
  [800, 'L'],
  [600, 'M'],
  [415, 'S'],
];

/** Screen classes by width, as Pirsch has them. */
export function screenClass(width: number): string {
  if (!(width > 0)) return '';
  return SCREEN_CLASSES.find(([min]) => width >= min)?.[1] ?? 'XS';
}

/** The referrer as Pirsch reads it: the `ref` parameters win, `source`/`utm_source` fill in; self-referrals are dropped. */
function referrer(hit: ReceivedHit, url: URL | undefined): { referrer: string; referrer_name: string } {
  const params = url?.searchParams;
  const raw =
    params?.get('ref') || params?.get('referrer') || params?.get('referer') || hit.referrer || params?.get('source') || params?.get('utm_source') || '';
  if (!raw) return { referrer: '', referrer_name: '' };
  const parsed = parseUrl(raw);
  if (!parsed || !parsed.hostname) return { referrer: raw, referrer_name: raw };
  if (url && parsed.hostname === url.hostname) return { referrer: '', referrer_name: '' };
  const path = parsed.pathname === '/' ? '' : parsed.pathname;
  return { referrer: `${parsed.protocol}//${parsed.host}${path}`, referrer_name: parsed.hostname.replace(/^www\./, '') };
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) if (typeof entry === 'string' || typeof entry === 'number' || typeof entry === 'boolean') out[key] = String(entry);
  return out;
}
/**
 * What each hit tells, worked out once per hit (parsing its URL, referrer and user agent is most
 * of a statistics call): every route, and the dashboard's many, read the same recorded hits again.
 * A recorded hit is not changed afterwards, so its visit stays true.
 */
const visits = new WeakMap<ReceivedHit, Visit | null>();

function visitOf(hit: ReceivedHit): Visit | undefined {
  let visit = visits.get(hit);
  if (visit === undefined) {
    visit = readVisit(hit) ?? null;
    visits.set(hit, visit);
  }
  return visit ?? undefined;
}

function readVisit(hit: ReceivedHit): Visit | undefined {
  const time = Date.parse(hit.time);
  const url = parseUrl(hit.url);
  if (Number.isNaN(time) || !url) return undefined;
  const width = Number(hit.screen_width ?? hit.sec_ch_width ?? hit.sec_ch_viewport_width ?? 0);
  const utm = Object.fromEntries(UTM.map((field) => [field, url.searchParams.get(field) ?? ''])) as Record<UtmField, string>;
  const from = referrer(hit, url);
  return {
    time,
    visitor: `${hit.ip}\n${hit.user_agent}`,
    path: url.pathname,
    title: hit.title ?? '',
    hostname: url.hostname.toLowerCase(),
    language: language(hit.accept_language),
    ...from,
    channel: channelOf(from.referrer_name, utm.utm_medium, utm.utm_source),
    utm,
    ua: parseUserAgent(hit.user_agent),
    screen_class: screenClass(width),
    screen_width: hit.screen_width ? String(hit.screen_width) : '',
    screen_height: hit.screen_height ? String(hit.screen_height) : '',
    ...locate(hit.ip),
    tags: stringMap((hit as { tags?: unknown }).tags),
  };
}

// --- selecting data ---------------------------------------------------------------------------

/** The domain a hit counts towards: a created domain with its hostname, else the default domain. */
export function domainOfHost(state: ManagementState, hostname: string): string {
  const host = hostname.replace(/^www\./, '');
  const bare = (name: string) => name.toLowerCase().replace(/^www\./, '');
  const own =
    state.domains.find((domain) => domain.id !== DEFAULT_DOMAIN_ID && bare(domain.hostname) === host) ??
    state.domains.find((domain) => domain.id !== DEFAULT_DOMAIN_ID && state.alternatives.some((alternative) => alternative.domain_id === domain.id && bare(alternative.hostname) === host));
  return own?.id ?? DEFAULT_DOMAIN_ID;
}

function keep(hit: ReceivedHit, visit: Visit | undefined, query: Query, state: ManagementState): visit is Visit {
  return (
    visit !== undefined &&
    (!visit.ua.bot || hit.disable_bot_filter === true) &&
    visit.time >= query.start &&
    visit.time <= query.end &&
    domainOfHost(state, visit.hostname) === query.domain
  );
}

/** Page views of the range, each in its session (a visitor's views with gaps under 30 minutes). */
function pageViews(store: EmulatorStore, query: Query, state: ManagementState): PageView[] {
  const byVisitor = new Map<string, Visit[]>();
  for (const hit of store.hits) {
    const visit = visitOf(hit);
    if (!keep(hit, visit, query, state)) continue;
    const list = byVisitor.get(visit.visitor) ?? [];
    list.push(visit);
    byVisitor.set(visit.visitor, list);
  }
  const views: PageView[] = [];
  for (const [visitor, visits] of byVisitor) {
    visits.sort((a, b) => a.time - b.time);
    let session: Session | undefined;
    for (const visit of visits) {
      const previous = session?.views.at(-1);
      if (!session || !previous || visit.time - previous.time >= SESSION_GAP_MS) {
        session = { visitor, views: [], bounce: true, duration: 0 };
      }
      // The channel is the session's, set by its first page: a click to the next page of the same
      // site (no referrer) is no new Direct visit, as Pirsch counts channels per session.
      const view: PageView = { ...visit, channel: session.views[0]?.channel ?? visit.channel, session, timeSpent: undefined };
      if (previous && previous.session === session) previous.timeSpent = Math.round((visit.time - previous.time) / 1000);
      session.views.push(view);
      session.bounce = session.views.length === 1;
      session.duration = Math.round((visit.time - (session.views[0]?.time ?? visit.time)) / 1000);
      views.push(view);
    }
  }
  return views;
}

function eventsOf(store: EmulatorStore, query: Query, state: ManagementState): EventVisit[] {
  const events: EventVisit[] = [];
  for (const event of store.events) {
    const visit = visitOf(event);
    if (!keep(event, visit, query, state)) continue;
    events.push({ ...visit, name: event.event_name, meta: stringMap(event.event_meta), duration: Number(event.event_duration ?? 0) || 0 });
  }
  return events;
}

/** How each dimension parameter reads a visit. `entry_path`/`exit_path` read the session, see `select`. */
const DIMENSIONS: Record<Exclude<(typeof FIELD_PARAMS)[number], 'entry_path' | 'exit_path'>, (visit: Visit) => string> = {
  path: (visit) => visit.path,
  title: (visit) => visit.title,
  hostname: (visit) => visit.hostname,
  language: (visit) => visit.language,
  country: (visit) => visit.country_code,
  region: (visit) => visit.region,
  city: (visit) => visit.city,
  referrer: (visit) => visit.referrer,
  referrer_name: (visit) => visit.referrer_name,
  channel: (visit) => visit.channel,
  os: (visit) => visit.ua.os,
  os_version: (visit) => visit.ua.osVersion,
  browser: (visit) => visit.ua.browser,
  browser_version: (visit) => visit.ua.browserVersion,
  platform: (visit) => visit.ua.platform,
  screen_class: (visit) => visit.screen_class,
  screen_width: (visit) => visit.screen_width,
  screen_height: (visit) => visit.screen_height,
  utm_source: (visit) => visit.utm.utm_source,
  utm_medium: (visit) => visit.utm.utm_medium,
  utm_campaign: (visit) => visit.utm.utm_campaign,
  utm_content: (visit) => visit.utm.utm_content,
  utm_term: (visit) => visit.utm.utm_term,
};

function matchesDimensions(visit: Visit, query: Query): boolean {
  for (const [param, filter] of query.fields) {
    const read = DIMENSIONS[param as keyof typeof DIMENSIONS];
    if (read && !matchesField(read(visit), filter)) return false;
  }
  for (const [key, filter] of query.tags) if (!matchesField(visit.tags[key] ?? '', filter)) return false;
  if (query.tagKeys.length > 0 && !query.tagKeys.some((key) => Object.hasOwn(visit.tags, key))) return false;
  return !query.pattern || query.pattern.test(visit.path);
}

function matchesEvent(event: EventVisit, query: Query): boolean {
  if (query.event && !matchesField(event.name, query.event)) return false;
  return query.meta.every(([key, filter]) => event.meta[key] !== undefined && matchesField(event.meta[key] ?? '', filter));
}

function hasEventFilter(query: Query): boolean {
  return query.event !== undefined || query.meta.length > 0;
}

/** What a statistics request selected: see `selectStatistics`. */
export interface StatisticsData {
  /** Page views after every filter. */
  views: PageView[];
  /** Page views after every filter but the event ones: the base of conversion rates. */
  viewsWithoutEventFilter: PageView[];
  /** Events after every filter. */
  events: EventVisit[];
}
type Data = StatisticsData;

/**
 * The page views and events of the store that a query selects (range, domain, bots, every filter),
 * each page view in its session. Pure: the store is only read.
 */
export function selectStatistics(store: EmulatorStore, query: Query, state: ManagementState): Data {
  const entry = query.fields.get('entry_path');
  const exit = query.fields.get('exit_path');
  const viewsWithoutEventFilter = pageViews(store, query, state).filter(
    (view) =>
      matchesDimensions(view, query) &&
      (entry === undefined || matchesField(view.session.views[0]?.path ?? '', entry)) &&
      (exit === undefined || matchesField(view.session.views.at(-1)?.path ?? '', exit)),
  );
  const events = eventsOf(store, query, state).filter((event) => matchesDimensions(event, query) && matchesEvent(event, query));
  let views = viewsWithoutEventFilter;
  if (hasEventFilter(query)) {
    const converted = new Set(events.map((event) => event.visitor));
    views = views.filter((view) => converted.has(view.visitor));
  }
  return { views, viewsWithoutEventFilter, events };
}
const select = selectStatistics;

// --- counting ---------------------------------------------------------------------------------

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const average = (values: number[]) => (values.length > 0 ? Math.round(values.reduce((sum, value) => sum + value, 0) / values.length) : 0);

function totals(views: PageView[]): Omit<TotalVisitorStats, keyof ConversionStats> {
  const sessions = new Set(views.map((view) => view.session));
  const bounces = [...sessions].filter((session) => session.bounce).length;
  return {
    visitors: new Set(views.map((view) => view.visitor)).size,
    views: views.length,
    sessions: sessions.size,
    bounces,
    bounce_rate: rate(bounces, sessions.size),
  };
}

/**
 * `cr` (visitors who sent the event / all visitors) when the query filters by event, and the
 * custom metric when `custom_metric_key`/`custom_metric_type` are set; 0 otherwise, as the API
 * answers them (the document's overview sample has `"cr": 0` and both custom metric fields at 0).
 */
function extras(query: Query, views: PageView[], base: PageView[], events: EventVisit[]): { cr: number; custom_metric_avg: number; custom_metric_total: number } {
  const out = { cr: 0, custom_metric_avg: 0, custom_metric_total: 0 };
  if (hasEventFilter(query)) out.cr = rate(distinctVisitors(views), distinctVisitors(base));
  if (query.customMetric) {
    const { key, type } = query.customMetric;
    const values = events
      .map((event) => (type === 'integer' ? Number.parseInt(event.meta[key] ?? '', 10) : Number.parseFloat(event.meta[key] ?? '')))
      .filter((value) => Number.isFinite(value));
    const total = values.reduce((sum, value) => sum + value, 0);
    out.custom_metric_total = total;
    out.custom_metric_avg = values.length > 0 ? total / values.length : 0;
  }
  return out;
}

function fullTotals(data: Data, query: Query, views = data.views, base = data.viewsWithoutEventFilter, events = data.events) {
  return { ...totals(views), ...extras(query, views, base, events) };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

function distinctVisitors(items: { visitor: string }[]): number {
  return new Set(items.map((item) => item.visitor)).size;
}

/**
 * Sorts by `visitors` (or another count), most first, ties by key; or by the `sort` field in the
 * `direction` asked. Then `search` (the key contains it), `offset` and `limit`.
 */
function ranked<T>(rows: T[], query: Query, count: (row: T) => number, key: (row: T) => string): T[] {
  const field = query.sort;
  const sample = rows[0] as Record<string, unknown> | undefined;
  if (field !== undefined && sample !== undefined && (typeof sample[field] === 'number' || typeof sample[field] === 'string')) {
    const sign = query.direction === 'asc' ? 1 : -1;
    const read = (row: T) => (row as Record<string, unknown>)[field];
    rows.sort((a, b) => {
      const x = read(a);
      const y = read(b);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * order || key(a).localeCompare(key(b));
    });
  } else {
    const sign = query.direction === 'asc' ? -1 : 1;
    rows.sort((a, b) => sign * (count(b) - count(a)) || key(a).localeCompare(key(b)));
  }
  const found = query.search === undefined ? rows : rows.filter((row) => key(row).toLowerCase().includes(query.search as string));
  return paged(found, query);
}

function paged<T>(rows: T[], query: Query): T[] {
  const end = query.limit === undefined ? undefined : query.offset + query.limit;
  return query.offset === 0 && end === undefined ? rows : rows.slice(query.offset, end);
}

/** A breakdown by one dimension: visitors and their share, most first. */
function breakdown<K extends string>(views: PageView[], query: Query, field: K, read: (view: PageView) => string, skipEmpty = false) {
  const total = distinctVisitors(views);
  const rows = [...groupBy(views, read)]
    .filter(([value]) => !skipEmpty || value !== '')
    .map(([value, group]) => ({ visitors: distinctVisitors(group), relative_visitors: rate(distinctVisitors(group), total), [field]: value }) as {
      visitors: number;
      relative_visitors: number;
    } & Record<K, string>);
  return ranked(rows, query, (row) => row.visitors, (row) => row[field]);
}

/** A breakdown by several fields at once (`os` and `os_version`, `country_code`, `region` and `city`, ...). */
function multiBreakdown(views: PageView[], query: Query, fields: string[], read: (view: PageView) => string[], skipEmpty = false) {
  const total = distinctVisitors(views);
  const rows = [...groupBy(views, (view) => JSON.stringify(read(view)))]
    .filter(([key]) => !skipEmpty || (JSON.parse(key) as string[]).some((value) => value !== ''))
    .map(([key, group]) => {
      const values = JSON.parse(key) as string[];
      const row: Record<string, string | number> = { visitors: distinctVisitors(group), relative_visitors: rate(distinctVisitors(group), total) };
      fields.forEach((field, index) => (row[field] = values[index] ?? ''));
      return row;
    });
  return ranked(rows, query, (row) => row.visitors as number, (row) => fields.map((field) => String(row[field])).join('\n'));
}

function latestTitle(views: PageView[]): string {
  let title = '';
  let time = -Infinity;
  for (const view of views) {
    if (view.title && view.time >= time) {
      title = view.title;
      time = view.time;
    }
  }
  return title;
}

function timeSpent(views: PageView[]): number {
  return average(views.flatMap((view) => (view.timeSpent === undefined ? [] : [view.timeSpent])));
}

function sessionDuration(views: PageView[]): number {
  const sessions = new Set(views.map((view) => view.session));
  return average([...sessions].filter((session) => !session.bounce).map((session) => session.duration));
}

/**
 * One row per period of the range (days by default, or the `scale`), in the query's time zone.
 * With a scale other than `day`, rows carry `day`, `week`, `month` and `year`, the scale's one set.
 */
function perPeriod<T extends object>(views: PageView[], query: Query, make: (views: PageView[], period: string) => T): Array<T & Record<string, unknown>> {
  const byPeriod = groupBy(views, (view) => periodOf(view.time, query));
  return query.periods.map((period) => {
    const row = make(byPeriod.get(period) ?? [], period);
    return query.scale === 'day' ? { day: period, ...row } : { day: null, week: null, month: null, year: null, [query.scale]: period, ...row };
  });
}

function pageRows(views: PageView[], query: Query, all = totals(views)): PageStats[] {
  const withTime = query.params.get('include_avg_time_on_page') === 'true';
  const byTitle = query.params.get('include_title') === 'true';
  const rows = [...groupBy(views, (view) => (byTitle ? `${view.path}\n${view.title}` : view.path))].map(([, group]): PageStats => {
    const stats = totals(group);
    return {
      path: group[0]?.path ?? '',
      title: byTitle ? (group[0]?.title ?? '') : latestTitle(group),
      visitors: stats.visitors,
      views: stats.views,
      sessions: stats.sessions,
      bounces: stats.bounces,
      relative_visitors: rate(stats.visitors, all.visitors),
      relative_views: rate(stats.views, all.views),
      bounce_rate: stats.bounce_rate,
      average_time_spent_seconds: withTime ? timeSpent(group) : 0,
    };
  });
  return ranked(rows, query, (row) => row.visitors, (row) => row.path);
}

function entryOrExit(views: PageView[], which: 'entry' | 'exit') {
  const sessions = new Set(views.map((view) => view.session));
  const edge = (session: Session) => (which === 'entry' ? session.views[0] : session.views.at(-1));
  const edges = [...sessions].map(edge).filter((view): view is PageView => view !== undefined);
  const byPath = groupBy(views, (view) => view.path);
  return [...groupBy(edges, (view) => view.path)].map(([path, group]) => ({
    path,
    title: latestTitle(byPath.get(path) ?? []),
    visitors: distinctVisitors(group),
    sessions: new Set((byPath.get(path) ?? []).map((view) => view.session)).size,
    count: group.length,
    rate: rate(group.length, sessions.size),
    time: timeSpent(group),
  }));
}

function entryPages(views: PageView[], query: Query): EntryStats[] {
  const rows = entryOrExit(views, 'entry').map(
    (row): EntryStats => ({
      path: row.path,
      title: row.title,
      visitors: row.visitors,
      sessions: row.sessions,
      entries: row.count,
      entry_rate: row.rate,
      average_time_spent_seconds: row.time,
    }),
  );
  return ranked(rows, query, (row) => row.entries, (row) => row.path);
}

function exitPages(views: PageView[], query: Query): ExitStats[] {
  const rows = entryOrExit(views, 'exit').map(
    (row): ExitStats => ({
      path: row.path,
      title: row.title,
      visitors: row.visitors,
      sessions: row.sessions,
      exits: row.count,
      exit_rate: row.rate,
    }),
  );
  return ranked(rows, query, (row) => row.exits, (row) => row.path);
}

function referrers(views: PageView[], query: Query): ReferrerStats[] {
  const total = distinctVisitors(views);
  const rows = [...groupBy(views, (view) => view.referrer)]
    .filter(([value]) => value !== '')
    .map(([value, group]): ReferrerStats => {
      const stats = totals(group);
      return {
        referrer: value,
        referrer_name: group[0]?.referrer_name ?? '',
        referrer_icon: '',
        visitors: stats.visitors,
        sessions: stats.sessions,
        relative_visitors: rate(stats.visitors, total),
        bounces: stats.bounces,
        bounce_rate: stats.bounce_rate,
      };
    });
  return ranked(rows, query, (row) => row.visitors, (row) => row.referrer);
}

/** Visitors, views, sessions, bounces and their shares per value of one dimension (hostname, channel). */
function trafficBreakdown(views: PageView[], query: Query, field: string, read: (view: PageView) => string) {
  const all = totals(views);
  const rows = [...groupBy(views, read)].map(([value, group]) => {
    const stats = totals(group);
    return {
      [field]: value,
      visitors: stats.visitors,
      views: stats.views,
      sessions: stats.sessions,
      bounces: stats.bounces,
      relative_visitors: rate(stats.visitors, all.visitors),
      relative_views: rate(stats.views, all.views),
      bounce_rate: stats.bounce_rate,
    };
  });
  return ranked(rows, query, (row) => row.visitors, (row) => String(row[field]));
}

function platforms(views: PageView[]): PlatformStats {
  const total = distinctVisitors(views);
  const count = (platform: string) => distinctVisitors(views.filter((view) => view.ua.platform === platform));
  const desktop = count('desktop');
  const mobile = count('mobile');
  const unknown = count('unknown');
  return {
    platform_desktop: desktop,
    platform_mobile: mobile,
    platform_unknown: unknown,
    relative_platform_desktop: rate(desktop, total),
    relative_platform_mobile: rate(mobile, total),
    relative_platform_unknown: rate(unknown, total),
  };
}

/** Rows for every value of a clock field (hour of the day, minute of the hour), in the query's time zone. */
function byClock(data: Data, query: Query, field: 'hour' | 'minute', count: number) {
  const read = (visit: Visit) => String(zoned(visit.time, query.tz)[field]);
  const views = groupBy(data.views, read);
  const base = groupBy(data.viewsWithoutEventFilter, read);
  const events = groupBy(data.events, read);
  return Array.from({ length: count }, (_, value) => {
    const key = String(value);
    return { [field]: value, ...fullTotals(data, query, views.get(key) ?? [], base.get(key) ?? [], events.get(key) ?? []) };
  });
}

function weekdays(views: PageView[], query: Query) {
  const groups = groupBy(views, (view) => {
    const z = zoned(view.time, query.tz);
    return `${z.weekday}:${z.hour}`;
  });
  const rows = [];
  for (let weekday = 0; weekday < 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const { visitors, views: count, sessions, bounces } = totals(groups.get(`${weekday}:${hour}`) ?? []);
      rows.push({ weekday, hour, visitors, views: count, sessions, bounces });
    }
  }
  return rows;
}

function active(views: PageView[], query: Query): ActiveVisitorStats & { countries: unknown[] } {
  const rows = [...groupBy(views, (view) => view.path)].map(([path, group]) => ({ path, visitors: distinctVisitors(group) }));
  const total = distinctVisitors(views);
  const countries = [...groupBy(views, (view) => view.country_code)].map(([country_code, group]) => ({
    visitors: distinctVisitors(group),
    relative_visitors: rate(distinctVisitors(group), total),
    country_code,
  }));
  countries.sort((a, b) => b.visitors - a.visitors || a.country_code.localeCompare(b.country_code));
  return { stats: ranked(rows, query, (row) => row.visitors, (row) => row.path), countries, visitors: total };
}

function growth(store: EmulatorStore, query: Query, state: ManagementState): Growth & Record<string, number> {
  const length = query.end - query.start + 1;
  const previousQuery: Query = { ...query, start: query.start - length, end: query.start - 1 };
  const current = select(store, query, state);
  const previous = select(store, previousQuery, state);
  const now = fullTotals(current, query);
  const before = fullTotals(previous, previousQuery);
  const change = (a: number, b: number) => (b > 0 ? (a - b) / b : 0);
  const out: Growth & Record<string, number> = {
    visitors_growth: change(now.visitors, before.visitors),
    views_growth: change(now.views, before.views),
    sessions_growth: change(now.sessions, before.sessions),
    bounces_growth: change(now.bounces, before.bounces),
    time_spent_growth: change(sessionDuration(current.views), sessionDuration(previous.views)),
    cr_growth: change(now.cr, before.cr),
    custom_metric_avg_growth: change(now.custom_metric_avg, before.custom_metric_avg),
    custom_metric_total_growth: change(now.custom_metric_total, before.custom_metric_total),
  };
  return out;
}

/** Whether a goal's conditions hold for a page view or an event (see STATISTICS.md). */
function goalReached(goal: ConversionGoal & GoalExtras) {
  const parsed = goal.pattern ? parseRegex(goal.pattern) : undefined;
  const pathOk = (visit: Visit) => parsed === undefined || (parsed.ok && parsed.regex.test(visit.path));
  const tagsOk = (visit: Visit) =>
    (goal.tags ?? []).every((tag) => {
      const [key = '', value] = tag.split('=');
      return value === undefined ? Object.hasOwn(visit.tags, key) : visit.tags[key] === value;
    });
  return {
    byEvent: Boolean(goal.event_name),
    view: (view: PageView) => pathOk(view) && tagsOk(view),
    event: (event: EventVisit) =>
      event.name === goal.event_name &&
      pathOk(event) &&
      tagsOk(event) &&
      (!goal.event_meta_key || goal.event_meta_value == null || event.meta[goal.event_meta_key] === goal.event_meta_value),
  };
}

function conversionGoals(data: Data, query: Query, state: ManagementState): ConversionGoalStats[] {
  const total = distinctVisitors(data.views);
  const rows = state.goals
    .filter((goal) => goal.domain_id === query.domain)
    .map((goal): ConversionGoalStats => {
      const reached = goalReached(goal);
      const hits: Visit[] = reached.byEvent ? data.events.filter(reached.event) : data.views.filter(reached.view);
      const visitors = distinctVisitors(hits);
      return { page_goal: goal, stats: { visitors, views: hits.length, cr: rate(visitors, total) } };
    });
  return ranked(rows, query, (row) => row.stats.visitors, (row) => row.page_goal.name);
}

function eventRow(name: string, group: EventVisit[], total: number) {
  const visitors = distinctVisitors(group);
  return {
    name,
    count: group.length,
    visitors,
    views: group.length,
    cr: rate(visitors, total),
    average_duration_seconds: average(group.map((event) => event.duration)),
  };
}

function events(data: Data, query: Query): EventStats[] {
  const total = distinctVisitors(data.viewsWithoutEventFilter);
  const rows = [...groupBy(data.events, (event) => event.name)].map(
    ([name, group]): EventStats => ({
      ...eventRow(name, group, total),
      meta_keys: [...new Set(group.flatMap((event) => Object.keys(event.meta)))].sort(),
    }),
  );
  return ranked(rows, query, (row) => row.visitors, (row) => row.name);
}

function eventMetadata(data: Data, query: Query): EventMetaStats[] {
  const name = query.params.get('event');
  const key = query.params.get('event_meta_key');
  if (!name || !key) return [];
  const total = distinctVisitors(data.viewsWithoutEventFilter);
  const withKey = data.events.filter((event) => event.meta[key] !== undefined);
  const rows = [...groupBy(withKey, (event) => event.meta[key] ?? '')].map(
    ([value, group]): EventMetaStats => ({ ...eventRow(name, group, total), meta_value: value }),
  );
  return ranked(rows, query, (row) => row.visitors, (row) => row.meta_value);
}

function listEvents(data: Data, query: Query): EventListStats[] {
  const canonical = (event: Pick<EventVisit, 'name' | 'meta'>) =>
    JSON.stringify([event.name, Object.entries(event.meta).sort(([a], [b]) => a.localeCompare(b))]);
  const rows = [...groupBy(data.events, canonical)].map(([, group]): EventListStats => {
    const first = group[0] as EventVisit;
    return { name: first.name, meta: first.meta, visitors: distinctVisitors(group), count: group.length };
  });
  return ranked(rows, query, (row) => row.count, canonical);
}

/** Pages where the event was sent: page statistics over the views of the visitors who sent it on that page. */
function eventPages(data: Data, query: Query): PageStats[] {
  if (!query.event) return [];
  const sentOn = new Set(data.events.map((event) => `${event.visitor}\n${event.path}`));
  const views = data.viewsWithoutEventFilter.filter((view) => sentOn.has(`${view.visitor}\n${view.path}`));
  return pageRows(views, query, totals(data.viewsWithoutEventFilter));
}

function tagRows(views: PageView[], query: Query, key: string | undefined) {
  const all = totals(views);
  const pairs: Array<{ key: string; value: string; view: PageView }> = [];
  for (const view of views) {
    for (const [tagKey, value] of Object.entries(view.tags)) if (key === undefined || tagKey === key) pairs.push({ key: tagKey, value, view });
  }
  const grouped = groupBy(pairs, (pair) => (key === undefined ? pair.key : `${pair.key}\n${pair.value}`));
  const rows = [...grouped].map(([, group]) => {
    const first = group[0] as (typeof pairs)[number];
    const groupViews = group.map((pair) => pair.view);
    const visitors = distinctVisitors(groupViews);
    return {
      key: first.key,
      ...(key === undefined ? {} : { value: first.value }),
      visitors,
      views: groupViews.length,
      relative_visitors: rate(visitors, all.visitors),
      relative_views: rate(groupViews.length, all.views),
    };
  });
  return ranked(rows, query, (row) => row.visitors, (row) => (key === undefined ? row.key : String(row.value)));
}

// --- funnels and sessions ---------------------------------------------------------------------

/** Whether a step filter (a funnel's, as stored by the management routes) holds for a page view or event. */
function stepMatches(filter: FunnelStepFilter, visit: Visit, event: EventVisit | undefined): boolean {
  const list = (field: keyof FunnelStepFilter, value: string) => {
    const wanted = filter[field];
    return !Array.isArray(wanted) || wanted.length === 0 || matchesField(value, fieldFilter(wanted));
  };
  const ua = visit.ua;
  if (
    !list('path', visit.path) ||
    !list('language', visit.language) ||
    !list('country', visit.country_code) ||
    !list('region', visit.region) ||
    !list('city', visit.city) ||
    !list('referrer', visit.referrer) ||
    !list('referrer_name', visit.referrer_name) ||
    !list('os', ua.os) ||
    !list('os_version', ua.osVersion) ||
    !list('browser', ua.browser) ||
    !list('browser_version', ua.browserVersion) ||
    !list('screen_class', visit.screen_class) ||
    !UTM.every((field) => list(field, visit.utm[field]))
  ) {
    return false;
  }
  if (typeof filter.platform === 'string' && filter.platform !== '' && filter.platform !== ua.platform) return false;
  const patterns = [...(filter.path_pattern ?? []).map(patternFromPathPattern), ...(filter.path_regex ?? [])];
  if (patterns.length > 0 && !patterns.some((pattern) => compiledPattern(pattern)?.test(visit.path))) return false;
  for (const [key, value] of Object.entries(filter.tags ?? {})) if (visit.tags[key] !== value) return false;
  if ((filter.tag ?? []).length > 0 && !(filter.tag ?? []).some((key) => Object.hasOwn(visit.tags, key))) return false;
  const eventNames = filter.event_name ?? [];
  if (eventNames.length > 0 || (filter.event_meta_key ?? []).length > 0 || Object.keys(filter.event_meta ?? {}).length > 0) {
    if (!event) return false;
    if (eventNames.length > 0 && !eventNames.includes(event.name)) return false;
    if (!(filter.event_meta_key ?? []).every((key) => Object.hasOwn(event.meta, key))) return false;
    for (const [key, value] of Object.entries(filter.event_meta ?? {})) if (event.meta[key] !== value) return false;
  }
  return true;
}

const compiledPatterns = new Map<string, ReturnType<typeof parseRegex>>();
function compiledPattern(pattern: string) {
  let parsed = compiledPatterns.get(pattern);
  if (!parsed) {
    parsed = parseRegex(pattern);
    if (compiledPatterns.size > 1000) compiledPatterns.clear();
    compiledPatterns.set(pattern, parsed);
  }
  return parsed.ok ? parsed.regex : undefined;
}

/**
 * A funnel over the selected page views and events: a visitor reaches step n+1 with a page view or
 * event matching its filter at or after the moment they reached step n, in the range.
 */
function funnel(data: Data, query: Query, state: ManagementState): RouteResult | unknown {
  const id = query.params.get('funnel_id');
  if (!id) return invalid({ funnel_id: 'the funnel ID is required' });
  const definition = state.funnels.find((candidate) => candidate.id === id && candidate.domain_id === query.domain);
  if (!definition) return notFound('funnel');
  const timeline = new Map<string, Array<{ visit: Visit; event?: EventVisit }>>();
  // Appended in place: copying a visitor's list per page view made this quadratic (40,000 views of one visitor: 13 s).
  const add = (visitor: string, item: { visit: Visit; event?: EventVisit }): void => {
    const items = timeline.get(visitor);
    if (items === undefined) timeline.set(visitor, [item]);
    else items.push(item);
  };
  for (const view of data.viewsWithoutEventFilter) add(view.visitor, { visit: view });
  for (const event of data.events) add(event.visitor, { visit: event, event });
  const reached = definition.steps.map(() => 0);
  for (const items of timeline.values()) {
    items.sort((a, b) => a.visit.time - b.visit.time);
    let since = -Infinity;
    for (const [index, step] of definition.steps.entries()) {
      const hit = items.find((item) => item.visit.time >= since && stepMatches(step.filter, item.visit, item.event));
      if (!hit) break;
      reached[index] = (reached[index] ?? 0) + 1;
      since = hit.visit.time;
    }
  }
  const first = reached[0] ?? 0;
  return {
    definition,
    data: reached.map((visitors, index) => {
      const previous = index === 0 ? 0 : (reached[index - 1] ?? 0);
      const dropped = index === 0 ? 0 : previous - visitors;
      return {
        step: index + 1,
        visitors,
        relative_visitors: rate(visitors, first),
        previous_visitors: previous,
        relative_previous_visitors: index === 0 ? 0 : rate(previous, first),
        dropped,
        drop_off: rate(dropped, previous),
      };
    }),
  };
}

/** FNV-1a, 64 bit: the emulator's stable visitor ID (a decimal string, as the API sends it). */
export function visitorIdOf(visitor: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(visitor)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString();
}

/** A session's ID: 32 bits of its visitor and start. */
export function sessionIdOf(session: Session): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${session.visitor}\n${session.views[0]?.time ?? 0}`)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

function visitFields(visit: Visit) {
  return {
    language: visit.language,
    country_code: visit.country_code,
    city: visit.city,
    referrer: visit.referrer,
    referrer_name: visit.referrer_name,
    referrer_icon: '',
    os: visit.ua.os,
    os_version: visit.ua.osVersion,
    browser: visit.ua.browser,
    browser_version: visit.ua.browserVersion,
    desktop: visit.ua.platform === 'desktop',
    mobile: visit.ua.platform === 'mobile',
    screen_class: visit.screen_class,
    ...visit.utm,
  };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function sessionList(data: Data, query: Query) {
  const sessions = [...new Set(data.views.map((view) => view.session))];
  sessions.sort((a, b) => (b.views.at(-1)?.time ?? 0) - (a.views.at(-1)?.time ?? 0));
  return paged(
    sessions.map((session) => {
      const first = session.views[0] as PageView;
      const last = session.views.at(-1) as PageView;
      return {
        visitor_id: visitorIdOf(session.visitor),
        session_id: sessionIdOf(session),
        time: iso(last.time),
        start: iso(first.time),
        duration_seconds: session.duration,
        entry_path: first.path,
        exit_path: last.path,
        page_views: session.views.length,
        is_bounce: session.bounce,
        entry_title: first.title,
        exit_title: last.title,
        ...visitFields(first),
        extended: 0,
      };
    }),
    query,
  );
}

function sessionDetails(store: EmulatorStore, query: Query, state: ManagementState): unknown {
  const visitorId = query.params.get('visitor_id');
  const sessionId = query.params.get('session_id');
  const validation: Record<string, string> = {};
  if (!visitorId) validation.visitor_id = 'required';
  if (!sessionId) validation.session_id = 'required';
  if (!visitorId || !sessionId) return invalid(validation);
  const views = pageViews(store, query, state);
  const session = views.find((view) => visitorIdOf(view.visitor) === visitorId && String(sessionIdOf(view.session)) === sessionId)?.session;
  if (!session) return [];
  const start = session.views[0]?.time ?? 0;
  const end = (session.views.at(-1)?.time ?? 0) + SESSION_GAP_MS;
  const ids = { visitor_id: visitorId, session_id: Number(sessionId) };
  const items: Array<{ time: number; row: unknown }> = session.views.map((view) => ({
    time: view.time,
    row: {
      page_view: {
        ...ids,
        time: iso(view.time),
        duration_seconds: view.timeSpent ?? 0,
        path: view.path,
        title: view.title,
        ...visitFields(view),
        tag_keys: Object.keys(view.tags),
        tag_values: Object.values(view.tags),
      },
      event: null,
    },
  }));
  for (const event of eventsOf(store, query, state)) {
    if (event.visitor !== session.visitor || event.time < start || event.time >= end) continue;
    items.push({
      time: event.time,
      row: {
        page_view: null,
        event: {
          ...ids,
          time: iso(event.time),
          name: event.name,
          meta_keys: Object.keys(event.meta),
          meta_values: Object.values(event.meta),
          duration_seconds: event.duration,
          path: event.path,
          title: event.title,
          ...visitFields(event),
        },
      },
    });
  }
  items.sort((a, b) => a.time - b.time);
  return items.map((item) => item.row);
}

// --- filter options ---------------------------------------------------------------------------

/** The values a filter could take in the range: distinct, non-empty, sorted, `search` applied. */
function options(values: Iterable<string>, query: Query): string[] {
  const distinct = [...new Set(values)].filter((value) => value !== '');
  const found = query.search === undefined ? distinct : distinct.filter((value) => value.toLowerCase().includes(query.search as string));
  return paged(found.sort((a, b) => a.localeCompare(b)), query);
}

const optionOf =
  (read: (visit: Visit) => string): Endpoint =>
  (data, query) =>
    options([...data.views, ...data.events].map(read), query);

const OPTIONS: Record<string, Endpoint> = {
  'options/referrer/name': optionOf((visit) => visit.referrer_name),
  'options/hostname': optionOf((visit) => visit.hostname),
  'options/page': optionOf((visit) => visit.path),
  'options/referrer': optionOf((visit) => visit.referrer),
  'options/channel': optionOf((visit) => visit.channel),
  'options/event': (data, query) => options(data.events.map((event) => event.name), query),
  'options/country': optionOf((visit) => visit.country_code),
  'options/region': optionOf((visit) => visit.region),
  'options/city': optionOf((visit) => visit.city),
  'options/language': optionOf((visit) => visit.language),
  'options/browser': optionOf((visit) => visit.ua.browser),
  'options/os': optionOf((visit) => visit.ua.os),
  'options/metadata/keys': (data, query) => options(data.events.flatMap((event) => Object.keys(event.meta)), query),
  'options/metadata': (data, query) => {
    const key = query.params.get('event_meta_key');
    return options(data.events.flatMap((event) => (key ? [event.meta[key] ?? ''] : Object.values(event.meta))), query);
  },
  ...Object.fromEntries(UTM.map((field): [string, Endpoint] => [`options/utm/${field.slice(4)}`, optionOf((visit) => visit.utm[field])])),
  'options/tag': optionOf(() => '') /* replaced below */,
  'options/tag/value': (data, query) => {
    if (query.tagKeys.length !== 1) return invalid({ tag: 'exactly one tag must be set' });
    const key = query.tagKeys[0] as string;
    return options([...data.views, ...data.events].map((visit) => visit.tags[key] ?? ''), query);
  },
};
OPTIONS['options/tag'] = (data, query) => options([...data.views, ...data.events].flatMap((visit) => Object.keys(visit.tags)), query);

// --- the route --------------------------------------------------------------------------------

type Endpoint = (data: Data, query: Query, store: EmulatorStore, state: ManagementState) => unknown;

const breakdownOf =
  (field: string, read: (view: PageView) => string, skipEmpty = false): Endpoint =>
  (data, query) =>
    breakdown(data.views, query, field, read, skipEmpty);

const ENDPOINTS: Record<string, Endpoint> = {
  'duration/session': (data, query) => perPeriod(data.views, query, (views): Omit<TimeSpentStats, 'day'> => ({ average_time_spent_seconds: sessionDuration(views) })),
  'duration/page': (data, query) =>
    perPeriod(data.views, query, (views): Omit<PageTimeSpentStats, 'day'> => ({ path: query.params.get('path') ?? '', average_time_spent_seconds: timeSpent(views) })),
  ...Object.fromEntries(
    UTM.map((field): [string, Endpoint] => [`utm/${field.slice(4)}`, breakdownOf(field, (view) => view.utm[field], true)]),
  ),
  total: (data, query) => fullTotals(data, query),
  visitor: (data, query) => {
    const base = groupBy(data.viewsWithoutEventFilter, (view) => periodOf(view.time, query));
    const events = groupBy(data.events, (event) => periodOf(event.time, query));
    return perPeriod(data.views, query, (views, period) => fullTotals(data, query, views, base.get(period) ?? [], events.get(period) ?? []));
  },
  hostname: (data, query) => trafficBreakdown(data.views, query, 'hostname', (view) => view.hostname),
  page: (data, query) => pageRows(data.views, query),
  'page/entry': (data, query) => entryPages(data.views, query),
  'page/exit': (data, query) => exitPages(data.views, query),
  'event/page': (data, query) => eventPages(data, query),
  goals: (data, query, _store, state) => conversionGoals(data, query, state),
  events: (data, query) => events(data, query),
  'event/meta': (data, query) => eventMetadata(data, query),
  'event/list': (data, query) => listEvents(data, query),
  growth: (_data, query, store, state) => growth(store, query, state),
  active: (data, query) => active(data.views, query),
  hours: (data, query) => byClock(data, query, 'hour', 24),
  minutes: (data, query) => byClock(data, query, 'minute', 60),
  weekdays: (data, query) => weekdays(data.views, query),
  language: breakdownOf('language', (view) => view.language),
  referrer: (data, query) => referrers(data.views, query),
  channel: (data, query) => trafficBreakdown(data.views, query, 'channel', (view) => view.channel),
  os: breakdownOf('os', (view) => view.ua.os),
  'os/version': (data, query) => multiBreakdown(data.views, query, ['os', 'os_version'], (view) => [view.ua.os, view.ua.osVersion]),
  browser: breakdownOf('browser', (view) => view.ua.browser),
  'browser/version': (data, query) => multiBreakdown(data.views, query, ['browser', 'browser_version'], (view) => [view.ua.browser, view.ua.browserVersion]),
  country: breakdownOf('country_code', (view) => view.country_code),
  region: (data, query) => multiBreakdown(data.views, query, ['country_code', 'region'], (view) => [view.country_code, view.region]),
  city: (data, query) => multiBreakdown(data.views, query, ['country_code', 'region', 'city'], (view) => [view.country_code, view.region, view.city]),
  platform: (data) => platforms(data.views),
  screen: breakdownOf('screen_class', (view) => view.screen_class),
  tags: (data, query) => tagRows(data.views, query, undefined),
  'tag/details': (data, query) => (query.tagKeys.length === 1 ? tagRows(data.views, query, query.tagKeys[0]) : invalid({ tag: 'exactly one tag must be set' })),
  funnel: (data, query, _store, state) => funnel(data, query, state),
  'session/list': (data, query) => sessionList(data, query),
  'session/details': (_data, query, store, state) => sessionDetails(store, query, state),
  keywords: () => [],
  pages: () => [],
  ...OPTIONS,
};

/** The statistics paths the emulator answers, below `/api/v1/statistics/` (`overview` and the export included). */
export const STATISTICS_ENDPOINTS: readonly string[] = [...Object.keys(ENDPOINTS), 'overview'];

const PREFIX = '/api/v1/statistics';

/** True for a statistics endpoint the emulator serves (any method: a wrong one is answered 405). */
export function isStatisticsPath(pathname: string): boolean {
  const path = pathname.replace(/\/+$/, '');
  if (path === PREFIX) return true;
  return path.startsWith(`${PREFIX}/`) && STATISTICS_ENDPOINTS.includes(path.slice(PREFIX.length + 1));
}

/**
 * Computes one statistic from the store, as `GET /api/v1/statistics/<endpoint>?<params>` would
 * answer it: `{ status: 200, body }`, or the API's 400/404 for a bad filter. Pure: the store is
 * only read. `now` is the clock for `start` and `overview`.
 *
 * @example
 * computeStatistics(emulator.store, 'page', new URLSearchParams({ id: 'emulator-domain', from: '2024-05-01', to: '2024-05-31' }));
 */
export function computeStatistics(store: EmulatorStore, endpoint: string, params: URLSearchParams, now = Date.now()): RouteResult {
  const state = managementState(store);
  if (endpoint === 'overview') return overview(store, params, state, now);
  const compute = Object.hasOwn(ENDPOINTS, endpoint) ? ENDPOINTS[endpoint] : undefined;
  if (!compute) return notFound(`statistics endpoint ${endpoint}`);
  const query = parseStatisticsQuery(params, state, endpoint, now);
  if ('status' in query) return query;
  const body = compute(select(store, query, state), query, store, state);
  return isRouteResult(body) ? body : { status: 200, body };
}

function isRouteResult(value: unknown): value is RouteResult {
  return typeof value === 'object' && value !== null && 'status' in value && typeof (value as { status: unknown }).status === 'number' && 'body' in value;
}

/** `overview`: filters do not apply; the past 7 days (today included) in the domain's time zone, against the 7 before. */
function overview(store: EmulatorStore, params: URLSearchParams, state: ManagementState, now: number): RouteResult {
  const id = params.get('id');
  if (!id) return invalid({ id: 'the domain ID is required' });
  const domain = state.domains.find((candidate) => candidate.id === id);
  if (!domain) return notFound('domain');
  const tz = domain.timezone || 'UTC';
  const today = zoned(now, tz);
  const day = (offset: number) => new Date(Date.UTC(today.year, today.month - 1, today.day + offset)).toISOString().slice(0, 10);
  const range = (from: string, to: string) => parseStatisticsQuery(new URLSearchParams({ id, from, to, tz }), state, 'overview', now) as Query;
  const current = range(day(-6), day(0));
  const previous = range(day(-13), day(-7));
  const now7 = select(store, current, state);
  const before = select(store, previous, state);
  const a = totals(now7.views);
  const b = totals(before.views);
  const change = (x: number, y: number) => (y > 0 ? (x - y) / y : 0);
  return {
    status: 200,
    body: {
      visitors: a.visitors,
      views: a.views,
      visitors_growth: change(a.visitors, b.visitors),
      // The document spells it both ways (`visitor_growth` in one sample): both are sent.
      visitor_growth: change(a.visitors, b.visitors),
      views_growth: change(a.views, b.views),
      visitors_time_series: perPeriod(now7.views, current, (views) => ({ ...totals(views), cr: 0, custom_metric_avg: 0, custom_metric_total: 0 })),
      member: state.members.filter((member) => member.domain_id === domain.id).length,
    },
  };
}

/**
 * Answers `GET /api/v1/statistics/<endpoint>` from the store; undefined for other paths
 * (`/api/v1/statistics` itself, the export and deletion, is `handleExportRoute`). See STATISTICS.md.
 */
export function handleStatisticsRoute(store: EmulatorStore, method: string, url: URL, now = Date.now()): RouteResult | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  if (!isStatisticsPath(path) || path === PREFIX) return undefined;
  if (method !== 'GET') return { status: 405, body: { validation: {}, error: ['method not allowed'] } };
  return computeStatistics(store, path.slice(PREFIX.length + 1), url.searchParams, now);
}
