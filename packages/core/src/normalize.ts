import { FIELD_LIMITS, cap } from './limits.js';
import type { ItemKind } from './queue.js';

/** The string fields the API knows, with their longest length (`FIELD_LIMITS`). */
const TEXT_FIELDS: ReadonlyArray<readonly [field: string, limit: number]> = [
  ['url', FIELD_LIMITS.url],
  ['ip', FIELD_LIMITS.ip],
  ['user_agent', FIELD_LIMITS.user_agent],
  ['referrer', FIELD_LIMITS.referrer],
  ['title', FIELD_LIMITS.title],
  ['accept_language', FIELD_LIMITS.accept_language],
  ['cf_connecting_ip', FIELD_LIMITS.cf_connecting_ip],
  ['x_forwarded_for', FIELD_LIMITS.x_forwarded_for],
  ['forwarded', FIELD_LIMITS.forwarded],
  ['x_real_ip', FIELD_LIMITS.x_real_ip],
  ['dnt', FIELD_LIMITS.dnt],
  ['sec_ch_ua', FIELD_LIMITS.sec_ch_ua],
  ['sec_ch_ua_mobile', FIELD_LIMITS.sec_ch_ua_mobile],
  ['sec_ch_ua_platform', FIELD_LIMITS.sec_ch_ua_platform],
  ['sec_ch_ua_platform_version', FIELD_LIMITS.sec_ch_ua_platform_version],
  ['sec_ch_width', FIELD_LIMITS.sec_ch_width],
  ['sec_ch_viewport_width', FIELD_LIMITS.sec_ch_viewport_width],
  ['event_name', FIELD_LIMITS.event_name],
];
const COUNT_FIELDS: readonly string[] = ['screen_width', 'screen_height', 'event_duration'];
const FLAG_FIELDS: readonly string[] = ['disable_bot_filter', 'non_interactive'];

/**
 * The largest count sent (`screen_width`, `screen_height`, `event_duration`): 2^31 - 1 fits every
 * integer type the API may decode it into; no screen is wider and no event lasts 68 years.
 */
export const MAX_COUNT = 2 ** 31 - 1;

type Fix = (value: unknown) => unknown;

const FIXES = new Map<string, Fix>();
for (const [field, limit] of TEXT_FIELDS) FIXES.set(field, field === 'url' ? (value) => urlText(value, limit) : (value) => text(value, limit));
for (const field of COUNT_FIELDS) FIXES.set(field, count);
for (const field of FLAG_FIELDS) FIXES.set(field, (value) => (typeof value === 'boolean' ? value : undefined));
FIXES.set('tags', (value) => stringMap(value, FIELD_LIMITS.tagCount, FIELD_LIMITS.tagKey, FIELD_LIMITS.tagValue));
FIXES.set('event_meta', (value) => stringMap(value, FIELD_LIMITS.metaCount, FIELD_LIMITS.metaKey, FIELD_LIMITS.metaValue));

/**
 * Brings an item (a hit, an event or a session) to what the API accepts, so one bad field cannot
 * make the API refuse the batch it travels in:
 *
 * - string fields (`title`, `referrer`, the headers, ...) are cut to their `FIELD_LIMITS` length
 *   (`url` never inside a `%XX` escape); a value that is not a string drops the field: a number
 *   where a title belongs is a bug, and `String()` of an object says nothing;
 * - `screen_width`, `screen_height`, `event_duration`: a finite number from 0 to `MAX_COUNT`,
 *   rounded to an integer; anything else drops the field;
 * - `disable_bot_filter`, `non_interactive`: booleans, else dropped;
 * - `tags` (at most 20 pairs, keys and values up to 50 characters) and `event_meta` (20 pairs, keys
 *   up to 100, values up to 2000): the first pairs are kept, each cut to its limits, a number,
 *   boolean or bigint value turned into its string, a pair with any other value or an empty key
 *   left out; a map left empty, or that is not an object, is dropped;
 * - other fields are kept as they are (the API ignores fields it does not know); a property
 *   whose getter throws is left out.
 *
 * Returns `undefined` only when the item cannot be sent at all: it is not an object, or a required
 * field (`url`, `ip`, `user_agent`; events `event_name`; sessions `ip`, `user_agent`) is not a
 * non-empty string. `item` is never changed: the result is a copy. With `owned` (an object the
 * caller built and hands over, such as the tracker's hits) it is fixed in place and returned, and
 * one that needs nothing costs a look at each of its fields.
 */
export function normalizeItem(kind: ItemKind, item: unknown, owned = false): Record<string, unknown> | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  try {
    const fixed = owned ? (item as Record<string, unknown>) : copyOf(item);
    const needed = REQUIRED[kind];
    let filled: number;
    try {
      filled = acceptableFields(fixed);
    } catch {
      filled = -1; // a getter threw: fixing leaves that field out
    }
    if (filled >= 0 && (filled & needed) === needed) return fixed;
    fixFields(fixed);
    return (filledFields(fixed) & needed) === needed ? fixed : undefined;
  } catch {
    // A proxy or an object whose keys cannot be listed: nothing to send.
    return undefined;
  }
}

/**
 * A shallow copy of `item`'s own enumerable fields (what JSON would send of it). A property whose
 * getter throws is left out. May throw when the keys cannot be listed (a hostile proxy).
 */
export function copyOf(item: object): Record<string, unknown> {
  const copy = shallowCopy(item);
  // The maps inside are copied too: the caller may change its `tags` or meta object after the
  // call, and the batch is serialised later (a change would be sent, unchecked).
  for (const key of NESTED_MAPS) {
    const value = copy[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue; // no map: the fix leaves it out
    try {
      copy[key] = shallowCopy(value);
    } catch {
      delete copy[key]; // a getter or a Proxy threw: only this field is lost
    }
  }
  return copy;
}

/** The fields of an item that hold an object of their own. */
const NESTED_MAPS = ['tags', 'event_meta'] as const;

/** A copy of a map the caller passed (event meta), or the value itself when it is no object. */
export function copyMap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  try {
    return shallowCopy(value);
  } catch {
    return undefined; // a getter or a Proxy threw: the field is left out
  }
}

function shallowCopy(item: object): Record<string, unknown> {
  try {
    // The fast copy: V8 clones the object's shape.
    return { ...item } as Record<string, unknown>;
  } catch {
    // A getter threw: copy field by field, without the ones that throw.
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(item)) {
    try {
      Object.defineProperty(copy, key, { value: (item as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true });
    } catch {
      // left out
    }
  }
  return copy;
}

/** Brings every known field of `item` within the API's limits, in place (see `normalizeItem`). */
export function fixFields(item: Record<string, unknown>): void {
  for (const key of Object.keys(item)) {
    const fix = FIXES.get(key);
    if (fix === undefined) continue;
    let value: unknown;
    try {
      value = item[key];
    } catch {
      delete item[key];
      continue;
    }
    let fixed: unknown;
    try {
      fixed = fix(value);
    } catch {
      fixed = undefined; // a map whose keys cannot be listed (a hostile Proxy): only this field is lost
    }
    if (fixed === value) continue;
    if (fixed === undefined) delete item[key];
    else item[key] = fixed;
  }
}

/** Bits of the required fields, for `acceptableFields` and `filledFields`. */
const URL_BIT = 1;
const IP_BIT = 2;
const USER_AGENT_BIT = 4;
const EVENT_NAME_BIT = 8;
/** The fields an item cannot do without: `url`, `ip`, `user_agent`; events `event_name` too; sessions `ip` and `user_agent` only. */
const REQUIRED: Record<ItemKind, number> = { hit: URL_BIT | IP_BIT | USER_AGENT_BIT, event: URL_BIT | IP_BIT | USER_AGENT_BIT | EVENT_NAME_BIT, session: IP_BIT | USER_AGENT_BIT };

/**
 * -1 when a known field needs fixing, else the bits of the required fields that hold a non-empty
 * string: the common case, and the whole cost of it. One pass over the fields the item has,
 * switching on the name (as `hitFromRequest` reads headers), with one string check for every
 * string field so the function stays small enough to optimise. Reading each of the two dozen
 * known fields costs a lookup per absent one, and a Map lookup per field is not much cheaper
 * (measured for a tracker's hit: a loop over the field list about 1 µs, a lookup table about
 * 0.4 µs, this about 0.15 µs, where a spread copy of the hit takes about 0.05 to 0.1 µs).
 */
function acceptableFields(item: Record<string, unknown>): number {
  const L = FIELD_LIMITS;
  let filled = 0;
  for (const key in item) {
    let limit: number;
    let bit = 0;
    switch (key) {
      case 'url': limit = L.url; bit = URL_BIT; break;
      case 'ip': limit = L.ip; bit = IP_BIT; break;
      case 'user_agent': limit = L.user_agent; bit = USER_AGENT_BIT; break;
      case 'event_name': limit = L.event_name; bit = EVENT_NAME_BIT; break;
      case 'referrer': limit = L.referrer; break;
      case 'title': limit = L.title; break;
      case 'accept_language': limit = L.accept_language; break;
      case 'cf_connecting_ip': limit = L.cf_connecting_ip; break;
      case 'x_forwarded_for': limit = L.x_forwarded_for; break;
      case 'forwarded': limit = L.forwarded; break;
      case 'x_real_ip': limit = L.x_real_ip; break;
      case 'dnt': limit = L.dnt; break;
      case 'sec_ch_ua': limit = L.sec_ch_ua; break;
      case 'sec_ch_ua_mobile': limit = L.sec_ch_ua_mobile; break;
      case 'sec_ch_ua_platform': limit = L.sec_ch_ua_platform; break;
      case 'sec_ch_ua_platform_version': limit = L.sec_ch_ua_platform_version; break;
      case 'sec_ch_width': limit = L.sec_ch_width; break;
      case 'sec_ch_viewport_width': limit = L.sec_ch_viewport_width; break;
      case 'screen_width':
      case 'screen_height':
      case 'event_duration':
        if (!isCount(item[key])) return -1;
        continue;
      case 'disable_bot_filter':
      case 'non_interactive':
        if (!isFlag(item[key])) return -1;
        continue;
      case 'tags':
        if (!isAcceptableMap(item[key], L.tagCount, L.tagKey, L.tagValue)) return -1;
        continue;
      case 'event_meta':
        if (!isAcceptableMap(item[key], L.metaCount, L.metaKey, L.metaValue)) return -1;
        continue;
      default:
        continue;
    }
    const value = item[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > limit) return -1;
    if (value !== '') filled |= bit;
  }
  return filled;
}

/**
 * True when the item's required fields (see `REQUIRED`) are non-empty strings. All a hit built by
 * `hitFromRequest` or `hitFromWebRequest` needs before it is sent: they cap every field to its
 * limit themselves, but the IP can be empty (a socket that closed before its address was read).
 */
export function hasRequiredFields(kind: ItemKind, item: { url?: unknown; ip?: unknown; user_agent?: unknown; event_name?: unknown }): boolean {
  const needed = REQUIRED[kind];
  return (filledFields(item) & needed) === needed;
}

/** The bits of the required fields that hold a non-empty string. */
function filledFields(item: { url?: unknown; ip?: unknown; user_agent?: unknown; event_name?: unknown }): number {
  return (isFilled(item.url) ? URL_BIT : 0) | (isFilled(item.ip) ? IP_BIT : 0) | (isFilled(item.user_agent) ? USER_AGENT_BIT : 0) | (isFilled(item.event_name) ? EVENT_NAME_BIT : 0);
}

function isFilled(value: unknown): boolean {
  return typeof value === 'string' && value !== '';
}

function isCount(value: unknown): boolean {
  return value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT);
}

function isFlag(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean';
}

function isAcceptableMap(value: unknown, pairs: number, keyLimit: number, valueLimit: number): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  let seen = 0;
  // for...in allocates nothing; an inherited key only sends the map to be rebuilt.
  for (const key in value) {
    const entry = (value as Record<string, unknown>)[key];
    if (++seen > pairs || key === '' || key.length > keyLimit || typeof entry !== 'string' || entry.length > valueLimit) return false;
  }
  return seen > 0;
}

function text(value: unknown, limit: number): string | undefined {
  return typeof value === 'string' ? cap(value, limit) : undefined;
}

/** Like `text`, and a cut URL does not end in half a `%XX` escape. */
function urlText(value: unknown, limit: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length <= limit) return value;
  const cut = cap(value, limit);
  const end = cut.length;
  if (cut.charCodeAt(end - 1) === 37 /* % */) return cut.slice(0, end - 1);
  if (cut.charCodeAt(end - 2) === 37) return cut.slice(0, end - 2);
  return cut;
}

function count(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  const rounded = Math.round(value);
  return rounded <= MAX_COUNT ? rounded : undefined;
}

/** A tag or meta value as the API takes it: a string; a number, boolean or bigint as its string. */
function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}

/** The map itself when it is acceptable, else a new one within the limits (or undefined). */
function stringMap(value: unknown, pairs: number, keyLimit: number, valueLimit: number): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  try {
    if (isAcceptableMap(value, pairs, keyLimit, valueLimit)) return value as Record<string, string>;
  } catch {
    // a getter threw: rebuilt below without it
  }
  const kept: Array<[string, string]> = [];
  for (const key of Object.keys(value)) {
    if (kept.length === pairs) break;
    if (key === '') continue;
    let entry: string | undefined;
    try {
      entry = scalarText((value as Record<string, unknown>)[key]);
    } catch {
      continue;
    }
    if (entry !== undefined) kept.push([cap(key, keyLimit), cap(entry, valueLimit)]);
  }
  // fromEntries defines each key as a field, `__proto__` included.
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
