import type { ServerResponse } from 'node:http';

const PIRSCH_ORIGIN = '"https://api.pirsch.io"';
const HINTS = [
  ['Sec-CH-UA', 'ch-ua'],
  ['Sec-CH-UA-Mobile', 'ch-ua-mobile'],
  ['Sec-CH-UA-Platform', 'ch-ua-platform'],
  ['Sec-CH-UA-Platform-Version', 'ch-ua-platform-version'],
  ['Sec-CH-Width', 'ch-width'],
  ['Sec-CH-Viewport-Width', 'ch-viewport-width'],
  ['Width', 'width'],
  ['Viewport-Width', 'viewport-width'],
] as const;

/**
 * The response headers that ask a browser for the client hints Pirsch reads (the high-entropy
 * ones, such as the platform version that tells Windows 11 from 10, are only sent when asked
 * for), exactly as Pirsch's documentation gives them: `Accept-CH` names the hints,
 * `Permissions-Policy` lets the page (`self`) and Pirsch's API receive them.
 */
export const CLIENT_HINT_HEADERS: Readonly<{ 'Accept-CH': string; 'Permissions-Policy': string }> = Object.freeze({
  'Accept-CH': HINTS.map(([hint]) => hint).join(', '),
  'Permissions-Policy': HINTS.map(([, feature]) => `${feature}=(self ${PIRSCH_ORIGIN})`).join(', '),
});

const ACCEPT_CH = 'accept-ch';
const PERMISSIONS_POLICY = 'permissions-policy';
const WRAPPED = Symbol('pirsch.clientHints');

type HeaderValue = number | string | readonly string[];

/**
 * `Accept-CH` with every hint Pirsch reads: the app's value with the missing hints appended
 * (case-insensitively), or ours when the app set none.
 *
 * @example
 * mergeAcceptCh('Sec-CH-UA, DPR'); // 'Sec-CH-UA, DPR, Sec-CH-UA-Mobile, ...'
 */
export function mergeAcceptCh(existing: HeaderValue | undefined): string {
  const value = headerText(existing);
  if (value === '') return CLIENT_HINT_HEADERS['Accept-CH'];
  const present = new Set(value.split(',').map((token) => token.trim().toLowerCase()));
  const missing = HINTS.filter(([hint]) => !present.has(hint.toLowerCase())).map(([hint]) => hint);
  return missing.length === 0 ? value : `${value}, ${missing.join(', ')}`;
}

/**
 * `Permissions-Policy` with Pirsch's client-hint directives added to the app's: a feature the
 * app already has a directive for keeps the app's (even `ch-ua=()`, which forbids it), the
 * others are appended. Without an app value, Pirsch's directives alone.
 *
 * @example
 * mergePermissionsPolicy('camera=()'); // 'camera=(), ch-ua=(self "https://api.pirsch.io"), ...'
 */
export function mergePermissionsPolicy(existing: HeaderValue | undefined): string {
  const value = headerText(existing);
  if (value === '') return CLIENT_HINT_HEADERS['Permissions-Policy'];
  const present = policyFeatures(value);
  const missing = HINTS.filter(([, feature]) => !present.has(feature)).map(([, feature]) => `${feature}=(self ${PIRSCH_ORIGIN})`);
  return missing.length === 0 ? value : `${value}, ${missing.join(', ')}`;
}

/**
 * Asks the browser for client hints on this response: sets `Accept-CH` and `Permissions-Policy`
 * now, merged with what the app set so far, and again when the headers are written, merged with
 * what the app set by then (`res.setHeader` in a handler, or the headers given to `writeHead`, as
 * Fastify does). The app's own directives are never overwritten. Browsers send the hints from
 * the next request on (on HTTPS, and on `localhost`). Does nothing once headers were sent, or a
 * second time for the same response. Never throws.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   requestClientHints(res);
 *   res.end('hello');
 * });
 * ```
 */
export function requestClientHints(res: ServerResponse): void {
  try {
    const marked = res as ServerResponse & { [WRAPPED]?: true };
    if (res.headersSent || marked[WRAPPED] === true) return;
    mergeIntoResponse(res);
    // Wrapping writeHead (as the on-headers package behind compression and response-time does)
    // is the one place every framework goes through: `end()` and `write()` call it implicitly,
    // Fastify calls it with its reply headers, and Koa's error handler, which removes every
    // header set before, runs before it.
    const writeHead = res.writeHead;
    marked[WRAPPED] = true;
    res.writeHead = function writeHeadWithClientHints(this: ServerResponse, ...args: unknown[]) {
      try {
        if (!this.headersSent) {
          mergeIntoResponse(this);
          mergeIntoArguments(args);
        }
      } catch {
        // the headers go out as the app set them
      }
      return (writeHead as (...args: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
  } catch {
    // never into the app
  }
}

function mergeIntoResponse(res: ServerResponse): void {
  res.setHeader('Accept-CH', mergeAcceptCh(res.getHeader(ACCEPT_CH)));
  res.setHeader('Permissions-Policy', mergePermissionsPolicy(res.getHeader(PERMISSIONS_POLICY)));
}

/**
 * `writeHead(status, [message,] headers)`: headers given here replace those set with
 * `setHeader`, so ours are merged into them. The caller's object or array is copied, not changed.
 */
function mergeIntoArguments(args: unknown[]): void {
  const index = typeof args[1] === 'string' ? 2 : 1;
  const headers = args[index];
  if (headers === null || typeof headers !== 'object') return;
  if (Array.isArray(headers)) {
    args[index] = mergeIntoArray(headers as unknown[]);
    return;
  }
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower !== ACCEPT_CH && lower !== PERMISSIONS_POLICY) continue;
    copy ??= { ...(headers as Record<string, unknown>) };
    copy[name] = merge(lower, copy[name]);
  }
  if (copy !== undefined) args[index] = copy;
}

/** Flat `[name, value, name, value]` or `[[name, value], ...]`, as Node's `writeHead` accepts. */
function mergeIntoArray(headers: unknown[]): unknown[] {
  if (Array.isArray(headers[0])) {
    return headers.map((pair) => {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') return pair;
      const lower = pair[0].toLowerCase();
      return lower === ACCEPT_CH || lower === PERMISSIONS_POLICY ? [pair[0], merge(lower, pair[1])] : pair;
    });
  }
  const copy = [...headers];
  for (let i = 0; i + 1 < copy.length; i += 2) {
    const name = copy[i];
    if (typeof name !== 'string') continue;
    const lower = name.toLowerCase();
    if (lower === ACCEPT_CH || lower === PERMISSIONS_POLICY) copy[i + 1] = merge(lower, copy[i + 1]);
  }
  return copy;
}

function merge(lowerName: string, value: unknown): string {
  const existing = typeof value === 'string' || typeof value === 'number' || Array.isArray(value) ? (value as HeaderValue) : undefined;
  return lowerName === ACCEPT_CH ? mergeAcceptCh(existing) : mergePermissionsPolicy(existing);
}

/** A header as one line: a repeated header is one comma-separated list (RFC 9110, 5.3). */
function headerText(value: HeaderValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.trim();
  return value
    .map((part) => String(part).trim())
    .filter((part) => part !== '')
    .join(', ');
}

/**
 * The feature names of a `Permissions-Policy` (a structured-field dictionary): each top-level
 * member's key, lowercased. Commas inside parentheses or quoted strings do not separate members.
 */
function policyFeatures(policy: string): Set<string> {
  const features = new Set<string>();
  let depth = 0;
  let quoted = false;
  let start = 0;
  const add = (end: number) => {
    const member = policy.slice(start, end);
    const equals = member.indexOf('=');
    const semicolon = member.indexOf(';');
    const keyEnd = equals === -1 ? (semicolon === -1 ? member.length : semicolon) : semicolon === -1 ? equals : Math.min(equals, semicolon);
    const key = member.slice(0, keyEnd).trim().toLowerCase();
    if (key !== '') features.add(key);
  };
  for (let i = 0; i < policy.length; i++) {
    const c = policy.charCodeAt(i);
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) quoted = false;
    } else if (c === 34) {
      quoted = true;
    } else if (c === 40 /* ( */) {
      depth++;
    } else if (c === 41 /* ) */) {
      depth = Math.max(0, depth - 1);
    } else if (c === 44 /* , */ && depth === 0) {
      add(i);
      start = i + 1;
    }
  }
  add(policy.length);
  return features;
}
