import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isBotUserAgent } from './bots.js';
import { DEFAULT_FLUSH_TIMEOUT_MS } from './client-core.js';
import { PirschConfigError } from './errors.js';
import type { TrackingOptions } from './tracking.js';
import type { Hit } from './types.js';

/**
 * Why a response was not tracked:
 * - `aborted`: the visitor left before the response was written completely (Node adapters; a
 *   Fetch API response has no such moment);
 * - `method`: not one of `methods` (default only `GET`);
 * - `status`: not a 2xx status;
 * - `dnt`: the request sent `DNT: 1` and `respectDnt` is on (the default);
 * - `asset`: the path ends in one of `ASSET_EXTENSIONS`;
 * - `prefetch`: a prefetch, preview or prerender request (`Purpose`, `Sec-Purpose`, `X-Purpose`, `X-Moz`);
 * - `no-user-agent`: no `User-Agent` header (the API rejects such hits);
 * - `excluded`: the path matched `exclude`;
 * - `bot`: the user agent is a bot, crawler, uptime checker, link previewer or HTTP library
 *   (`isBotUserAgent`) and `bots` is `'skip'` (the default);
 * - `filter`: the `filter` callback returned false (or threw);
 * - `before-send`: the `beforeSend` callback returned `null` (or threw, or returned no hit).
 */
export type SkipReason =
  | 'aborted'
  | 'method'
  | 'status'
  | 'dnt'
  | 'asset'
  | 'prefetch'
  | 'no-user-agent'
  | 'excluded'
  | 'bot'
  | 'filter'
  | 'before-send';

/** Every skip reason, in the order the checks run (`aborted` first: a response its visitor left is not judged further; the callbacks last: `filter`, then `beforeSend`). */
export const SKIP_REASONS: readonly SkipReason[] = Object.freeze([
  'aborted',
  'method',
  'status',
  'no-user-agent',
  'dnt',
  'prefetch',
  'asset',
  'excluded',
  'bot',
  'filter',
  'before-send',
] as const);

/**
 * File extensions (lowercase, with the dot) of paths that are not pages: scripts, styles, source
 * maps, images and icons (`favicon.ico`), fonts, media, WebAssembly, archives and documents, and
 * the machine-read files `robots.txt`, `sitemap.xml`, `manifest.json`/`.webmanifest`. Only the
 * last extension of the pathname counts (`/report.pdf` is skipped, `/blog/v1.2/` is not).
 */
export const ASSET_EXTENSIONS: ReadonlySet<string> = new Set([
  // scripts, styles, source maps, WebAssembly
  '.js', '.mjs', '.cjs', '.jsx', '.ts', '.tsx', '.css', '.map', '.wasm',
  // images and icons
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.svg', '.ico', '.bmp', '.tif', '.tiff', '.apng', '.heic',
  // fonts
  '.woff', '.woff2', '.ttf', '.otf', '.eot',
  // audio and video
  '.mp4', '.webm', '.ogg', '.ogv', '.mp3', '.wav', '.flac', '.m4a', '.aac', '.mov', '.m3u8',
  // machine-read data and manifests
  '.txt', '.xml', '.json', '.webmanifest', '.rss', '.atom',
  // downloads
  '.pdf', '.zip', '.gz', '.tgz', '.br', '.zst', '.rar', '.7z', '.tar', '.dmg', '.exe', '.msi', '.apk', '.csv',
]);

/** Tracking options after validation: defaults filled in, methods uppercased, excludes split. */
export interface ResolvedTrackingOptions<Req = IncomingMessage, Res = ServerResponse> {
  /** False: nothing is sent (see `TrackingOptions.enabled`). */
  enabled: boolean;
  respectDnt: boolean;
  /** Uppercase method names. */
  methods: ReadonlySet<string>;
  /**
   * Path prefixes without a trailing slash (`'/'` excludes every path), A to Z lowercased: they
   * match without regard to ASCII case. A prefix with characters a URL percent-encodes (`'/über'`)
   * is also here as the request sends it (`'/%c3%bcber'`).
   */
  excludePrefixes: readonly string[];
  /** Patterns tested against the pathname; `g`/`y` flags removed so `test` has no state. */
  excludePatterns: readonly RegExp[];
  filter: ((req: Req, res: Res) => boolean) | undefined;
  title: ((req: Req) => string | undefined) | undefined;
  tags: ((req: Req) => Record<string, string> | undefined) | undefined;
  hostname: string | undefined;
  protocol: 'http' | 'https' | undefined;
  disableBotFilter: boolean;
  shutdownTimeoutMs: number;
  bots: 'skip' | 'track';
  clientHints: boolean;
  /** Lowercase query parameter names; undefined when none. */
  stripQuery: readonly string[] | undefined;
  beforeSend: ((hit: Hit, req: Req) => Hit | null) | undefined;
}

function optionalFunction<F>(value: unknown, option: string): F | undefined {
  if (value == null) return undefined;
  if (typeof value !== 'function') throw new PirschConfigError(option, `must be a function, got ${typeof value}`);
  return value as F;
}

/** `shutdownTimeoutMs`; by default as long as `flush()` and `close()` wait. */
function shutdownTimeout(value: unknown): number {
  if (value == null) return DEFAULT_FLUSH_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PirschConfigError('shutdownTimeoutMs', 'must be a number of milliseconds >= 0');
  }
  return value;
}

function optionalBoolean(value: unknown, option: string, fallback: boolean): boolean {
  if (value == null) return fallback;
  if (typeof value !== 'boolean') throw new PirschConfigError(option, `must be true or false, got ${typeof value}`);
  return value;
}

/**
 * Validates tracking options once, at configuration time, and normalises them for `skipReason`.
 * Throws a `PirschConfigError` naming the first invalid option.
 *
 * @example
 * ```ts
 * const resolved = resolveTrackingOptions({ methods: ['get', 'head'], exclude: ['/admin', /^\/api\//] });
 * ```
 */
export function resolveTrackingOptions<Req = IncomingMessage, Res = ServerResponse>(
  options: TrackingOptions<Req, Res>,
): ResolvedTrackingOptions<Req, Res> {
  if (options === null || typeof options !== 'object') {
    throw new PirschConfigError('options', 'must be an object');
  }

  let methods: Set<string>;
  if (options.methods == null) {
    methods = new Set(['GET']);
  } else {
    if (!Array.isArray(options.methods)) throw new PirschConfigError('methods', 'must be an array of HTTP method names, e.g. ["GET"]');
    methods = new Set();
    for (const method of options.methods as unknown[]) {
      if (typeof method !== 'string' || method.trim() === '') {
        throw new PirschConfigError('methods', `must hold only non-empty strings, got ${typeof method === 'string' ? '""' : typeof method}`);
      }
      methods.add(method.trim().toUpperCase());
    }
  }

  const excludePrefixes: string[] = [];
  const excludePatterns: RegExp[] = [];
  if (options.exclude != null) {
    if (!Array.isArray(options.exclude)) throw new PirschConfigError('exclude', 'must be an array of path prefixes and RegExps');
    for (const entry of options.exclude as unknown[]) {
      if (typeof entry === 'string') {
        if (!entry.startsWith('/')) throw new PirschConfigError('exclude', `path prefixes must start with "/", got "${entry.slice(0, 100)}"`);
        for (const form of prefixForms(entry.length > 1 && entry.endsWith('/') ? entry.replace(/\/+$/, '') || '/' : entry)) {
          if (!excludePrefixes.includes(form)) excludePrefixes.push(form);
        }
      } else if (entry instanceof RegExp) {
        excludePatterns.push(entry.global || entry.sticky ? new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')) : entry);
      } else {
        throw new PirschConfigError('exclude', `must hold only strings and RegExps, got ${entry === null ? 'null' : typeof entry}`);
      }
    }
  }

  let hostname: string | undefined;
  if (options.hostname != null) {
    if (typeof options.hostname !== 'string') throw new PirschConfigError('hostname', `must be a string, got ${typeof options.hostname}`);
    hostname = options.hostname;
    let valid = false;
    try {
      const url = new URL(`http://${hostname}/`);
      valid = hostname !== '' && url.username === '' && url.password === '' && url.pathname === '/' && !url.search && !url.hash;
    } catch {
      valid = false;
    }
    if (!valid) throw new PirschConfigError('hostname', `must be a host name, optionally with a port (e.g. "example.com"), got "${hostname.slice(0, 100)}"`);
  }

  let protocol: 'http' | 'https' | undefined;
  if (options.protocol != null) {
    if (options.protocol !== 'http' && options.protocol !== 'https') {
      throw new PirschConfigError('protocol', `must be "http" or "https", got ${JSON.stringify(String(options.protocol)).slice(0, 50)}`);
    }
    protocol = options.protocol;
  }

  let bots: 'skip' | 'track' = 'skip';
  if (options.bots != null) {
    if (options.bots !== 'skip' && options.bots !== 'track') {
      throw new PirschConfigError('bots', `must be "skip" or "track", got ${JSON.stringify(String(options.bots)).slice(0, 50)}`);
    }
    bots = options.bots;
  }

  let stripQuery: string[] | undefined;
  if (options.stripQuery != null) {
    if (!Array.isArray(options.stripQuery)) throw new PirschConfigError('stripQuery', 'must be an array of query parameter names, e.g. ["token"]');
    for (const name of options.stripQuery as unknown[]) {
      if (typeof name !== 'string' || name.trim() === '') {
        throw new PirschConfigError('stripQuery', `must hold only non-empty strings, got ${typeof name === 'string' ? JSON.stringify(name) : name === null ? 'null' : typeof name}`);
      }
      (stripQuery ??= []).push(name.trim().toLowerCase());
    }
  }

  return {
    enabled: optionalBoolean(options.enabled, 'enabled', true),
    respectDnt: optionalBoolean(options.respectDnt, 'respectDnt', true),
    methods,
    excludePrefixes,
    excludePatterns,
    filter: optionalFunction(options.filter, 'filter'),
    title: optionalFunction(options.title, 'title'),
    tags: optionalFunction(options.tags, 'tags'),
    hostname,
    protocol,
    disableBotFilter: optionalBoolean(options.disableBotFilter, 'disableBotFilter', false),
    shutdownTimeoutMs: shutdownTimeout(options.shutdownTimeoutMs),
    bots,
    clientHints: optionalBoolean(options.clientHints, 'clientHints', false),
    stripQuery,
    beforeSend: optionalFunction(options.beforeSend, 'beforeSend'),
  };
}

/**
 * Decides whether a finished response is tracked: `undefined` to track it, else the reason to
 * skip it. `path` is the request target (`req.originalUrl ?? req.url`; a query and an
 * absolute-form target are fine). The `filter` callback is not run here (see `createTracker`).
 * Never throws for any request.
 *
 * @example
 * ```ts
 * const options = resolveTrackingOptions({ exclude: ['/health'] });
 * res.on('finish', () => {
 *   if (!skipReason(req, res.statusCode, req.url ?? '/', options)) client.hit(hitFromRequest(req));
 * });
 * ```
 */
export function skipReason(
  req: IncomingMessage,
  status: number,
  path: string,
  options: ResolvedTrackingOptions<never, never>,
): SkipReason | undefined {
  // Cheapest checks first: a string and a number, then header lookups, then path work.
  if (!options.methods.has(req.method ?? '')) return 'method';
  if (!(status >= 200 && status < 300)) return 'status';
  const headers: IncomingHttpHeaders | undefined = req.headers;
  if (headers == null) return 'no-user-agent';
  // One pass over the headers: cheaper than a lookup per name on objects of varying shape.
  let userAgent: string | undefined;
  let dnt: string | undefined;
  let prefetch = false;
  for (const name in headers) {
    switch (name) {
      case 'user-agent': userAgent = first(headers[name]); break;
      case 'dnt': dnt = first(headers[name]); break;
      case 'sec-purpose':
      case 'purpose':
      case 'x-purpose':
      case 'x-moz':
        prefetch ||= isPrefetchPurpose(first(headers[name]));
        break;
    }
  }
  if (userAgent === undefined || userAgent.trim() === '') return 'no-user-agent';
  if (options.respectDnt && isDoNotTrack(dnt)) return 'dnt';
  if (prefetch) return 'prefetch';
  const target = typeof path === 'string' ? path : '/';
  // Path work without slicing: [start, end) of `target` is the pathname.
  const start = pathStart(target);
  const end = pathEnd(target, start);
  if (isAsset(target, start, end)) return 'asset';
  if (options.excludePrefixes.length + options.excludePatterns.length > 0 && isExcluded(pathnameOf(target, start, end), options)) {
    return 'excluded';
  }
  // Last of the request checks: even cached, it hashes the whole user agent.
  if (options.bots === 'skip' && isBotUserAgent(userAgent)) return 'bot';
  return undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
}

/** `DNT: 1`; Node joins a repeated header with ", ", and the first value counts. */
function isDoNotTrack(dnt: string | undefined): boolean {
  if (dnt === undefined) return false;
  if (dnt === '1') return true;
  const comma = dnt.indexOf(',');
  return (comma === -1 ? dnt : dnt.slice(0, comma)).trim() === '1';
}

/** `prefetch`, `preview`, `prerender`, also inside a list such as `prefetch;prerender`. */
function isPrefetchPurpose(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const lower = value.toLowerCase();
  return lower.includes('prefetch') || lower.includes('preview') || lower.includes('prerender');
}

/** Where the path of a request target starts: 0, or after `scheme://authority` of an absolute-form target (-1: none). */
function pathStart(target: string): number {
  if (target.charCodeAt(0) === 47 /* / */) return 0;
  const schemeEnd = target.indexOf('://');
  if (schemeEnd === -1) return 0; // `*`, `no-slash`: taken as a relative path
  for (let i = schemeEnd + 3; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 47) return i;
    if (c === 63 /* ? */ || c === 35 /* # */) return -1;
  }
  return -1;
}

/** Where the pathname ends: at the query, the fragment or the end. */
function pathEnd(target: string, start: number): number {
  if (start === -1) return -1;
  for (let i = start; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) return i;
  }
  return target.length;
}

function pathnameOf(target: string, start: number, end: number): string {
  if (start === -1) return '/';
  const pathname = start === 0 && end === target.length ? target : target.slice(start, end);
  return pathname.charCodeAt(0) === 47 ? pathname : `/${pathname}`;
}

/** The last segment of the pathname ends in one of `ASSET_EXTENSIONS`. */
function isAsset(target: string, start: number, end: number): boolean {
  if (start === -1 || end - start < 3) return false;
  const dot = target.lastIndexOf('.', end - 1);
  if (dot <= start) return false;
  const length = end - dot;
  if (length < 2 || length > 12) return false;
  for (let i = dot + 1; i < end; i++) if (target.charCodeAt(i) === 47) return false;
  return ASSET_EXTENSIONS.has(target.slice(dot, end).toLowerCase());
}

/**
 * An `exclude` prefix as it is matched: A to Z lowercased (Express and Koa's routers match paths
 * without regard to case, so `/Admin` reaches the `/admin` route; in a framework that routes by
 * case, such a request is a 404 and not tracked anyway), and also percent-encoded as a request
 * sends it, when that differs (`/über` arrives as `/%C3%BCber`).
 */
function prefixForms(prefix: string): string[] {
  const forms = [lowerAscii(prefix)];
  let encoded: string | undefined;
  try {
    encoded = lowerAscii(encodeURI(prefix).replace(/%25([0-9a-f]{2})/gi, '%$1'));
  } catch {
    // a lone surrogate: no encoded form
  }
  if (encoded !== undefined && encoded !== forms[0]) forms.push(encoded);
  return forms;
}

function lowerAscii(value: string): string {
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** `pathname` starts with `prefix` (A to Z lowercased), A to Z matched without regard to case. */
function startsWithFolded(pathname: string, prefix: string): boolean {
  if (pathname.startsWith(prefix)) return true;
  if (pathname.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    const c = pathname.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== prefix.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * A prefix matches itself and everything below it, in any ASCII case: `/admin` matches `/admin`,
 * `/Admin` and `/admin/x`, not `/administrator`.
 */
function isExcluded(pathname: string, options: ResolvedTrackingOptions<never, never>): boolean {
  for (const prefix of options.excludePrefixes) {
    if (prefix === '/') return true;
    if (startsWithFolded(pathname, prefix) && (pathname.length === prefix.length || pathname.charCodeAt(prefix.length) === 47)) return true;
  }
  for (const pattern of options.excludePatterns) {
    if (pattern.test(pathname)) return true;
  }
  return false;
}
