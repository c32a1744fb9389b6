import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { FIELD_LIMITS, cap } from './limits.js';
import { stripQueryParams } from './privacy.js';
import type { Hit } from './types.js';

export { FIELD_LIMITS } from './limits.js';

/** What the caller knows better than the request itself. Every field is optional. */
export interface HitOptions {
  /**
   * The visitor's IP as the framework resolved it (Express `req.ip`, Koa `ctx.ip`, Fastify
   * `request.ip`), honouring its trust-proxy setting. Default: the socket's address. Forwarding
   * headers are never used for the IP unless the caller resolved them into this option.
   */
  ip?: string;
  /** Host (optionally with `:port`) to put into the URL instead of the `Host` header. */
  hostname?: string;
  /** Protocol of the URL. Default: `https` on a TLS socket, else `http`. */
  protocol?: 'http' | 'https';
  /** Path and query to put into the URL instead of `req.originalUrl ?? req.url`. */
  path?: string;
  /** The page title. */
  title?: string;
  /** Screen width in pixels (when the caller knows it, e.g. from a client hint or a cookie). */
  screenWidth?: number;
  /** Screen height in pixels. */
  screenHeight?: number;
  /** Custom tags; at most 20 are kept, keys and values cut to 50 characters. */
  tags?: Record<string, string>;
  /** Ask Pirsch not to drop this hit as a bot. */
  disableBotFilter?: boolean;
  /**
   * Query parameters to remove (names compared case-insensitively and decoded) from the URL and
   * the referrer before the hit is built, e.g. `['token', 'email']`. A removed `ref` or
   * `utm_source` is not used as the referrer either. The rest of the query is kept as it was.
   */
  stripQuery?: readonly string[];
}

const FALLBACK_HOST = 'localhost';
const REFERRER_PARAMS = ['ref', 'referer', 'referrer', 'source', 'utm_source'] as const;

/**
 * Builds a page hit from a Node request. Never throws: whatever the request holds, the result has
 * a URL that `new URL()` parses and no field longer than its `FIELD_LIMITS` entry.
 *
 * - `url`: protocol + `Host` + `req.originalUrl ?? req.url`; an absolute-form request line gives
 *   only its path and query; a missing or broken `Host` becomes `localhost`; characters that are
 *   not allowed in a URL and `%` without two hex digits are percent-encoded (never decoded);
 *   the fragment is dropped.
 * - `ip`: `options.ip`, else the socket's address; `::ffff:1.2.3.4` becomes `1.2.3.4`.
 * - The raw header values (`cf_connecting_ip`, `x_forwarded_for`, `forwarded`, `x_real_ip`, `dnt`,
 *   `accept_language`, the `sec-ch-*` client hints), `user_agent`, and `referrer` (the `Referer`
 *   header, else the `ref`, `referer`, `referrer`, `source` or `utm_source` query parameter).
 * - `options.stripQuery` names query parameters removed from the URL and the referrer first.
 * - Absent optional fields are left out.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   res.on('finish', () => client.hit(hitFromRequest(req, { title: 'Home' })));
 *   res.end('hello');
 * });
 * ```
 */
export function hitFromRequest(req: IncomingMessage, options?: HitOptions): Hit {
  try {
    const protocol = protocolOf(options?.protocol) ?? (isEncrypted(req) ? 'https' : 'http');
    const rawPath = options?.path ?? (req as IncomingMessage & { originalUrl?: unknown }).originalUrl ?? req.url;
    const path = normalizePath(typeof rawPath === 'string' ? rawPath : '/');
    let ip = typeof options?.ip === 'string' && options.ip !== '' ? options.ip : undefined;
    if (ip === undefined) {
      const address = req.socket?.remoteAddress;
      ip = typeof address === 'string' ? address : '';
    }
    // `req.headers`, not `rawHeaders`: Node's server has built that object before any handler
    // runs, so reading it builds nothing (test/headers-premise.test.ts keeps that checked).
    return buildHit(req.headers ?? {}, protocol, undefined, path, ip, options);
  } catch {
    return { url: `http://${FALLBACK_HOST}/`, ip: '', user_agent: '' };
  }
}

/**
 * Builds a page hit from a Fetch API `Request` (Hono, Next.js route handlers, Bun, Deno, workers).
 * Same rules as `hitFromRequest`; the IP must be given because a `Request` has no socket. Never throws.
 *
 * @example
 * ```ts
 * app.get('/', (c) => {
 *   client.hit(hitFromWebRequest(c.req.raw, { ip: getConnInfo(c).remote.address ?? '' }));
 *   return c.text('hello');
 * });
 * ```
 */
export function hitFromWebRequest(request: Request, options: HitOptions & { ip: string }): Hit {
  try {
    const url = splitWebUrl(String(request.url));
    const protocol = protocolOf(options?.protocol) ?? (url.scheme === 'https' ? 'https' : 'http');
    const path = normalizePath(options?.path ?? url.target);
    const ip = typeof options?.ip === 'string' ? options.ip : '';
    return buildHit(webHeaders(request.headers), protocol, url.host ?? '', path, ip, options);
  } catch {
    return { url: `http://${FALLBACK_HOST}/`, ip: '', user_agent: '' };
  }
}

/** The parts of a Fetch API request URL the hit is built from, without parsing it whole. */
export interface WebUrlParts {
  /** Lowercase, `''` for a URL without one. */
  scheme: string;
  /** Host and port; undefined for a URL without a scheme. */
  host: string | undefined;
  /** Path and query (what follows the host, up to a fragment). */
  target: string;
}

/** Splits a request URL into scheme, host and target in one pass. */
export function splitWebUrl(url: string): WebUrlParts {
  const schemeEnd = url.indexOf('://');
  const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
  let pathStart = authorityStart;
  while (pathStart < url.length) {
    const c = url.charCodeAt(pathStart);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    pathStart++;
  }
  return {
    scheme: schemeEnd === -1 ? '' : url.slice(0, schemeEnd).toLowerCase(),
    host: schemeEnd === -1 ? undefined : url.slice(authorityStart, pathStart),
    target: url.slice(pathStart),
  };
}

/** A Fetch API `Headers` as a Node-style header object: one pass is several times cheaper than a `get()` per field. */
export function webHeaders(headers: Headers): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = Object.create(null) as IncomingHttpHeaders;
  headers.forEach((value, name) => {
    copy[name] = value;
  });
  return copy;
}

/**
 * The hit from the request's parts. `urlHost` is the host of an absolute request URL (Fetch
 * API); without it the `Host` header counts. `options.hostname` beats both.
 */
function buildHit(
  headers: IncomingHttpHeaders,
  protocol: 'http' | 'https',
  urlHost: string | undefined,
  path: string,
  ip: string,
  options: HitOptions | undefined,
): Hit {
  // One pass over the headers: a lookup per field costs several times more, because header
  // objects differ in shape from request to request.
  let host: string | undefined;
  let authority: string | undefined;
  let userAgent: string | undefined;
  let cfConnectingIp: string | undefined;
  let xForwardedFor: string | undefined;
  let forwarded: string | undefined;
  let xRealIp: string | undefined;
  let dnt: string | undefined;
  let acceptLanguage: string | undefined;
  let referer: string | undefined;
  let secChUa: string | undefined;
  let secChUaMobile: string | undefined;
  let secChUaPlatform: string | undefined;
  let secChUaPlatformVersion: string | undefined;
  let secChWidth: string | undefined;
  let secChViewportWidth: string | undefined;
  for (const name in headers) {
    switch (name) {
      case 'host': host = firstString(headers[name]); break;
      case ':authority': authority = firstString(headers[name]); break;
      case 'user-agent': userAgent = firstString(headers[name]); break;
      case 'cf-connecting-ip': cfConnectingIp = firstString(headers[name]); break;
      case 'x-forwarded-for': xForwardedFor = firstString(headers[name]); break;
      case 'forwarded': forwarded = firstString(headers[name]); break;
      case 'x-real-ip': xRealIp = firstString(headers[name]); break;
      case 'dnt': dnt = firstString(headers[name]); break;
      case 'accept-language': acceptLanguage = firstString(headers[name]); break;
      case 'referer': referer = firstString(headers[name]); break;
      case 'sec-ch-ua': secChUa = firstString(headers[name]); break;
      case 'sec-ch-ua-mobile': secChUaMobile = firstString(headers[name]); break;
      case 'sec-ch-ua-platform': secChUaPlatform = firstString(headers[name]); break;
      case 'sec-ch-ua-platform-version': secChUaPlatformVersion = firstString(headers[name]); break;
      case 'sec-ch-width': secChWidth = firstString(headers[name]); break;
      case 'sec-ch-viewport-width': secChViewportWidth = firstString(headers[name]); break;
    }
  }

  const strip = strippedNames(options?.stripQuery);
  if (strip !== undefined) path = stripQueryParams(path, strip);
  const url = `${protocol}://${hostFor(options?.hostname, urlHost ?? host ?? authority, protocol)}${path}`;
  const hit: Hit = {
    url: capUrl(url),
    ip: cap(normalizeIp(ip), FIELD_LIMITS.ip),
    user_agent: userAgent === undefined ? '' : cap(userAgent, FIELD_LIMITS.user_agent),
  };
  // Single-valued headers that Node joined with ", " when repeated keep their first value.
  if (cfConnectingIp) hit.cf_connecting_ip = cap(firstOfList(cfConnectingIp), FIELD_LIMITS.cf_connecting_ip);
  if (xForwardedFor) hit.x_forwarded_for = cap(xForwardedFor, FIELD_LIMITS.x_forwarded_for);
  if (forwarded) hit.forwarded = cap(forwarded, FIELD_LIMITS.forwarded);
  if (xRealIp) hit.x_real_ip = cap(firstOfList(xRealIp), FIELD_LIMITS.x_real_ip);
  if (dnt) hit.dnt = cap(firstOfList(dnt), FIELD_LIMITS.dnt);
  if (acceptLanguage) hit.accept_language = cap(acceptLanguage, FIELD_LIMITS.accept_language);
  let referrer = referer || referrerFromQuery(path);
  // The Referer of the next page is often this site's page with the same secret in its query.
  if (referrer && strip !== undefined) referrer = stripQueryParams(referrer, strip);
  if (referrer) hit.referrer = cap(referrer, FIELD_LIMITS.referrer);
  if (secChUa) hit.sec_ch_ua = cap(secChUa, FIELD_LIMITS.sec_ch_ua);
  if (secChUaMobile) hit.sec_ch_ua_mobile = cap(firstOfList(secChUaMobile), FIELD_LIMITS.sec_ch_ua_mobile);
  if (secChUaPlatform) hit.sec_ch_ua_platform = cap(firstOfList(secChUaPlatform), FIELD_LIMITS.sec_ch_ua_platform);
  if (secChUaPlatformVersion) {
    hit.sec_ch_ua_platform_version = cap(firstOfList(secChUaPlatformVersion), FIELD_LIMITS.sec_ch_ua_platform_version);
  }
  if (secChWidth) hit.sec_ch_width = cap(firstOfList(secChWidth), FIELD_LIMITS.sec_ch_width);
  if (secChViewportWidth) hit.sec_ch_viewport_width = cap(firstOfList(secChViewportWidth), FIELD_LIMITS.sec_ch_viewport_width);

  if (options !== undefined) {
    const { title, screenWidth, screenHeight, tags } = options;
    if (typeof title === 'string' && title !== '') hit.title = cap(title, FIELD_LIMITS.title);
    const width = screenSize(screenWidth);
    if (width !== undefined) hit.screen_width = width;
    const height = screenSize(screenHeight);
    if (height !== undefined) hit.screen_height = height;
    if (tags != null) {
      const capped = capTags(tags);
      if (capped !== undefined) hit.tags = capped;
    }
    if (options.disableBotFilter === true) hit.disable_bot_filter = true;
  }
  return hit;
}

// Node joins repeated headers with ", " (most) or keeps the first (user-agent, referer, host);
// only `set-cookie` is an array. An array (from a framework's own header object) gives its first value.
function firstString(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** The first entry of a header that Node may have joined with ", " (single-valued headers only). */
function firstOfList(value: string): string {
  const comma = value.indexOf(',');
  return comma === -1 ? value : value.slice(0, comma).trim();
}

function protocolOf(value: unknown): 'http' | 'https' | undefined {
  return value === 'http' || value === 'https' ? value : undefined;
}

function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: unknown } | undefined | null)?.encrypted === true;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) becomes `1.2.3.4`. */
function normalizeIp(ip: string): string {
  if (ip.length > 7 && ip.charCodeAt(0) === 58 /* : */ && ip.charCodeAt(1) === 58) {
    const prefix = ip.slice(0, 7).toLowerCase();
    if (prefix === '::ffff:' && ip.indexOf('.', 7) !== -1) return ip.slice(7);
  }
  return ip;
}

function screenSize(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100_000) return undefined;
  return Math.round(value);
}

/** The tags the API accepts; a tags object that throws when read (a getter, a Proxy) gives none, and the hit keeps the rest. */
function capTags(tags: unknown): Record<string, string> | undefined {
  try {
    return tagsWithinLimits(tags);
  } catch {
    return undefined;
  }
}

/**
 * The tags the API accepts, as a copy: at most 20 pairs of non-empty keys and string (or number
 * or boolean) values, cut to 50 characters. Throws what a getter (or a Proxy) of `tags` throws,
 * so a caller can say why the tags were lost.
 */
export function tagsWithinLimits(tags: unknown): Record<string, string> | undefined {
  if (typeof tags !== 'object' || tags === null) return undefined;
  let result: Record<string, string> | undefined;
  let count = 0;
  for (const key of Object.keys(tags)) {
    if (count === FIELD_LIMITS.tagCount) break;
    const raw = (tags as Record<string, unknown>)[key];
    const value = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    if (key === '' || value === undefined) continue;
    result ??= {};
    result[cap(key, FIELD_LIMITS.tagKey)] = cap(value, FIELD_LIMITS.tagValue);
    count++;
  }
  return result;
}

/** `stripQuery` lowercased, or undefined when there is nothing to strip. */
function strippedNames(names: readonly string[] | undefined): readonly string[] | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  const lower: string[] = [];
  for (const name of names as readonly unknown[]) if (typeof name === 'string' && name !== '') lower.push(name.toLowerCase());
  return lower.length === 0 ? undefined : lower;
}

// Hosts repeat: a server answers for a handful of names. Each distinct Host value is checked with
// `new URL()` once; the cache is cleared when full so a client sending random hosts cannot grow it.
const HOST_CACHE_SIZE = 256;
const httpHosts = new Map<string, string>();
const httpsHosts = new Map<string, string>();

/** `options.hostname` if valid, else the request's host if valid, else `localhost`. */
function hostFor(override: string | undefined, fromRequest: string | undefined, protocol: 'http' | 'https'): string {
  if (typeof override === 'string') {
    const host = normalizeHost(override, protocol);
    if (host !== '') return host;
  }
  if (fromRequest !== undefined) {
    const host = normalizeHost(fromRequest, protocol);
    if (host !== '') return host;
  }
  return FALLBACK_HOST;
}

// The last answer: most requests carry the same Host as the one before, and comparing two short
// strings is cheaper than hashing the request's fresh one for the Map.
let lastRaw = '';
let lastProtocol = '';
let lastHost = '';

/** The host as the URL standard serializes it (lowercase, punycode, default port dropped), or '' when invalid. */
function normalizeHost(raw: string, protocol: 'http' | 'https'): string {
  if (raw === lastRaw && protocol === lastProtocol) return lastHost;
  const host = cachedHost(raw, protocol);
  lastRaw = raw;
  lastProtocol = protocol;
  lastHost = host;
  return host;
}

function cachedHost(raw: string, protocol: 'http' | 'https'): string {
  const cache = protocol === 'https' ? httpsHosts : httpHosts;
  let host = cache.get(raw);
  if (host !== undefined) return host;
  host = '';
  if (raw.length > 0 && raw.length <= FIELD_LIMITS.host) {
    try {
      const url = new URL(`${protocol}://${raw}/`);
      // Anything that moved into another part of the URL (`a@b`, `a/b`, `a?b`, `a#b`) is not a host.
      if (url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '') {
        host = url.host;
      }
    } catch {
      // invalid: stays ''
    }
  }
  if (cache.size >= HOST_CACHE_SIZE) cache.clear();
  cache.set(raw, host);
  return host;
}

// 1 for the ASCII characters that are percent-encoded in a path or query: controls, space, and
// the ones the URL standard or Go's url.Parse (the API's) treat specially or reject.
const ENCODE = new Uint8Array(128);
for (let c = 0; c <= 0x20; c++) ENCODE[c] = 1;
ENCODE[0x7f] = 1;
for (const c of '"<>\\^`{|}') ENCODE[c.charCodeAt(0)] = 1;

const HEX = '0123456789ABCDEF';

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Path and query of a request target, safe to append to `protocol://host`: starts with `/`, has
 * no fragment, and every character outside the URL's safe set is percent-encoded. Existing valid
 * escapes are kept as they are (never decoded); a `%` without two hex digits becomes `%25`.
 * Characters U+0080..U+00FF are taken as the bytes Node read (latin1), so they become `%XX` of
 * that byte; characters above are encoded as UTF-8.
 */
function normalizePath(target: string): string {
  let path = target;
  if (path.charCodeAt(0) !== 47 /* / */) path = originFormOf(path);
  const length = path.length;
  let i = 0;
  for (; i < length; i++) {
    const c = path.charCodeAt(i);
    if (c < 128) {
      if (ENCODE[c] === 1 || c === 35 /* # */) break;
      if (c === 37 /* % */ && !(isHex(path.charCodeAt(i + 1)) && isHex(path.charCodeAt(i + 2)))) break;
    } else {
      break;
    }
  }
  if (i === length) return path;
  return encodeFrom(path, i);
}

/** Slow path of `normalizePath`: everything before `start` is already fine. */
function encodeFrom(path: string, start: number): string {
  let out = path.slice(0, start);
  const length = path.length;
  for (let i = start; i < length; i++) {
    const c = path.charCodeAt(i);
    if (c === 35 /* # */) break; // the fragment is not part of what the server was asked for
    if (c < 128) {
      if (ENCODE[c] === 1) out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
      else if (c === 37 && !(isHex(path.charCodeAt(i + 1)) && isHex(path.charCodeAt(i + 2)))) out += '%25';
      else out += path[i];
    } else if (c < 0x100) {
      out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
    } else {
      let code = c;
      if (c >= 0xd800 && c <= 0xdbff) {
        const next = path.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          code = 0xfffd;
        }
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        code = 0xfffd;
      }
      out += utf8Escaped(code);
    }
  }
  return out;
}

function utf8Escaped(code: number): string {
  const byte = (b: number) => `%${HEX[b >> 4]}${HEX[b & 15]}`;
  if (code < 0x800) return byte(0xc0 | (code >> 6)) + byte(0x80 | (code & 63));
  if (code < 0x10000) return byte(0xe0 | (code >> 12)) + byte(0x80 | ((code >> 6) & 63)) + byte(0x80 | (code & 63));
  return (
    byte(0xf0 | (code >> 18)) + byte(0x80 | ((code >> 12) & 63)) + byte(0x80 | ((code >> 6) & 63)) + byte(0x80 | (code & 63))
  );
}

/** `http://x.com/a?b` (absolute form) gives `/a?b`; `*` and other odd targets give a path starting with `/`. */
function originFormOf(target: string): string {
  const schemeEnd = target.indexOf('://');
  if (schemeEnd > 0 && schemeEnd <= 8) {
    for (let i = schemeEnd + 3; i < target.length; i++) {
      const c = target.charCodeAt(i);
      if (c === 47 /* / */) return target.slice(i);
      if (c === 63 /* ? */ || c === 35 /* # */) return `/${target.slice(i)}`;
    }
    return '/';
  }
  if (target === '' || target === '*') return '/';
  return `/${target}`;
}

/** Cuts a URL to its limit without leaving half a `%XX` escape (the path holds only valid escapes). */
function capUrl(url: string): string {
  if (url.length <= FIELD_LIMITS.url) return url;
  let cut = url.slice(0, FIELD_LIMITS.url);
  const end = cut.length;
  if (cut.charCodeAt(end - 1) === 37) cut = cut.slice(0, end - 1);
  else if (cut.charCodeAt(end - 2) === 37) cut = cut.slice(0, end - 2);
  return cut;
}

/** The first non-empty of `ref`, `referer`, `referrer`, `source`, `utm_source` (in that preference). */
function referrerFromQuery(path: string): string | undefined {
  const query = path.indexOf('?');
  if (query === -1) return undefined;
  let best: string | undefined;
  let bestRank: number = REFERRER_PARAMS.length;
  let start = query + 1;
  while (start < path.length) {
    let end = path.indexOf('&', start);
    if (end === -1) end = path.length;
    const equals = path.indexOf('=', start);
    if (equals !== -1 && equals < end) {
      const rank = (REFERRER_PARAMS as readonly string[]).indexOf(path.slice(start, equals));
      if (rank !== -1 && rank < bestRank && equals + 1 < end) {
        const value = decodeQueryValue(path.slice(equals + 1, end));
        if (value !== '') {
          best = value;
          bestRank = rank;
          if (rank === 0) break;
        }
      }
    }
    start = end + 1;
  }
  return best;
}

function decodeQueryValue(value: string): string {
  const spaced = value.includes('+') ? value.replaceAll('+', ' ') : value;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced; // escapes that are not UTF-8: keep them as sent
  }
}
