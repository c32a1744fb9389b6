import { apiError, type ApiErrorBody } from './api-error.js';
import { isObject } from './json.js';
import type { ReceivedEvent, ReceivedHit, ReceivedSession } from './store.js';

/** What an ingest endpoint takes. */
export type IngestKind = 'hit' | 'event' | 'session';

/** An ingest endpoint: its kind, and whether it is the batch variant. */
export interface IngestRoute {
  kind: IngestKind;
  batch: boolean;
}

/** What an ingest request carried, once validated. */
export type IngestResult =
  | { ok: true; kind: 'hit'; items: ReceivedHit[] }
  | { ok: true; kind: 'event'; items: ReceivedEvent[] }
  | { ok: true; kind: 'session'; items: ReceivedSession[] }
  | { ok: false; body: ApiErrorBody };

const ROUTES: Record<string, IngestRoute> = {
  '/api/v1/hit': { kind: 'hit', batch: false },
  '/api/v1/event': { kind: 'event', batch: false },
  '/api/v1/session': { kind: 'session', batch: false },
  '/api/v1/hit/batch': { kind: 'hit', batch: true },
  '/api/v1/event/batch': { kind: 'event', batch: true },
  '/api/v1/session/batch': { kind: 'session', batch: true },
};

const REQUIRED: Record<IngestKind, readonly string[]> = {
  hit: ['url', 'ip', 'user_agent'],
  event: ['event_name', 'url', 'ip', 'user_agent'],
  session: ['ip', 'user_agent'],
};

const STRING_FIELDS = [
  'url', 'ip', 'user_agent', 'cf_connecting_ip', 'x_forwarded_for', 'forwarded', 'x_real_ip', 'dnt',
  'accept_language', 'title', 'referrer', 'sec_ch_ua', 'sec_ch_ua_mobile', 'sec_ch_ua_platform',
  'sec_ch_ua_platform_version', 'sec_ch_width', 'sec_ch_viewport_width', 'event_name',
];
const NUMBER_FIELDS = ['screen_width', 'screen_height', 'event_duration'];
const BOOLEAN_FIELDS = ['disable_bot_filter', 'non_interactive'];

/** Limits from the API notes. */
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 50;
const MAX_META = 20;
const MAX_META_KEY_LENGTH = 100;
const MAX_META_VALUE_LENGTH = 2000;

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The ingest endpoint at `path`, or undefined when `path` is not one. */
export function ingestRouteOf(path: string): IngestRoute | undefined {
  return Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
}

/**
 * Refuses an item the API would accept, as if the API refused it: returns the validation message,
 * or undefined to let it through. See `PirschEmulatorOptions.refuseItem`.
 */
export type RefuseItem = (item: Readonly<Record<string, unknown>>, kind: IngestKind) => string | undefined;

/**
 * Validates an ingest body like the API: a single call takes one object and records it with the
 * arrival time; a batch takes an array whose items each carry their own RFC 3339 `time`, and is
 * recorded whole or not at all. `refuseItem` refuses valid items too, under the field `item`.
 */
export function readIngest(route: IngestRoute, body: unknown, arrival: Date, refuseItem?: RefuseItem): IngestResult {
  if (!route.batch) {
    if (!isObject(body)) return { ok: false, body: apiError('expected a JSON object') };
    const validation = validateItem(route.kind, body, false, refuseItem);
    if (Object.keys(validation).length > 0) return { ok: false, body: apiError([], validation) };
    return received(route.kind, [{ ...body, time: arrival.toISOString() }]);
  }
  if (!Array.isArray(body)) return { ok: false, body: apiError('expected a JSON array') };
  const validation: Record<string, string> = {};
  const invalid: number[] = [];
  body.forEach((item: unknown, index) => {
    const itemValidation = isObject(item) ? validateItem(route.kind, item, true, refuseItem) : { '': 'must be an object' };
    const fields = Object.entries(itemValidation);
    if (fields.length === 0) return;
    invalid.push(index);
    for (const [field, message] of fields) validation[field ? `${index}.${field}` : String(index)] = message;
  });
  if (invalid.length > 0) {
    return {
      ok: false,
      body: apiError(`invalid batch item${invalid.length > 1 ? 's' : ''} ${invalid.join(', ')}: nothing was recorded`, validation),
    };
  }
  return received(route.kind, body as Array<Record<string, unknown> & { time: string }>);
}

function received(kind: IngestKind, items: Array<Record<string, unknown> & { time: string }>): IngestResult {
  // Validated above: the required fields are there and every known field has its type.
  switch (kind) {
    case 'hit':
      return { ok: true, kind, items: items as unknown as ReceivedHit[] };
    case 'event':
      return { ok: true, kind, items: items as unknown as ReceivedEvent[] };
    case 'session':
      return { ok: true, kind, items: items as unknown as ReceivedSession[] };
  }
}

/** Field -> message for every problem of one item; empty when it is fine. */
function validateItem(kind: IngestKind, item: Record<string, unknown>, needsTime: boolean, refuseItem: RefuseItem | undefined): Record<string, string> {
  const validation: Record<string, string> = {};
  for (const field of REQUIRED[kind]) {
    if (item[field] === undefined || item[field] === null || item[field] === '') validation[field] = 'required';
  }
  for (const field of STRING_FIELDS) {
    if (!validation[field] && item[field] !== undefined && typeof item[field] !== 'string') validation[field] = 'must be a string';
  }
  // Integers: the API decodes these into Go integers, and refuses 1.5 as it refuses -1.
  for (const field of NUMBER_FIELDS) {
    const value = item[field];
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
      validation[field] = 'must be a non-negative integer';
    }
  }
  for (const field of BOOLEAN_FIELDS) {
    if (item[field] !== undefined && typeof item[field] !== 'boolean') validation[field] = 'must be a boolean';
  }
  const tags = tagsProblem(item.tags);
  if (tags) validation.tags = tags;
  const meta = metaProblem(item.event_meta);
  if (meta) validation.event_meta = meta;
  if (refuseItem !== undefined && Object.keys(validation).length === 0) {
    let refused: string | undefined;
    try {
      refused = refuseItem(item, kind);
    } catch (error) {
      refused = `refuseItem threw: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof refused === 'string') validation.item = refused;
  }
  if (needsTime) {
    const time = item.time;
    if (time === undefined || time === null || time === '') validation.time = 'required';
    else if (typeof time !== 'string' || !RFC_3339.test(time) || Number.isNaN(Date.parse(time))) {
      validation.time = 'must be an RFC 3339 time';
    }
  }
  return validation;
}

function tagsProblem(tags: unknown): string | undefined {
  if (tags === undefined) return undefined;
  if (!isObject(tags)) return 'must be an object of strings';
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) return `at most ${MAX_TAGS} tags`;
  for (const [key, value] of entries) {
    if (typeof value !== 'string') return 'must be an object of strings';
    if (key.length > MAX_TAG_LENGTH || value.length > MAX_TAG_LENGTH) {
      return `keys and values up to ${MAX_TAG_LENGTH} characters`;
    }
  }
  return undefined;
}

function metaProblem(meta: unknown): string | undefined {
  if (meta === undefined) return undefined;
  if (!isObject(meta)) return 'must be an object of scalars';
  const entries = Object.entries(meta);
  if (entries.length > MAX_META) return `at most ${MAX_META} pairs`;
  for (const [key, value] of entries) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return 'must be an object of scalars';
    }
    if (key.length > MAX_META_KEY_LENGTH) return `keys up to ${MAX_META_KEY_LENGTH} characters`;
    if (String(value).length > MAX_META_VALUE_LENGTH) return `values up to ${MAX_META_VALUE_LENGTH} characters`;
  }
  return undefined;
}
