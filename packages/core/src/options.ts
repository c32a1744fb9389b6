import { PirschConfigError } from './errors.js';
import type { PirschError } from './errors.js';
import type { PirschClientOptions, PirschLogger } from './types.js';

/** The client options after validation, with every default filled in. */
export interface ResolvedClientOptions {
  baseUrl: URL;
  auth: { kind: 'accessKey'; accessKey: string } | { kind: 'client'; clientId: string; clientSecret: string };
  timeoutMs: number;
  batchSize: number;
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

/** Defaults of the client options. */
export const CLIENT_DEFAULTS = Object.freeze({
  baseUrl: 'https://api.pirsch.io',
  timeoutMs: 5000,
  batchSize: 50,
  flushIntervalMs: 1000,
  concurrency: 4,
  maxQueueSize: 10_000,
  maxRetries: 5,
  minRetryDelayMs: 500,
  maxRetryDelayMs: 30_000,
});

/** The names `createClient` accepts. */
export const CLIENT_OPTION_NAMES: ReadonlySet<string> = new Set<string>([
  'baseUrl', 'accessKey', 'clientId', 'clientSecret', 'timeoutMs', 'batchSize', 'flushIntervalMs',
  'concurrency', 'maxQueueSize', 'maxRetries', 'minRetryDelayMs', 'maxRetryDelayMs', 'onError', 'logger', 'debug',
]);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function nonEmptyString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  // Never echo the value: it may be a secret.
  if (typeof value !== 'string') throw new PirschConfigError(option, `must be a string, got ${typeof value}`);
  if (value.trim() === '') throw new PirschConfigError(option, 'must not be empty');
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
    if (!CLIENT_OPTION_NAMES.has(key) && key !== 'client') {
      throw new PirschConfigError(key, `is not a client option (known: ${[...CLIENT_OPTION_NAMES].join(', ')})`);
    }
  }

  const accessKey = nonEmptyString(options.accessKey, 'accessKey');
  const clientId = nonEmptyString(options.clientId, 'clientId');
  const clientSecret = nonEmptyString(options.clientSecret, 'clientSecret');
  let auth: ResolvedClientOptions['auth'];
  if (accessKey !== undefined) {
    if (clientId !== undefined || clientSecret !== undefined) {
      throw new PirschConfigError('accessKey', 'give either accessKey or clientId and clientSecret, not both');
    }
    auth = { kind: 'accessKey', accessKey };
  } else if (clientId !== undefined && clientSecret !== undefined) {
    auth = { kind: 'client', clientId, clientSecret };
  } else if (clientId !== undefined) {
    throw new PirschConfigError('clientSecret', 'is missing: clientId needs clientSecret');
  } else if (clientSecret !== undefined) {
    throw new PirschConfigError('clientId', 'is missing: clientSecret needs clientId');
  } else {
    throw new PirschConfigError('accessKey', 'is missing: give an accessKey (pa_...) or clientId and clientSecret');
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
  if (baseUrl.protocol === 'http:' && !isLoopbackHost(baseUrl.hostname)) {
    throw new PirschConfigError('baseUrl', `must use https: for a non-loopback host (${baseUrl.hostname}); http: would send credentials in clear text`);
  }
  if (baseUrl.username || baseUrl.password) throw new PirschConfigError('baseUrl', 'must not contain credentials');
  if (baseUrl.search || baseUrl.hash) throw new PirschConfigError('baseUrl', 'must not have a query string or fragment');
  baseUrl.pathname = baseUrl.pathname.replace(/\/+$/, '');

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
    baseUrl,
    auth,
    timeoutMs: integer(options.timeoutMs, 'timeoutMs', CLIENT_DEFAULTS.timeoutMs, 1, 600_000),
    batchSize: integer(options.batchSize, 'batchSize', CLIENT_DEFAULTS.batchSize, 1, 1000),
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
