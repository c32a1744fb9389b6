import { PirschConfigError } from '../errors.js';
import type { ApiRequest } from '../types.js';
import type { ActiveVisitorsFilter, DateInput } from './types.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Formats a day for the API: a `Date` becomes its UTC day, a string must already be `YYYY-MM-DD`.
 *
 * @example
 * formatDay(new Date('2021-05-08T10:00:00Z')); // '2021-05-08'
 */
export function formatDay(value: DateInput, option = 'date'): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new PirschConfigError(option, 'is an invalid Date');
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'string' && DAY.test(value)) return value;
  throw new PirschConfigError(option, `must be a Date or a YYYY-MM-DD string, got ${JSON.stringify(value)}`);
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
