import type { PirschError } from './errors.js';

/**
 * A page hit as the API document asks for it. `url`, `ip` and `user_agent` are required by the
 * API; everything else is optional. Header fields hold the raw header values.
 */
export interface Hit {
  url: string;
  ip: string;
  user_agent: string;
  cf_connecting_ip?: string;
  x_forwarded_for?: string;
  forwarded?: string;
  x_real_ip?: string;
  dnt?: string;
  accept_language?: string;
  title?: string;
  referrer?: string;
  screen_width?: number;
  screen_height?: number;
  sec_ch_ua?: string;
  sec_ch_ua_mobile?: string;
  sec_ch_ua_platform?: string;
  sec_ch_ua_platform_version?: string;
  sec_ch_width?: string;
  sec_ch_viewport_width?: string;
  /** Custom tags: at most 20, keys and values up to 50 characters. */
  tags?: Record<string, string>;
  disable_bot_filter?: boolean;
}

/** What the session keep-alive endpoint takes: the visitor's IP and user agent (plus the raw IP headers). */
export type SessionData = Pick<Hit, 'ip' | 'user_agent'> &
  Partial<Pick<Hit, 'cf_connecting_ip' | 'x_forwarded_for' | 'forwarded' | 'x_real_ip' | 'dnt' | 'url'>>;

/** Event metadata: a flat object of scalars (at most 20 pairs). */
export type EventMeta = Record<string, string | number | boolean>;

/** Options of an event. */
export interface EventOptions {
  /** How long the event took, in seconds. */
  duration?: number;
  meta?: EventMeta;
  /** True for events that should not count as an interaction (do not end a bounce). */
  nonInteractive?: boolean;
}

/** The body of a single `POST /api/v1/event`. */
export interface EventPayload extends Hit {
  event_name: string;
  event_duration?: number;
  event_meta?: Record<string, string>;
  non_interactive?: boolean;
}

/** Where log lines go. `console` fits, and so does a pino or winston logger. */
export interface PirschLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
  error?(message: string): void;
}

/** Options of `createClient`. */
export interface PirschClientOptions {
  /**
   * `false` for local development and tests without a key: no credentials are needed (none, or
   * an empty one, is fine; a given one of the wrong type is still an error, as is any other bad
   * option), nothing is sent and no request is made, no timer or exit hook is set, and the client
   * says so once through `logger` (`info`, else `console.info`). `hit`, `event` and `session`
   * still check their items (an invalid one is dropped and reported as usual) and count the
   * others in `metrics.disabled`; `flush` and `close` resolve at once; statistics and management
   * calls reject with a `PirschConfigError` naming `enabled`. Usually
   * `enabled: Boolean(process.env.PIRSCH_ACCESS_KEY)`. Default true.
   */
  enabled?: boolean;
  /**
   * The API's origin. Default `https://api.pirsch.io`. A trailing `/api/v1` is ignored (every call
   * adds it); another path is kept as the prefix of a reverse proxy. `http:` is only accepted for
   * loopback hosts, unless `allowHttp` is set.
   */
  baseUrl?: string;
  /**
   * Accept an `http:` `baseUrl` on a host that is not loopback, e.g. the emulator as a
   * docker-compose or CI service (`http://pirsch-emulator:8765`). Credentials then cross the
   * network in clear text: never for the real API. Default false.
   */
  allowHttp?: boolean;
  /** An access key (`pa_...`): write-only, used directly as the bearer token. */
  accessKey?: string;
  /** OAuth client ID; needs `clientSecret`. */
  clientId?: string;
  /** OAuth client secret; never logged or put into an error. */
  clientSecret?: string;
  /** Timeout for response headers and for the body of every request, in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Items per batch request at most (1..10000). Default 500. Batches grow with the traffic: one
   * goes when it holds `batchSize` items or `maxBatchBytes`, or `flushIntervalMs` after its first
   * item, whichever comes first; so a quiet site sends what it has every second and a busy one
   * shares each request's cost among hundreds of hits. `1` sends each item to the single endpoints.
   */
  batchSize?: number;
  /**
   * Bytes of one batch request's body at most (its JSON, UTF-8; 1024..16 MiB). Default 262144
   * (256 KiB, about 500 page views). A batch is cut before it would pass this size; one item
   * larger than it on its own is sent alone.
   */
  maxBatchBytes?: number;
  /** How long an incomplete batch waits before it is sent, in ms. Default 1000. */
  flushIntervalMs?: number;
  /** Concurrent requests to the API. Default 4. */
  concurrency?: number;
  /** Items the client holds at most (waiting, in flight and waiting to retry). Default 10000. */
  maxQueueSize?: number;
  /** Retries of a failed request before its items are given up. Default 5. */
  maxRetries?: number;
  /** First retry delay in ms; it doubles per attempt, with jitter. Default 500. */
  minRetryDelayMs?: number;
  /** Longest backoff between retries in ms. Default 30000. A longer `Retry-After` from the API is still honoured, up to 5 minutes. */
  maxRetryDelayMs?: number;
  /** Hears about every failure and every drop (never thrown). */
  onError?: (error: PirschError) => void;
  /** Receives warnings, and with `debug` a line per delivery. */
  logger?: PirschLogger;
  /** Log each delivery through `logger` (default console). */
  debug?: boolean;
}

/** Counters of a client, live. */
export interface ClientMetrics {
  /** Items waiting to be sent (not yet in a request). */
  queued: number;
  /** Items in requests that have not finished. */
  inFlight: number;
  /** Items delivered. */
  sent: number;
  /** Items given up after their request failed for good. */
  failed: number;
  /** Items dropped undelivered: queue full, invalid (found before sending, or refused by the API on its own), or the client was closed. */
  dropped: number;
  /** Retried requests. */
  retried: number;
  /**
   * Items counted instead of sent because the client is disabled (`enabled: false`): every hit,
   * event and session that would have been queued. Always 0 for an enabled client.
   */
  disabled: number;
}

/** One request of the read/management API, as the API client builds it. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, e.g. `/api/v1/statistics/total`. */
  path: string;
  /** An array is sent as the parameter repeated, once per value (`?path=/a&path=/b`). */
  query?: Record<string, string | number | boolean | readonly (string | number | boolean)[] | undefined>;
  body?: unknown;
  /** Resolve with the answer's bytes (a `Uint8Array`) instead of parsed JSON. */
  binary?: boolean;
  /** True when the request may safely be repeated (GET, and PUT/DELETE by id): retried on network errors, 429 and 5xx. */
  idempotent: boolean;
  /** Name of the call for errors, e.g. `statistics.total`. */
  call: string;
}

/** Sends one API request with auth, timeouts and retries; resolves with the parsed JSON (undefined for an empty body). */
export type ApiRequester = <T>(request: ApiRequest) => Promise<T>;

/** The delivery half of the client: never throws, never blocks. */
export interface PirschDelivery {
  /** Enqueue a page hit. Returns at once; never throws. */
  hit(hit: Hit): void;
  /** Enqueue an event that happened on the page of `hit`. Returns at once; never throws. */
  event(name: string, hit: Hit, options?: EventOptions): void;
  /** Enqueue a session keep-alive. Returns at once; never throws. */
  session(data: SessionData): void;
  /**
   * Resolves `true` when everything queued before the call was delivered; `false` otherwise or
   * after `timeoutMs` (default 10 s). Running out of time aborts nothing: delivery goes on.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /**
   * Flushes for up to `timeoutMs` (default 10 s), then stops: what is left is dropped, requests in
   * flight are aborted, API calls waiting to retry reject (`PirschNetworkError`, code
   * `CLIENT_CLOSED`) and connections are closed, so it resolves at most `timeoutMs` after the call.
   * Later calls are ignored and counted as dropped, never thrown.
   */
  close(timeoutMs?: number): Promise<boolean>;
  /** Live counters. */
  readonly metrics: Readonly<ClientMetrics>;
  /** True after `close()` was called. */
  readonly closed: boolean;
}
