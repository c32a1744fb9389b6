import { PirschConfigError } from './errors.js';
import type { PirschError } from './errors.js';
import type { PirschClientOptions, PirschLogger } from './types.js';

/** The credentials a client authenticates with. */
export type ClientAuth = { kind: 'accessKey'; accessKey: string } | { kind: 'client'; clientId: string; clientSecret: string };

/** The client options after validation, with every default filled in. */
export interface ResolvedClientOptions {
  /** False: nothing is sent, and no credentials are needed (see `PirschClientOptions.enabled`). */
  enabled: boolean;
  baseUrl: URL;
  /** Undefined only when `enabled` is false and no credentials were given. */
  auth: ClientAuth | undefined;
  timeoutMs: number;
  batchSize: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  concurrency: number;
  maxQueueSize: number;
  maxRetries: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
  onError: ((error: PirschError) => void) | undefined;
  logger: PirschLogger | undefined;
  debug: boolean;
}

/**
 * Internal (not in the package's entry): on a client created by `createClient`, whether it sends
 * (false for `enabled: false`), so a tracker given that client can tell.
 */
export const CLIENT_ENABLED: unique symbol = Symbol('pirsch.enabled');

/** Defaults of the client options. */
export const CLIENT_DEFAULTS = Object.freeze({
  baseUrl: 'https://api.pirsch.io',
  timeoutMs: 5000,
  batchSize: 500,
  maxBatchBytes: 262_144,
  flushIntervalMs: 1000,
  concurrency: 4,
  maxQueueSize: 10_000,
  maxRetries: 5,
  minRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
});

/** The names `createClient` accepts. */
export const CLIENT_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  'enabled', 'baseUrl', 'accessKey', 'clientId', 'clientSecret', 'allowHttp', 'timeoutMs', 'batchSize', 'maxBatchBytes',
  'flushIntervalMs', 'concurrency', 'maxQueueSize', 'maxRetries', 'minRetryDelayMs', 'maxRetryDelayMs', 'onError', 'logger', 'debug',
]);

/**
 * The names an adapter (and `createTracker`) accepts besides the client options. `enabled` is
 * both: it switches off the middleware and the client it creates.
 */
export const TRACKING_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  'enabled', 'respectDnt', 'methods', 'exclude', 'filter', 'title', 'tags', 'hostname', 'protocol', 'disableBotFilter', 'shutdownTimeoutMs',
  'bots', 'clientHints', 'stripQuery', 'beforeSend',
]);

/** Edit distance (insertions, deletions, substitutions), case-insensitive; stops counting past `limit`. */
function distance(a: string, b: string, limit: number): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length] ?? limit + 1;
}

/** The known name closest to a misspelt one (`excludes` -> `exclude`, `acessKey` -> `accessKey`), if one is close. */
export function nearestOptionName(name: string, known: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 4));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const d = distance(name, candidate, limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The error for an option nobody knows: the nearest known name when there is one, and every
 * option the caller could have meant (`tracking`: the call also takes tracking options).
 */
export function unknownOptionError(name: string, where: 'client' | 'adapter'): PirschConfigError {
  const known = where === 'adapter' ? [...TRACKING_OPTION_NAMES, ...CLIENT_OPTION_NAMES, 'client'] : [...CLIENT_OPTION_NAMES];
  const shown = name.slice(0, 100);
  if (where === 'client' && TRACKING_OPTION_NAMES.has(name)) {
    return new PirschConfigError(name, `is a tracking option: give it to the framework adapter (or createTracker), not to createClient (client options: ${[...CLIENT_OPTION_NAMES].join(', ')})`);
  }
  const nearest = nearestOptionName(shown, known);
  const hint = nearest === undefined ? '' : `did you mean "${nearest}"? `;
  const lists = where === 'adapter'
    ? `tracking options: ${[...TRACKING_OPTION_NAMES].join(', ')}; client options: ${[...CLIENT_OPTION_NAMES].filter((option) => !TRACKING_OPTION_NAMES.has(option)).join(', ')}; or a ready \`client\``
    : `client options: ${[...CLIENT_OPTION_NAMES].join(', ')}`;
  return new PirschConfigError(shown, `is not an option; ${hint}(${lists})`);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** What a missing or empty credential's error adds: the switch for running without one. */
const WITHOUT_A_KEY =
  'For local development and tests without a key, pass enabled: false (e.g. enabled: Boolean(process.env.PIRSCH_ACCESS_KEY)): nothing is sent, and the middleware and helpers stay in place';

/**
 * A credential: a non-empty string, or undefined. With `enabled: false` an empty one (an unset
 * variable in a `.env` file) counts as none; a value of another type is a mistake either way.
 */
function credential(value: unknown, option: string, enabled: boolean): string | undefined {
  if (value === undefined) return undefined;
  // Never echo the value: it may be a secret.
  if (typeof value !== 'string') throw new PirschConfigError(option, `must be a string, got ${typeof value}`);
  if (value.trim() === '') {
    if (!enabled) return undefined;
    throw new PirschConfigError(option, `must not be empty. ${WITHOUT_A_KEY}`);
  }
  return value;
}

function integer(value: unknown, option: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new PirschConfigError(option, `must be an integer ${range}, got ${typeof value === 'number' ? value : typeof value}`);
  }
  return value;
}

/**
 * Validates client options and fills in the defaults. Throws a `PirschConfigError` naming the
 * first invalid option; the message never contains a secret's value.
 */
export function resolveClientOptions(options: PirschClientOptions): ResolvedClientOptions {
  if (options === null || typeof options !== 'object') {
    throw new PirschConfigError('options', 'createClient needs an options object, e.g. { accessKey } or { clientId, clientSecret }');
  }
  for (const key of Object.keys(options)) {
    if (!CLIENT_OPTION_NAMES.has(key) && key !== 'client') throw unknownOptionError(key, 'client');
  }

  const enabled = options.enabled ?? true;
  if (typeof enabled !== 'boolean') {
    // The usual slip is a string from the environment: "false" would be true.
    throw new PirschConfigError('enabled', `must be true or false, got ${typeof enabled}, e.g. enabled: Boolean(process.env.PIRSCH_ACCESS_KEY)`);
  }
  const accessKey = credential(options.accessKey, 'accessKey', enabled);
  const clientId = credential(options.clientId, 'clientId', enabled);
  const clientSecret = credential(options.clientSecret, 'clientSecret', enabled);
  let auth: ResolvedClientOptions['auth'];
  if (accessKey !== undefined && (clientId !== undefined || clientSecret !== undefined)) {
    throw new PirschConfigError('accessKey', 'give either accessKey or clientId and clientSecret, not both');
  }
  if (!enabled) {
    // Nothing is sent, so nothing needs credentials: none, or a part of a client's (as an
    // environment without them gives), is fine. Both kinds at once was still a mistake, above.
    auth = undefined;
  } else if (accessKey !== undefined) {
    auth = { kind: 'accessKey', accessKey };
  } else if (clientId !== undefined && clientSecret !== undefined) {
    auth = { kind: 'client', clientId, clientSecret };
  } else if (clientId !== undefined) {
    throw new PirschConfigError('clientSecret', 'is missing: clientId needs clientSecret');
  } else if (clientSecret !== undefined) {
    throw new PirschConfigError('clientId', 'is missing: clientSecret needs clientId');
  } else {
    throw new PirschConfigError('accessKey', `is missing: give an accessKey (pa_...) or clientId and clientSecret. ${WITHOUT_A_KEY}`);
  }

  const rawBase = options.baseUrl ?? CLIENT_DEFAULTS.baseUrl;
  if (typeof rawBase !== 'string') throw new PirschConfigError('baseUrl', `must be a string, got ${typeof rawBase}`);
  let baseUrl: URL;
  try {
    baseUrl = new URL(rawBase);
  } catch {
    throw new PirschConfigError('baseUrl', `is not a valid URL: "${rawBase.slice(0, 200)}"`);
  }
  if (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:') {
    throw new PirschConfigError('baseUrl', `must be an https: URL, got ${baseUrl.protocol}`);
  }
  if (options.allowHttp !== undefined && typeof options.allowHttp !== 'boolean') throw new PirschConfigError('allowHttp', 'must be a boolean');
  if (baseUrl.protocol === 'http:' && !isLoopbackHost(baseUrl.hostname) && options.allowHttp !== true) {
    throw new PirschConfigError(
      'baseUrl',
      `must use https: for a non-loopback host (${baseUrl.hostname}); http: would send credentials in clear text. ` +
        'For the emulator in a container or a CI service (http://pirsch-emulator:8765), also pass allowHttp: true',
    );
  }
  if (baseUrl.username || baseUrl.password) throw new PirschConfigError('baseUrl', 'must not contain credentials');
  if (baseUrl.search || baseUrl.hash) throw new PirschConfigError('baseUrl', 'must not have a query string or fragment');
  // The base is the origin (plus the path of a reverse proxy in front of the API, if any); every
  // call adds `/api/v1/...`. A base that already ends in `/api/v1` (copied from the API document)
  // would post to `/api/v1/api/v1/hit/batch`: that part is the API's, not the base's.
  baseUrl.pathname = baseUrl.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/i, '');

  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') throw new PirschConfigError('onError', 'must be a function');
  const logger = options.logger;
  if (logger !== undefined && (logger === null || typeof logger !== 'object')) {
    throw new PirschConfigError('logger', 'must be an object with debug/info/warn/error methods, e.g. console or a pino logger');
  }
  if (options.debug !== undefined && typeof options.debug !== 'boolean') throw new PirschConfigError('debug', 'must be a boolean');

  const minRetryDelayMs = integer(options.minRetryDelayMs, 'minRetryDelayMs', CLIENT_DEFAULTS.minRetryDelayMs, 0, 600_000);
  const maxRetryDelayMs = integer(options.maxRetryDelayMs, 'maxRetryDelayMs', CLIENT_DEFAULTS.maxRetryDelayMs, minRetryDelayMs, 600_000);
  return {
    enabled,
    baseUrl,
    auth,
    timeoutMs: integer(options.timeoutMs, 'timeoutMs', CLIENT_DEFAULTS.timeoutMs, 1, 600_000),
    batchSize: integer(options.batchSize, 'batchSize', CLIENT_DEFAULTS.batchSize, 1, 10_000),
    maxBatchBytes: integer(options.maxBatchBytes, 'maxBatchBytes', CLIENT_DEFAULTS.maxBatchBytes, 1024, 16 * 1024 * 1024),
    flushIntervalMs: integer(options.flushIntervalMs, 'flushIntervalMs', CLIENT_DEFAULTS.flushIntervalMs, 0, 3_600_000),
    concurrency: integer(options.concurrency, 'concurrency', CLIENT_DEFAULTS.concurrency, 1, 256),
    maxQueueSize: integer(options.maxQueueSize, 'maxQueueSize', CLIENT_DEFAULTS.maxQueueSize, 1),
    maxRetries: integer(options.maxRetries, 'maxRetries', CLIENT_DEFAULTS.maxRetries, 0, 100),
    minRetryDelayMs,
    maxRetryDelayMs,
    onError,
    logger: logger ?? (options.debug ? console : undefined),
    debug: options.debug ?? false,
  };
}
