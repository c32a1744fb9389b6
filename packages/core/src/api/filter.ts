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

/**
 * Turns a statistics filter into query parameters: dates as `YYYY-MM-DD`, `meta` as
 * `meta_<key>=<value>`, unset fields left out.
 *
 * @example
 * filterToQuery({ id: 'abc', from: '2021-05-08', to: '2021-05-15', meta: { plan: 'pro' } });
 * // { id: 'abc', from: '2021-05-08', to: '2021-05-15', meta_plan: 'pro' }
 */
export function filterToQuery(filter: ActiveVisitorsFilter | undefined): NonNullable<ApiRequest['query']> {
  const query: NonNullable<ApiRequest['query']> = {};
  for (const [key, value] of Object.entries(filter ?? {}) as [string, unknown][]) {
    if (value === undefined || value === null) continue;
    if (key === 'meta') {
      for (const [metaKey, metaValue] of Object.entries(value as Record<string, string>)) {
        if (metaValue !== undefined && metaValue !== null) query[`meta_${metaKey}`] = String(metaValue);
      }
    } else if (key === 'from' || key === 'to') {
      query[key] = formatDay(value as DateInput, key);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      query[key] = value;
    }
  }
  return query;
}
