import { parseRegex, type LinearRegex } from './linear-regex.js';
import { invalid, isTimezone, notFound, type ManagementState } from './management.js';
import type { RouteResult } from './api-routes.js';

/**
 * The filter of a statistics request, read from its query string the way the API reads it: every
 * parameter of the document's Filter table, repeated parameters as OR, and the `!` (not), `~`
 * (contains) and `^` (does not contain) operators.
 */
export interface StatisticsQuery {
  domain: string;
  /** The range, ms since the epoch, both ends included. */
  start: number;
  end: number;
  /** The IANA time zone days, hours and minutes are counted in. */
  tz: string;
  scale: Scale;
  /** Labels of the periods of the range (`YYYY-MM-DDT00:00:00Z` of each day, week, month or year). */
  periods: string[];
  /** The first day of a week: 1 Monday (default), 0 Sunday. */
  weekStart: 0 | 1;
  params: URLSearchParams;
  /** Dimension filters by parameter name (`path`, `country`, `channel`, ...). */
  fields: Map<string, FieldFilter>;
  /** `tag_<key>` filters. */
  tags: Array<[key: string, filter: FieldFilter]>;
  /** `tag` (repeated): keep only what carries one of these tag keys. */
  tagKeys: string[];
  /** `meta_<key>` filters on events. */
  meta: Array<[key: string, filter: FieldFilter]>;
  event: FieldFilter | undefined;
  pattern: LinearRegex | undefined;
  limit: number | undefined;
  offset: number;
  sort: string | undefined;
  direction: 'asc' | 'desc' | undefined;
  search: string | undefined;
  customMetric: { key: string; type: 'integer' | 'float' } | undefined;
}

export type Scale = 'day' | 'week' | 'month' | 'year';

/** The values of one filter parameter, split by operator. */
export interface FieldFilter {
  equal: string[];
  notEqual: string[];
  contains: string[];
  notContains: string[];
}

const DAY_MS = 24 * 3600 * 1000;
/** The longest range the emulator computes, in days. */
export const MAX_DAYS = 3660;
/** The API's hard cap on `limit`. */
export const MAX_LIMIT = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** The dimension filters: parameter names of the Filter table that compare one value of a visit. */
export const FIELD_PARAMS = [
  'path', 'entry_path', 'exit_path', 'hostname', 'language', 'country', 'region', 'city', 'referrer', 'referrer_name',
  'channel', 'os', 'os_version', 'browser', 'browser_version', 'platform', 'screen_class', 'screen_width', 'screen_height',
  'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'title',
] as const;

/**
 * Splits repeated values by operator: `!x` is not x, `~x` contains x, `^x` does not contain x.
 *
 * @example
 * fieldFilter(['/a', '~blog', '!/b']); // { equal: ['/a'], contains: ['blog'], notEqual: ['/b'], notContains: [] }
 */
export function fieldFilter(values: string[]): FieldFilter {
  const filter: FieldFilter = { equal: [], notEqual: [], contains: [], notContains: [] };
  for (const value of values) {
    if (value.startsWith('!')) filter.notEqual.push(value.slice(1));
    else if (value.startsWith('~')) filter.contains.push(value.slice(1).toLowerCase());
    else if (value.startsWith('^')) filter.notContains.push(value.slice(1).toLowerCase());
    else filter.equal.push(value);
  }
  return filter;
}

/** Equal to or containing any positive value (when there are some), and none of the negative ones. */
export function matchesField(value: string, filter: FieldFilter): boolean {
  const lower = value.toLowerCase();
  if (filter.equal.length + filter.contains.length > 0) {
    if (!filter.equal.includes(value) && !filter.contains.some((part) => lower.includes(part))) return false;
  }
  if (filter.notEqual.includes(value)) return false;
  return !filter.notContains.some((part) => lower.includes(part));
}

// --- time zones ---------------------------------------------------------------------------------

/** The calendar fields of an instant in a time zone. `weekday` is 0 for Monday, as the API counts. */
export interface ZonedTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export function zoned(ms: number, tz: string): ZonedTime {
  if (tz === 'UTC') {
    const date = new Date(ms);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      weekday: (date.getUTCDay() + 6) % 7,
    };
  }
  let format = formatters.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? 'Mon'] ?? 0,
  };
}

/** The instant a wall-clock time of `tz` names (the earlier one around a DST change). */
export function fromZoned(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (tz === 'UTC') return wall;
  const offsetAt = (ms: number) => {
    const z = zoned(ms, tz);
    return Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute) - Math.floor(ms / 60_000) * 60_000;
  };
  const guess = wall - offsetAt(wall);
  return wall - offsetAt(guess);
}

const pad = (n: number) => String(n).padStart(2, '0');

function label(year: number, month: number, day: number): string {
  return `${year}-${pad(month)}-${pad(day)}T00:00:00Z`;
}

/** The label of the day, week, month or year `ms` falls in. */
export function periodOf(ms: number, query: Pick<StatisticsQuery, 'tz' | 'scale' | 'weekStart'>): string {
  const z = zoned(ms, query.tz);
  return periodOfDate(z.year, z.month, z.day, query);
}

function periodOfDate(year: number, month: number, day: number, query: Pick<StatisticsQuery, 'scale' | 'weekStart'>): string {
  switch (query.scale) {
    case 'day':
      return label(year, month, day);
    case 'month':
      return label(year, month, 1);
    case 'year':
      return label(year, 1, 1);
    case 'week': {
      const date = new Date(Date.UTC(year, month - 1, day));
      const weekday = query.weekStart === 1 ? (date.getUTCDay() + 6) % 7 : date.getUTCDay();
      const first = new Date(date.getTime() - weekday * DAY_MS);
      return label(first.getUTCFullYear(), first.getUTCMonth() + 1, first.getUTCDate());
    }
  }
}

// --- parsing ------------------------------------------------------------------------------------

/**
 * Reads the filter of `GET /api/v1/statistics/<endpoint>`; a 400 or 404 answer when it is not
 * valid, the way the API answers. `now` is the emulator's clock (for `start`).
 */
export function parseStatisticsQuery(params: URLSearchParams, state: ManagementState, endpoint: string, now = Date.now()): StatisticsQuery | RouteResult {
  const domainId = params.get('id');
  if (!domainId) return invalid({ id: 'the domain ID is required' });
  const domain = state.domains.find((candidate) => candidate.id === domainId);
  if (!domain) return notFound('domain');
  const validation: Record<string, string> = {};

  const tz = params.get('tz') || domain.timezone || 'UTC';
  if (!isTimezone(tz)) validation.tz = 'unknown time zone';
  const scaleParam = params.get('scale') || 'day';
  if (!['day', 'week', 'month', 'year'].includes(scaleParam)) validation.scale = 'must be day, week, month or year';
  const scale = scaleParam as Scale;

  let start = 0;
  let end = 0;
  const startParam = params.get('start');
  if (startParam !== null || endpoint === 'active') {
    const seconds = Number(startParam ?? 600);
    if (!Number.isFinite(seconds) || seconds <= 0) validation.start = 'must be a number of seconds above 0';
    end = now;
    start = end - Math.min(seconds, 3600) * 1000;
  } else {
    const from = params.get('from');
    const to = params.get('to');
    if (!from || !DAY.test(from) || Number.isNaN(Date.parse(from))) validation.from = 'required, as YYYY-MM-DD';
    if (!to || !DAY.test(to) || Number.isNaN(Date.parse(to))) validation.to = 'required, as YYYY-MM-DD';
    const fromTime = params.get('from_time');
    const toTime = params.get('to_time');
    if (fromTime && !TIME.test(fromTime)) validation.from_time = 'must be HH:MM';
    if (toTime && !TIME.test(toTime)) validation.to_time = 'must be HH:MM';
    if (from && to && !validation.from && !validation.to && !validation.tz) {
      const [fy, fm, fd] = from.split('-').map(Number) as [number, number, number];
      const [ty, tm, td] = to.split('-').map(Number) as [number, number, number];
      // from_time and to_time apply only to a single day, as the document says.
      const sameDay = from === to;
      const [fh, fmin] = sameDay && fromTime && TIME.test(fromTime) ? fromTime.split(':').map(Number) : [0, 0];
      start = fromZoned(fy, fm, fd, fh ?? 0, fmin ?? 0, tz);
      if (sameDay && toTime && TIME.test(toTime)) {
        const [th = 0, tmin = 0] = toTime.split(':').map(Number);
        end = fromZoned(ty, tm, td, th, tmin, tz) + 60_000 - 1;
      } else {
        end = fromZoned(ty, tm, td + 1, 0, 0, tz) - 1;
      }
      if (end < start) validation.to = 'must not be before from';
      else if ((end - start) / DAY_MS > MAX_DAYS) validation.from = `the range is limited to ${MAX_DAYS} days in the emulator`;
    }
  }

  let pattern: LinearRegex | undefined;
  const patternParam = params.get('pattern');
  if (patternParam) {
    const parsed = parseRegex(patternParam);
    if (parsed.ok) pattern = parsed.regex;
    else validation.pattern = `not a valid regular expression: ${parsed.message}`;
  }
  const limitParam = params.get('limit');
  let limit: number | undefined;
  if (limitParam) {
    const value = Number(limitParam);
    if (!Number.isInteger(value) || value < 0) validation.limit = 'must be a whole number of 0 or more';
    else limit = Math.min(value, MAX_LIMIT);
  }
  const offsetParam = params.get('offset');
  const offset = offsetParam ? Number(offsetParam) : 0;
  if (!Number.isInteger(offset) || offset < 0) validation.offset = 'must be a whole number of 0 or more';
  const direction = params.get('direction') || undefined;
  if (direction !== undefined && direction !== 'asc' && direction !== 'desc') validation.direction = 'must be asc or desc';

  const metricKey = params.get('custom_metric_key') || undefined;
  const metricType = params.get('custom_metric_type') || undefined;
  if (metricType !== undefined && metricType !== 'integer' && metricType !== 'float') validation.custom_metric_type = 'must be integer or float';
  if ((metricKey === undefined) !== (metricType === undefined)) {
    validation[metricKey === undefined ? 'custom_metric_key' : 'custom_metric_type'] = 'custom_metric_key and custom_metric_type go together';
  }
  if (Object.keys(validation).length > 0) return invalid(validation);

  const fields = new Map<string, FieldFilter>();
  for (const param of FIELD_PARAMS) {
    const values = params.getAll(param);
    if (values.length > 0) fields.set(param, fieldFilter(values));
  }
  const prefixed = (prefix: string) => {
    const keys = new Set([...params.keys()].filter((key) => key.startsWith(prefix) && key.length > prefix.length));
    return [...keys].map((key): [string, FieldFilter] => [key.slice(prefix.length), fieldFilter(params.getAll(key))]);
  };
  const eventValues = params.getAll('event');
  const weekStart: 0 | 1 = (domain as { start_week_sunday?: boolean }).start_week_sunday ? 0 : 1;
  return {
    domain: domain.id,
    start,
    end,
    tz,
    scale,
    weekStart,
    periods: periodsOf(start, end, { tz, scale, weekStart }),
    params,
    fields,
    tags: prefixed('tag_'),
    tagKeys: params.getAll('tag').filter((key) => key !== ''),
    meta: prefixed('meta_'),
    event: eventValues.length > 0 ? fieldFilter(eventValues) : undefined,
    pattern,
    limit,
    offset,
    sort: params.get('sort') || undefined,
    direction: direction as 'asc' | 'desc' | undefined,
    search: params.get('search')?.toLowerCase() || undefined,
    customMetric: metricKey && metricType ? { key: metricKey, type: metricType as 'integer' | 'float' } : undefined,
  };
}

/** Every period label from `start` to `end`, in order. */
export function periodsOf(start: number, end: number, query: Pick<StatisticsQuery, 'tz' | 'scale' | 'weekStart'>): string[] {
  const first = zoned(start, query.tz);
  const last = zoned(end, query.tz);
  const lastDay = Date.UTC(last.year, last.month - 1, last.day);
  const labels: string[] = [];
  for (let day = Date.UTC(first.year, first.month - 1, first.day); day <= lastDay; day += DAY_MS) {
    const date = new Date(day);
    const period = periodOfDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), query);
    if (labels.at(-1) !== period) labels.push(period);
  }
  return labels;
}
