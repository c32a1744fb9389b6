import type {
  ActiveVisitorStats,
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
  TotalVisitorStats,
  VisitorHourStats,
  VisitorStats,
} from '@pirsch-node/core';
import type { RouteResult } from './api-routes.js';
import { DEFAULT_DOMAIN_ID, invalid, managementState, notFound, type ManagementState } from './management.js';
import type { EmulatorStore, ReceivedHit } from './store.js';
import { parseUserAgent, type ParsedUserAgent } from './user-agent.js';

/** A new session starts when a visitor was away this long. */
export const SESSION_GAP_MS = 30 * 60 * 1000;
const DAY_MS = 24 * 3600 * 1000;
const MAX_DAYS = 3660;
const MAX_LIMIT = 100;
const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const;
type UtmField = (typeof UTM)[number];

/** What a hit or an event tells about its visitor, as the emulator derives it. */
interface Visit {
  time: number;
  /** `(ip, user_agent)`: the emulator's visitor. */
  visitor: string;
  path: string;
  title: string;
  hostname: string;
  language: string;
  referrer: string;
  referrer_name: string;
  utm: Record<UtmField, string>;
  ua: ParsedUserAgent;
  screen_class: string;
  screen_width: string;
  screen_height: string;
}

interface PageView extends Visit {
  session: Session;
  /** Seconds until the next page view of the session; undefined for the last one. */
  timeSpent: number | undefined;
}

interface Session {
  visitor: string;
  views: PageView[];
  /** A session with a single page view. */
  bounce: boolean;
  /** Seconds from the first to the last page view. */
  duration: number;
}

interface EventVisit extends Visit {
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
  return {
    time,
    visitor: `${hit.ip}\n${hit.user_agent}`,
    path: url.pathname,
    title: hit.title ?? '',
    hostname: url.hostname.toLowerCase(),
    language: language(hit.accept_language),
    ...referrer(hit, url),
    utm: Object.fromEntries(UTM.map((field) => [field, url.searchParams.get(field) ?? ''])) as Record<UtmField, string>,
    ua: parseUserAgent(hit.user_agent),
    screen_class: screenClass(width),
    screen_width: hit.screen_width ? String(hit.screen_width) : '',
    screen_height: hit.screen_height ? String(hit.screen_height) : '',
  };
}

// --- the query --------------------------------------------------------------------------------

interface Query {
  domain: string;
  start: number;
  end: number;
  /** Days of the range as `YYYY-MM-DDT00:00:00Z`. */
  days: string[];
  params: URLSearchParams;
  meta: [string, string][];
  pattern: RegExp | undefined;
  limit: number | undefined;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayOf(time: number): string {
  return `${new Date(time).toISOString().slice(0, 10)}T00:00:00Z`;
}

/** Go's `(?i)` prefix becomes the `i` flag. */
function goRegExp(pattern: string): RegExp {
  return pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'i') : new RegExp(pattern);
}

function parseQuery(params: URLSearchParams, state: ManagementState, endpoint: string): Query | RouteResult {
  const domain = params.get('id');
  if (!domain) return invalid({ id: 'the domain ID is required' });
  if (!state.domains.some((candidate) => candidate.id === domain)) return notFound('domain');
  const from = params.get('from');
  const to = params.get('to');
  const startParam = params.get('start');
  let start: number;
  let end: number;
  if (startParam !== null || endpoint === 'active') {
    const seconds = Number(startParam ?? 600);
    if (!Number.isFinite(seconds) || seconds <= 0) return invalid({ start: 'must be a number of seconds above 0' });
    end = Date.now();
    start = end - Math.min(seconds, 3600) * 1000;
  } else {
    const validation: Record<string, string> = {};
    if (!from || !DAY.test(from) || Number.isNaN(Date.parse(from))) validation.from = 'required, as YYYY-MM-DD';
    if (!to || !DAY.test(to) || Number.isNaN(Date.parse(to))) validation.to = 'required, as YYYY-MM-DD';
    if (Object.keys(validation).length > 0 || !from || !to) return invalid(validation);
    start = Date.parse(`${from}T00:00:00Z`);
    end = Date.parse(`${to}T00:00:00Z`) + DAY_MS - 1;
    if (end < start) return invalid({ to: 'must not be before from' });
    if ((end - start) / DAY_MS > MAX_DAYS) return invalid({ from: `the range is limited to ${MAX_DAYS} days in the emulator` });
  }
  const days: string[] = [];
  for (let day = Date.parse(dayOf(start)); day <= end; day += DAY_MS) days.push(dayOf(day));

  let pattern: RegExp | undefined;
  const patternParam = params.get('pattern');
  if (patternParam) {
    try {
      pattern = goRegExp(patternParam);
    } catch {
      return invalid({ pattern: 'not a valid regular expression' });
    }
  }
  const limitParam = params.get('limit');
  const limit = limitParam ? Math.min(Math.max(Math.trunc(Number(limitParam)), 0), MAX_LIMIT) : undefined;
  if (limit !== undefined && Number.isNaN(limit)) return invalid({ limit: 'must be a number' });
  const meta = [...params.entries()].filter(([key]) => key.startsWith('meta_')).map(([key, value]): [string, string] => [key.slice(5), value]);
  return { domain, start, end, days, params, meta, pattern, limit };
}

// --- selecting data ---------------------------------------------------------------------------

/** The domain a hit counts towards: a created domain with its hostname, else the default domain. */
function domainOfHost(state: ManagementState, hostname: string): string {
  const host = hostname.replace(/^www\./, '');
  const own = state.domains.find((domain) => domain.id !== DEFAULT_DOMAIN_ID && domain.hostname.toLowerCase().replace(/^www\./, '') === host);
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
      const view: PageView = { ...visit, session, timeSpent: undefined };
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
    events.push({ ...visit, name: event.event_name, meta: { ...(event.event_meta ?? {}) }, duration: Number(event.event_duration ?? 0) || 0 });
  }
  return events;
}

/** Filters by every dimension parameter of the query (not the event ones). */
const DIMENSIONS: [param: string, read: (visit: Visit) => string][] = [
  ['path', (visit) => visit.path],
  ['language', (visit) => visit.language],
  ['country', () => ''],
  ['city', () => ''],
  ['referrer', (visit) => visit.referrer],
  ['referrer_name', (visit) => visit.referrer_name],
  ['os', (visit) => visit.ua.os],
  ['browser', (visit) => visit.ua.browser],
  ['platform', (visit) => visit.ua.platform],
  ['screen_class', (visit) => visit.screen_class],
  ['screen_width', (visit) => visit.screen_width],
  ['screen_height', (visit) => visit.screen_height],
  ...UTM.map((field): [string, (visit: Visit) => string] => [field, (visit) => visit.utm[field]]),
];

function matchesDimensions(visit: Visit, query: Query): boolean {
  for (const [param, read] of DIMENSIONS) {
    const wanted = query.params.get(param);
    if (wanted !== null && read(visit) !== wanted) return false;
  }
  return !query.pattern || query.pattern.test(visit.path);
}

function matchesEvent(event: EventVisit, query: Query): boolean {
  const name = query.params.get('event');
  if (name !== null && event.name !== name) return false;
  return query.meta.every(([key, value]) => event.meta[key] === value);
}

function hasEventFilter(query: Query): boolean {
  return query.params.has('event') || query.meta.length > 0;
}

interface Data {
  /** Page views after every filter. */
  views: PageView[];
  /** Page views after every filter but the event ones: the base of conversion rates. */
  viewsWithoutEventFilter: PageView[];
  /** Events after every filter. */
  events: EventVisit[];
}

function select(store: EmulatorStore, query: Query, state: ManagementState): Data {
  const entry = query.params.get('entry_path');
  const exit = query.params.get('exit_path');
  const viewsWithoutEventFilter = pageViews(store, query, state).filter(
    (view) =>
      matchesDimensions(view, query) &&
      (entry === null || view.session.views[0]?.path === entry) &&
      (exit === null || view.session.views.at(-1)?.path === exit),
  );
  const events = eventsOf(store, query, state).filter((event) => matchesDimensions(event, query) && matchesEvent(event, query));
  let views = viewsWithoutEventFilter;
  if (hasEventFilter(query)) {
    const converted = new Set(events.map((event) => event.visitor));
    views = views.filter((view) => converted.has(view.visitor));
  }
  return { views, viewsWithoutEventFilter, events };
}

// --- counting ---------------------------------------------------------------------------------

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : 0);
const average = (values: number[]) => (values.length > 0 ? Math.round(values.reduce((sum, value) => sum + value, 0) / values.length) : 0);

function totals(views: PageView[]): TotalVisitorStats {
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

/** Sorts by `visitors` (or another count), most first, ties by key, then applies `limit`. */
function ranked<T>(rows: T[], query: Query, count: (row: T) => number, key: (row: T) => string): T[] {
  rows.sort((a, b) => count(b) - count(a) || key(a).localeCompare(key(b)));
  return query.limit === undefined ? rows : rows.slice(0, query.limit);
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

function versionBreakdown(views: PageView[], query: Query, field: string, versionField: string, read: (view: PageView) => [string, string]) {
  const total = distinctVisitors(views);
  const rows = [...groupBy(views, (view) => read(view).join('\n'))].map(([key, group]) => {
    const [name = '', version = ''] = key.split('\n');
    return { visitors: distinctVisitors(group), relative_visitors: rate(distinctVisitors(group), total), [field]: name, [versionField]: version };
  });
  return ranked(rows, query, (row) => row.visitors, (row) => `${String(row[field])}\n${String(row[versionField])}`);
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

function perDay<T>(views: PageView[], query: Query, make: (day: string, views: PageView[]) => T): T[] {
  const byDay = groupBy(views, (view) => dayOf(view.time));
  return query.days.map((day) => make(day, byDay.get(day) ?? []));
}

function pages(views: PageView[], query: Query): PageStats[] {
  const all = totals(views);
  const withTime = query.params.get('include_avg_time_on_page') === 'true';
  const rows = [...groupBy(views, (view) => view.path)].map(([path, group]): PageStats => {
    const stats = totals(group);
    return {
      path,
      title: latestTitle(group),
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

function hours(views: PageView[]): VisitorHourStats[] {
  const byHour = groupBy(views, (view) => String(new Date(view.time).getUTCHours()));
  return Array.from({ length: 24 }, (_, hour): VisitorHourStats => ({ hour, ...totals(byHour.get(String(hour)) ?? []) }));
}

function active(views: PageView[], query: Query): ActiveVisitorStats {
  const rows = [...groupBy(views, (view) => view.path)].map(([path, group]) => ({ path, visitors: distinctVisitors(group) }));
  return { stats: ranked(rows, query, (row) => row.visitors, (row) => row.path), visitors: distinctVisitors(views) };
}

function growth(store: EmulatorStore, query: Query, state: ManagementState): Growth {
  const length = query.end - query.start + 1;
  const previousQuery: Query = { ...query, start: query.start - length, end: query.start - 1 };
  const current = select(store, query, state).views;
  const previous = select(store, previousQuery, state).views;
  const now = totals(current);
  const before = totals(previous);
  const change = (a: number, b: number) => (b > 0 ? (a - b) / b : 0);
  return {
    visitors_growth: change(now.visitors, before.visitors),
    views_growth: change(now.views, before.views),
    sessions_growth: change(now.sessions, before.sessions),
    bounces_growth: change(now.bounces, before.bounces),
    time_spent_growth: change(sessionDuration(current), sessionDuration(previous)),
  };
}

function conversionGoals(data: Data, query: Query, state: ManagementState): ConversionGoalStats[] {
  const total = distinctVisitors(data.views);
  const rows = state.goals
    .filter((goal) => goal.domain_id === query.domain)
    .map((goal): ConversionGoalStats => {
      const pattern = goRegExp(goal.pattern);
      const reached = data.views.filter((view) => pattern.test(view.path));
      const visitors = distinctVisitors(reached);
      return { page_goal: goal, stats: { visitors, views: reached.length, cr: rate(visitors, total) } };
    });
  return ranked(rows, query, (row) => row.stats.visitors, (row) => row.page_goal.name);
}

function eventRow(name: string, group: EventVisit[], total: number) {
  const visitors = distinctVisitors(group);
  return {
    name,
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

// --- the route --------------------------------------------------------------------------------

type Endpoint = (data: Data, query: Query, store: EmulatorStore, state: ManagementState) => unknown;

const breakdownOf =
  (field: string, read: (view: PageView) => string, skipEmpty = false): Endpoint =>
  (data, query) =>
    breakdown(data.views, query, field, read, skipEmpty);

const ENDPOINTS: Record<string, Endpoint> = {
  'duration/session': (data, query) =>
    perDay(data.views, query, (day, views): TimeSpentStats => ({ day, average_time_spent_seconds: sessionDuration(views) })),
  'duration/page': (data, query) =>
    perDay(
      data.views,
      query,
      (day, views): PageTimeSpentStats => ({ day, path: query.params.get('path') ?? '', average_time_spent_seconds: timeSpent(views) }),
    ),
  ...Object.fromEntries(
    UTM.map((field): [string, Endpoint] => [`utm/${field.slice(4)}`, breakdownOf(field, (view) => view.utm[field], true)]),
  ),
  total: (data) => totals(data.views),
  visitor: (data, query) => perDay(data.views, query, (day, views): VisitorStats => ({ day, ...totals(views) })),
  page: (data, query) => pages(data.views, query),
  'page/entry': (data, query) => entryPages(data.views, query),
  'page/exit': (data, query) => exitPages(data.views, query),
  goals: (data, query, _store, state) => conversionGoals(data, query, state),
  events: (data, query) => events(data, query),
  'event/meta': (data, query) => eventMetadata(data, query),
  'event/list': (data, query) => listEvents(data, query),
  growth: (_data, query, store, state) => growth(store, query, state),
  active: (data, query) => active(data.views, query),
  hours: (data) => hours(data.views),
  language: breakdownOf('language', (view) => view.language),
  referrer: (data, query) => referrers(data.views, query),
  os: breakdownOf('os', (view) => view.ua.os),
  'os/version': (data, query) => versionBreakdown(data.views, query, 'os', 'os_version', (view) => [view.ua.os, view.ua.osVersion]),
  browser: breakdownOf('browser', (view) => view.ua.browser),
  'browser/version': (data, query) =>
    versionBreakdown(data.views, query, 'browser', 'browser_version', (view) => [view.ua.browser, view.ua.browserVersion]),
  country: breakdownOf('country', () => ''),
  city: breakdownOf('city', () => ''),
  platform: (data) => platforms(data.views),
  screen: breakdownOf('screen_class', (view) => view.screen_class),
  keywords: () => [],
};

/** The statistics paths the emulator answers, below `/api/v1/statistics/`. */
export const STATISTICS_ENDPOINTS: readonly string[] = Object.keys(ENDPOINTS);

/**
 * Answers `GET /api/v1/statistics/<endpoint>` from the hits and events in the store; undefined for
 * other paths. See STATISTICS.md for how each number is computed.
 */
/** True for a statistics endpoint the emulator serves (any method: a wrong one is answered 405). */
export function isStatisticsPath(pathname: string): boolean {
  const prefix = '/api/v1/statistics/';
  return pathname.startsWith(prefix) && Object.hasOwn(ENDPOINTS, pathname.slice(prefix.length).replace(/\/+$/, ''));
}

export function handleStatisticsRoute(store: EmulatorStore, method: string, url: URL): RouteResult | undefined {
  const prefix = '/api/v1/statistics/';
  if (!url.pathname.startsWith(prefix)) return undefined;
  const endpoint = ENDPOINTS[url.pathname.slice(prefix.length).replace(/\/+$/, '')];
  if (!endpoint) return undefined;
  if (method !== 'GET') return { status: 405, body: { validation: {}, error: ['method not allowed'] } };
  const state = managementState(store);
  const query = parseQuery(url.searchParams, state, url.pathname.slice(prefix.length).replace(/\/+$/, ''));
  if ('status' in query) return query;
  return { status: 200, body: endpoint(select(store, query, state), query, store, state) };
}
