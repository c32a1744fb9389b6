import type { RouteResult } from './api-routes.js';
import { invalid, managementState, notFound } from './management.js';
import { computeStatistics, domainOfHost } from './statistics.js';
import { fromZoned } from './statistics-query.js';
import type { EmulatorStore } from './store.js';
import { zip } from './zip.js';

/** The sections of the CSV export: query flag, then the files (name and statistics endpoint). */
export const EXPORT_SECTIONS: ReadonlyArray<[flag: string, files: Array<[file: string, endpoint: string]>]> = [
  ['visitors', [['visitors.csv', 'visitor']]],
  ['pages', [['pages.csv', 'page']]],
  ['entry_pages', [['entry_pages.csv', 'page/entry']]],
  ['exit_pages', [['exit_pages.csv', 'page/exit']]],
  ['session_duration', [['session_duration.csv', 'duration/session']]],
  ['growth', [['growth.csv', 'growth']]],
  ['languages', [['languages.csv', 'language']]],
  ['referrer', [['referrer.csv', 'referrer']]],
  ['os', [['os.csv', 'os']]],
  ['browser', [['browser.csv', 'browser']]],
  ['country', [['country.csv', 'country']]],
  ['region', [['region.csv', 'region']]],
  ['city', [['city.csv', 'city']]],
  ['platform', [['platform.csv', 'platform']]],
  ['screen', [['screen.csv', 'screen']]],
  ['utm', ['source', 'medium', 'campaign', 'content', 'term'].map((part): [string, string] => [`utm_${part}.csv`, `utm/${part}`])],
  ['conversion_goals', [['conversion_goals.csv', 'goals']]],
  ['events', [['events.csv', 'events']]],
  ['tags', [['tags.csv', 'tags']]],
  ['hostname', [['hostname.csv', 'hostname']]],
];

const ROOT = '/api/v1/statistics';

/**
 * `GET /api/v1/statistics` (the CSV export, a zip) and `DELETE /api/v1/statistics` (deleting
 * statistics); undefined for other paths.
 */
export function handleExportRoute(store: EmulatorStore, method: string, url: URL, body: unknown, now = Date.now()): RouteResult | undefined {
  if (url.pathname.replace(/\/+$/, '') !== ROOT) return undefined;
  if (method === 'GET') return exportStatistics(store, url.searchParams, now);
  if (method === 'DELETE') return deleteStatistics(store, body);
  return { status: 405, body: { validation: {}, error: ['method not allowed'] } };
}

const flagged = (value: string | null) => value === 'true' || value === '1';

/** The CSV export: one file per section asked for (every section when none is), each computed as its endpoint would. */
export function exportStatistics(store: EmulatorStore, params: URLSearchParams, now = Date.now()): RouteResult {
  const asked = EXPORT_SECTIONS.filter(([flag]) => flagged(params.get(flag)));
  const sections = asked.length > 0 ? asked : EXPORT_SECTIONS;
  const query = new URLSearchParams(params);
  for (const [flag] of EXPORT_SECTIONS) query.delete(flag);
  const files = [];
  for (const [, list] of sections) {
    for (const [file, endpoint] of list) {
      const result = computeStatistics(store, endpoint, query, now);
      if (result.status !== 200) return result;
      files.push({ name: file, data: Buffer.from(toCsv(result.body), 'utf8') });
    }
  }
  return { status: 200, binary: { contentType: 'application/zip', data: zip(files, new Date(now)) } };
}

/** Rows (or one object) as CSV: a header of every key, nested values as JSON. */
export function toCsv(value: unknown): string {
  const rows = (Array.isArray(value) ? value : [value]).filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null);
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (entry: unknown) => {
    const text = entry === null || entry === undefined ? '' : typeof entry === 'object' ? JSON.stringify(entry) : String(entry);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map(cell).join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\n') + '\n';
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KINDS = ['', 'all', 'events', 'imported'];

/**
 * `DELETE /api/v1/statistics` with `{ id, kind, from, to }`: removes the domain's hits, events and
 * session keep-alives of those days (in the domain's time zone) from the store. `kind` `events`
 * removes events only; `imported` removes nothing (the emulator imports nothing).
 */
export function deleteStatistics(store: EmulatorStore, body: unknown): RouteResult {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const validation: Record<string, string> = {};
  const id = typeof fields.id === 'string' && fields.id !== '' ? fields.id : undefined;
  if (!id) validation.id = 'the domain ID is required';
  const kind = fields.kind ?? '';
  if (typeof kind !== 'string' || !KINDS.includes(kind)) validation.kind = 'must be empty, all, events or imported';
  for (const field of ['from', 'to'] as const) {
    const value = fields[field];
    if (typeof value !== 'string' || !DAY.test(value) || Number.isNaN(Date.parse(value))) validation[field] = 'required, as YYYY-MM-DD';
  }
  if (Object.keys(validation).length > 0 || !id) return invalid(validation);
  const state = managementState(store);
  const domain = state.domains.find((candidate) => candidate.id === id);
  if (!domain) return notFound('domain');
  const tz = domain.timezone || 'UTC';
  const [fy, fm, fd] = String(fields.from).split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = String(fields.to).split('-').map(Number) as [number, number, number];
  const start = fromZoned(fy, fm, fd, 0, 0, tz);
  const end = fromZoned(ty, tm, td + 1, 0, 0, tz);
  if (end <= start) return invalid({ to: 'must not be before from' });
  if (kind === 'imported') return { status: 200 };
  const doomed = (item: { url?: string; time: string }) => {
    const time = Date.parse(item.time);
    if (!(time >= start && time < end)) return false;
    let hostname = '';
    try {
      hostname = new URL(item.url ?? '').hostname.toLowerCase();
    } catch {
      // A session keep-alive may have no URL: it belongs to the default domain.
    }
    return domainOfHost(state, hostname) === domain.id;
  };
  const removeFrom = <T extends { url?: string; time: string }>(list: T[]) => {
    const kept = list.filter((item) => !doomed(item));
    list.length = 0;
    list.push(...kept);
  };
  removeFrom(store.events);
  if (kind !== 'events') {
    removeFrom(store.hits);
    removeFrom(store.sessions as Array<{ url?: string; time: string }>);
  }
  return { status: 200 };
}
