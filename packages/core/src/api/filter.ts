import { PirschConfigError } from '../errors.js';
import type { ApiRequest } from '../types.js';
import type { ActiveVisitorsFilter, DateInput } from './types.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The days `YYYY-MM-DD` can name: a four-digit year. */
const FIRST_DAY = '0000-01-01';
const LAST_DAY = '9999-12-31';

/** Days in `month` (1-12) of `year`, in the proleptic Gregorian calendar the API's dates use. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Formats a day for the API: a `Date` becomes its UTC day, a string must already be a real
 * `YYYY-MM-DD` day. Either must lie between 0000-01-01 and 9999-12-31, the days the API's format
 * can name. Anything else is a `PirschConfigError` naming the option, before any request.
 *
 * @example
 * formatDay(new Date('2021-05-08T10:00:00Z')); // '2021-05-08'
 * formatDay('2024-13-45', 'from'); // throws PirschConfigError: Invalid Pirsch option "from": ...
 */
export function formatDay(value: DateInput, option = 'date'): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new PirschConfigError(option, 'is an invalid Date');
    // Outside years 0 to 9999 toISOString() gives a six-digit, signed year the API cannot read.
    const year = value.getUTCFullYear();
    if (year < 0 || year > 9999) throw new PirschConfigError(option, `is out of the API's range (${FIRST_DAY} to ${LAST_DAY}), got year ${year}`);
    return value.toISOString().slice(0, 10);
  }
  const match = typeof value === 'string' ? DAY.exec(value) : null;
  if (match === null) throw new PirschConfigError(option, `must be a Date or a YYYY-MM-DD string, got ${JSON.stringify(value)}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new PirschConfigError(option, `is not a day of the calendar: ${JSON.stringify(value)}`);
  }
  return value;
}

type Query = NonNullable<ApiRequest['query']>;

/** The documented ranges of the filter's numbers: integers from `min` to `max`. */
const INTEGER_RANGES: Record<string, { min: number; max: number; why: string }> = {
  // The API hard-limits it to 100: a larger value would silently give 100 results.
  limit: { min: 1, max: 100, why: 'the API caps it at 100' },
  offset: { min: 0, max: Number.MAX_SAFE_INTEGER, why: 'a count of results to skip' },
  start: { min: 1, max: 3600, why: 'seconds back, at most one hour' },
};

/** The documented values of the filter's enumerations. */
const CHOICES: Record<string, readonly string[]> = {
  scale: ['day', 'week', 'month', 'year'],
  direction: ['asc', 'desc'],
  custom_metric_type: ['integer', 'float'],
};

/** `HH:MM`, 00:00 to 23:59. */
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
/** An unsigned decimal integer (visitor and session IDs). */
const DECIMAL = /^\d{1,20}$/;
const PLATFORMS = ['desktop', 'mobile', 'unknown'];
const BOOLEANS = new Set(['include_avg_time_on_page', 'include_title']);
/** Keys whose object value is sent as one parameter per pair, `<prefix><key>=<value>`. */
const PAIRS: Record<string, string> = { meta: 'meta_', tags: 'tag_' };

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
  } catch {
    return typeof value;
  }
}

/** A value the query can carry as it is: a string, a finite number, a boolean, or a list of strings. */
function plainValue(option: string, value: unknown): string | number | boolean | readonly string[] {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new PirschConfigError(option, `must be a finite number, got ${value}`);
    return value;
  }
  if (Array.isArray(value)) {
    const list = value as unknown[];
    if (!list.every((item) => typeof item === 'string')) throw new PirschConfigError(option, 'must be a string or a list of strings');
    return list as string[];
  }
  throw new PirschConfigError(option, `must be a string or a list of strings, got ${describe(value)}`);
}

/** Checks one field against the documented range; throws a `PirschConfigError` naming it. */
function checkField(key: string, value: unknown): void {
  const range = INTEGER_RANGES[key];
  if (range !== undefined) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      const bounds = range.max === Number.MAX_SAFE_INTEGER ? `${range.min} or more` : `${range.min} to ${range.max}`;
      throw new PirschConfigError(key, `must be an integer from ${bounds} (${range.why}), got ${describe(value)}`);
    }
    return;
  }
  const choices = CHOICES[key];
  if (choices !== undefined) {
    if (typeof value !== 'string' || !choices.includes(value)) throw new PirschConfigError(key, `must be one of ${choices.join(', ')}, got ${describe(value)}`);
    return;
  }
  if (BOOLEANS.has(key)) {
    if (typeof value !== 'boolean') throw new PirschConfigError(key, `must be true or false, got ${describe(value)}`);
    return;
  }
  switch (key) {
    case 'from_time':
    case 'to_time':
      if (typeof value !== 'string' || !TIME_OF_DAY.test(value)) throw new PirschConfigError(key, `must be a time of day as HH:MM (00:00 to 23:59), got ${describe(value)}`);
      return;
    case 'tz':
      if (typeof value !== 'string' || !isTimeZone(value)) throw new PirschConfigError(key, `must be an IANA time zone like Europe/Berlin, got ${describe(value)}`);
      return;
    case 'visitor_id':
    case 'session_id':
      if (!((typeof value === 'string' && DECIMAL.test(value)) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0))) {
        throw new PirschConfigError(key, `must be an unsigned decimal integer (a string for a visitor ID: it is too big for a number), got ${describe(value)}`);
      }
      return;
    case 'platform': {
      const values = Array.isArray(value) ? (value as unknown[]) : [value];
      for (const item of values) {
        // One operator may come first: `!desktop` is every platform but desktop.
        const bare = typeof item === 'string' ? item.replace(/^[!~^]/, '') : item;
        if (typeof bare !== 'string' || !PLATFORMS.includes(bare)) throw new PirschConfigError(key, `must be desktop, mobile or unknown (optionally with !), got ${describe(item)}`);
      }
      return;
    }
  }
}

const zones = new Map<string, boolean>();
/** Whether `Intl` knows the time zone (the API reads IANA names, as Go's time package does). */
function isTimeZone(name: string): boolean {
  let known = zones.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      known = name.length > 0;
    } catch {
      known = false;
    }
    if (zones.size < 1000) zones.set(name, known);
  }
  return known;
}

/**
 * Turns a statistics filter into query parameters: dates as `YYYY-MM-DD`, `meta` as
 * `meta_<key>=<value>`, `tags` as `tag_<key>=<value>`, a list as the parameter repeated, unset
 * fields left out. A value out of the documented range (`limit` above 100, `start` above 3600, an
 * unknown `scale`, `from_time` that is no `HH:MM`, `visitor_id` without `session_id`, ...) throws a
 * `PirschConfigError` naming the field, so the call rejects before any request.
 *
 * @example
 * filterToQuery({ id: 'abc', from: '2021-05-08', to: '2021-05-15', meta: { plan: 'pro' }, path: ['/a', '!/b'] });
 * // { id: 'abc', from: '2021-05-08', to: '2021-05-15', meta_plan: 'pro', path: ['/a', '!/b'] }
 */
export function filterToQuery(filter: ActiveVisitorsFilter | undefined): Query {
  const query: Query = {};
  if (filter !== undefined && filter !== null && typeof filter !== 'object') throw new PirschConfigError('filter', `must be an object, got ${typeof filter}`);
  for (const [key, value] of Object.entries(filter ?? {}) as [string, unknown][]) {
    if (value === undefined || value === null) continue;
    const prefix = PAIRS[key];
    if (prefix !== undefined) {
      if (typeof value !== 'object' || Array.isArray(value)) throw new PirschConfigError(key, `must be an object of ${key === 'meta' ? 'meta' : 'tag'} keys to values, got ${describe(value)}`);
      for (const [pairKey, pairValue] of Object.entries(value as Record<string, unknown>)) {
        if (pairValue === undefined || pairValue === null) continue;
        if (pairKey === '') throw new PirschConfigError(key, 'has an empty key');
        query[`${prefix}${pairKey}`] = plainValue(`${key}.${pairKey}`, pairValue);
      }
    } else if (key === 'from' || key === 'to') {
      query[key] = formatDay(value as DateInput, key);
    } else {
      checkField(key, value);
      query[key] = plainValue(key, value);
    }
  }
  // The API needs both to find one session; one alone would be ignored.
  if ((query.visitor_id === undefined) !== (query.session_id === undefined)) {
    const missing = query.visitor_id === undefined ? 'visitor_id' : 'session_id';
    throw new PirschConfigError(missing, `is needed together with ${missing === 'visitor_id' ? 'session_id' : 'visitor_id'} (they name one session)`);
  }
  return query;
}
