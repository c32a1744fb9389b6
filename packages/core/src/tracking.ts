import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBotUserAgent } from './bots.js';
import { requestClientHints } from './client-hints.js';
import { ENQUEUE_OWNED_HIT, type OwnedHitSink, type PirschClient } from './client-core.js';
import { PirschConfigError, PirschError } from './errors.js';
import { hitFromRequest, tagsWithinLimits } from './extract.js';
import { CLIENT_ENABLED, CLIENT_OPTION_NAMES, TRACKING_OPTION_NAMES, unknownOptionError } from './options.js';
import type { HitOptions } from './extract.js';
import { SKIP_REASONS, resolveTrackingOptions, skipReason } from './filter.js';
import type { SkipReason } from './filter.js';
import type { EventOptions, Hit, PirschClientOptions, PirschDelivery, SessionData } from './types.js';

/** What every framework adapter accepts besides the client: which responses count, and how they look. */
export interface TrackingOptions<Req = IncomingMessage, Res = ServerResponse> {
  /**
   * `false` for local development and tests without a key: the middleware, `req.pirsch` and the
   * types stay in place, every decision is made and counted as usual (`tracked`, `skipped`), and
   * nothing is sent: the client the adapter creates is disabled (see `PirschClientOptions.enabled`:
   * no credentials needed, no request, no timer, one line through `logger`; hits, events and
   * sessions counted in `client.metrics.disabled`) and shutdown resolves at once. Usually
   * `enabled: Boolean(process.env.PIRSCH_ACCESS_KEY)`. With a ready `client`, disable that client
   * instead (`createClient({ enabled: false })`). Default true.
   */
  enabled?: boolean;
  /** Skip requests that send `DNT: 1`, and their helper events. Default true. */
  respectDnt?: boolean;
  /** Methods whose responses are tracked. Default `['GET']`. */
  methods?: readonly string[];
  /**
   * Paths not to track. A string is a path prefix matching itself and everything below it
   * (`'/admin'` matches `/admin` and `/admin/users`, not `/administrator`); a RegExp is tested
   * against the pathname (no query string). Strings match in any ASCII case, as Express's and
   * Koa's routers do (`'/admin'` also matches `/Admin`; where a router matches by case, such a
   * request is a 404 and not tracked anyway), and also percent-encoded as a request sends them
   * (`'/über'` matches `/%C3%BCber`). A RegExp matches as written: add the `i` flag for any case.
   */
  exclude?: ReadonlyArray<string | RegExp>;
  /** Decides last: return false (any falsy value) to skip a response the other rules would track. A throw counts as false. */
  filter?: (req: Req, res: Res) => boolean;
  /** The page title for a request. A throw counts as no title. */
  title?: (req: Req) => string | undefined;
  /**
   * Custom tags for a request (at most 20 kept). A throw, also from a getter of the object it
   * returns, counts as no tags: the page view is sent without them.
   */
  tags?: (req: Req) => Record<string, string> | undefined;
  /** Host (optionally `:port`) for the tracked URL instead of the `Host` header. */
  hostname?: string;
  /** Protocol for the tracked URL instead of the socket's. */
  protocol?: 'http' | 'https';
  /** Ask Pirsch not to drop these hits as bots (its own filter, on the API side; see `bots` for ours). */
  disableBotFilter?: boolean;
  /**
   * Requests from bots, crawlers, uptime checkers, link previewers, headless browsers and HTTP
   * libraries (by user agent, with the maintained list of the `isbot` package): `'skip'` (the
   * default) sends nothing for them, neither page views nor the helper's events and sessions,
   * and counts them in `skipped.bot`; `'track'` sends them like any visitor.
   */
  bots?: 'skip' | 'track';
  /**
   * Ask browsers for the client hints Pirsch reads (the platform version that tells Windows 11
   * from 10, the device width): sets `Accept-CH` and `Permissions-Policy` on every response the
   * adapter sees, merged with the app's own (its directives are never overwritten). Browsers send
   * the hints from the next request on, over HTTPS or on localhost. Default false.
   */
  clientHints?: boolean;
  /**
   * Query parameters removed from the tracked URL and referrer before the hit is built
   * (case-insensitive), e.g. `['token', 'email']` for password-reset and magic links. A removed
   * `ref`/`utm_source` is not used as the referrer either. Applies to page views and the helper's
   * events and sessions.
   */
  stripQuery?: readonly string[];
  /**
   * Last look at every hit before it leaves: the page view, and the page data the helper's
   * events and sessions carry. Return the hit (changed or not) to send it, or `null` to drop it
   * (counted in `skipped['before-send']` for page views). Synchronous. A throw, or a return that
   * is neither a hit nor `null`, drops the hit (never sends it unfiltered) and is reported to
   * `onError` (with client options, as for the other callbacks).
   */
  beforeSend?: (hit: Hit, req: Req) => Hit | null;
  /**
   * How long the app's shutdown waits for queued hits to be delivered (Fastify `onClose`, Nest
   * `onApplicationShutdown`, `shutdown()` without an argument). Default 10000.
   */
  shutdownTimeoutMs?: number;
}

/** Adapter options: tracking options plus either a ready client or the options to create one (never both). */
export type PirschAdapterOptions<Req = IncomingMessage, Res = ServerResponse> = TrackingOptions<Req, Res> &
  ({ client: PirschDelivery } | (PirschClientOptions & { client?: undefined }));

/** What an adapter knows about one request. */
export interface RequestContext<Req = IncomingMessage, Res = ServerResponse> {
  /** The Node request underneath the framework's. */
  raw: IncomingMessage;
  /** The framework's request, passed to `filter`, `title` and `tags`. */
  req: Req;
  /** The framework's response, passed to `filter`. */
  res: Res;
  /** The IP the framework resolved (honouring its trust-proxy setting). Default: the socket's address. */
  ip?: string;
  /** Path and query including a mount prefix (`originalUrl`), when the framework knows better than `raw.url`. */
  path?: string;
  /**
   * The protocol the framework resolved (`req.protocol`, `ctx.protocol`): behind a trusted proxy it
   * reads `X-Forwarded-Proto`. The `protocol` option wins over it; default: the socket's.
   */
  protocol?: string;
  /**
   * The host (with port) the framework resolved (`ctx.host`, Fastify `request.host`): behind a
   * trusted proxy it reads `X-Forwarded-Host`. The `hostname` option wins over it; default: `Host`.
   */
  host?: string;
}

/** Per-request helper for manual tracking, e.g. `req.pirsch.event('Signup')`. */
export interface RequestHelper {
  /** Enqueue an event for this request's page. Never throws. */
  event(name: string, options?: EventOptions): void;
  /** Keep this visitor's session alive. Never throws. */
  session(): void;
}

/** The core of every framework adapter: decides, extracts and enqueues. */
export interface Tracker<Req = IncomingMessage, Res = ServerResponse, C extends PirschDelivery = PirschDelivery> {
  /** The client hits go to: a `PirschClient` when the tracker created it from options. */
  readonly client: C;
  /** True when the tracker created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Responses not tracked, per reason (live counters). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /** Responses tracked (hits handed to the client). */
  readonly tracked: number;
  /**
   * Called once the response is complete. Decides, extracts and enqueues. A second call for the
   * same request context is ignored. Never throws.
   */
  track(ctx: RequestContext<Req, Res>, status: number): void;
  /**
   * Tracks once `res` has been written completely (`finish`), with the status that went out
   * (`status()`, default `res.statusCode`). A response that closes before it was written
   * completely (the visitor left) is not tracked: it counts in `skipped.aborted`. On Node, a
   * response of a Node server waits on its socket for Node's diagnostics channel
   * `http.server.response.finish` (no listener on the response; one `close` listener per socket);
   * elsewhere, and where the channel cannot tell, a `finish` and a `close` listener, which take
   * themselves off when either fires. Either way, for a response that never finishes, what waits
   * is collected with it. An already finished response is tracked at once, an already destroyed
   * one counts as aborted. Not heard: on Node 20 and 22, pipelined responses still queued behind
   * one the visitor left (Node emits no `close` for them); on Bun, a response cut off mid-body
   * (Bun emits `finish` once the body is handed over), which is tracked. Never throws.
   */
  trackWhenDone(ctx: RequestContext<Req, Res>, res: ServerResponse, status?: () => number): void;
  /** The per-request helper; the hit is built lazily on first use. Never throws. */
  helper(ctx: Omit<RequestContext<Req, Res>, 'res'> & { res?: Res }): RequestHelper;
  /**
   * True for a helper this tracker made. A middleware a request meets a second time (the same one
   * mounted on the app and on a router) finds its own helper on the request and steps aside, so
   * the request is counted once.
   */
  isHelper(value: unknown): value is RequestHelper;
  /**
   * Called when a request starts, with the Node response, before the app writes it: with
   * `clientHints` on, asks the browser for client hints (`requestClientHints`); else nothing.
   * Never throws.
   */
  prepareResponse(res: ServerResponse): void;
  /** On app shutdown: closes the client if the tracker created it, else flushes it and leaves it open. Never rejects. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** What a middleware built on a tracker exposes next to itself: its client, its counters and shutdown. */
export interface TrackerHandle<C extends PirschDelivery = PirschDelivery> {
  readonly client: C;
  readonly ownsClient: boolean;
  readonly tracked: number;
  readonly skipped: Readonly<Record<SkipReason, number>>;
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Puts a tracker's `client`, `ownsClient`, live `tracked`/`skipped` counters and `shutdown` on a
 * middleware function, so `app.use(middleware)` and `middleware.shutdown()` are one object.
 *
 * @example
 * const tracker = createTracker(options);
 * return exposeTracker(function pirschMiddleware(req, res, next) { ... }, tracker);
 */
export function exposeTracker<F extends object, C extends PirschDelivery>(
  middleware: F,
  tracker: TrackerHandle<C>,
): F & TrackerHandle<C> {
  return Object.defineProperties(middleware, {
    client: { get: () => tracker.client, enumerable: true },
    ownsClient: { value: tracker.ownsClient, enumerable: true },
    tracked: { get: () => tracker.tracked, enumerable: true },
    skipped: { get: () => tracker.skipped, enumerable: true },
    shutdown: { value: (timeoutMs?: number) => tracker.shutdown(timeoutMs), enumerable: true },
  }) as F & TrackerHandle<C>;
}


const DELIVERY_METHODS = ['hit', 'event', 'session', 'flush', 'close'] as const;

/**
 * The tracker of both entries: `createTracker` (Node, its client on undici) and the web tracker of
 * `@pirsch-node/core/web` (its client on fetch) differ only in `makeClient`, used when the options
 * hold no ready client.
 */
export function createTrackerWith<Req, Res>(
  options: PirschAdapterOptions<Req, Res>,
  makeClient: (options: PirschClientOptions) => PirschClient,
  watchFinish?: FinishWatcher,
): Tracker<Req, Res> {
  if (options === null || typeof options !== 'object') {
    throw new PirschConfigError('options', 'must be an object: { accessKey } or { clientId, clientSecret } or { client }, plus tracking options');
  }
  // Tracking options first: a bad one must not leave a created client (and its timers) behind.
  const resolved = resolveTrackingOptions<Req, Res>(options);

  const clientOptions: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    if (TRACKING_OPTION_NAMES.has(key) || key === 'client') continue;
    if (!CLIENT_OPTION_NAMES.has(key)) throw unknownOptionError(key, 'adapter');
    clientOptions[key] = (options as Record<string, unknown>)[key];
  }

  let client: PirschDelivery;
  let ownsClient: boolean;
  let onError: ((error: PirschError) => void) | undefined;
  const given: unknown = options.client;
  if (given != null) {
    const extra = Object.keys(clientOptions).filter((key) => clientOptions[key] !== undefined);
    if (extra.length > 0) {
      throw new PirschConfigError('client', `give either a client or the options to create one, not both (also got ${extra.join(', ')})`);
    }
    const missing = DELIVERY_METHODS.filter((method) => typeof (given as Record<string, unknown>)[method] !== 'function');
    if (typeof given !== 'object' || missing.length > 0) {
      throw new PirschConfigError('client', `must be a client from createClient (an object with ${DELIVERY_METHODS.join(', ')} methods)`);
    }
    // The client decides what is sent. One that would send while the middleware was told not to
    // is a contradiction, not something to settle in silence either way.
    if (!resolved.enabled && (given as { [CLIENT_ENABLED]?: unknown })[CLIENT_ENABLED] !== false) {
      throw new PirschConfigError(
        'enabled',
        'is false, but the client given would send: with a ready client, create that client with enabled: false (createClient({ enabled: false })), which stops everything it would send',
      );
    }
    client = given as PirschDelivery;
    ownsClient = false;
  } else {
    client = makeClient({ ...clientOptions, enabled: resolved.enabled } as PirschClientOptions);
    ownsClient = true;
    if (typeof clientOptions.onError === 'function') onError = clientOptions.onError as (error: PirschError) => void;
  }

  /** A user callback failed: tell `onError` when the tracker created the client, else swallow. */
  const report = (callback: string, error: unknown, failure = 'threw'): void => {
    if (onError === undefined) return;
    try {
      const message = error instanceof Error ? error.message : String(error);
      onError(new PirschError(`The ${callback} callback ${failure}: ${message}`, { cause: error }));
    } catch {
      // onError itself threw: nothing more to do on the request path
    }
  };

  const callTitle = (req: Req): string | undefined => {
    if (resolved.title === undefined) return undefined;
    try {
      const title = resolved.title(req);
      return typeof title === 'string' ? title : undefined;
    } catch (error) {
      report('title', error);
      return undefined;
    }
  };

  // The returned object is copied here: a getter (or Proxy) that throws loses the tags, is
  // reported as what it is, and cannot reach the hit's extraction.
  const callTags = (req: Req): Record<string, string> | undefined => {
    if (resolved.tags === undefined) return undefined;
    try {
      return tagsWithinLimits(resolved.tags(req));
    } catch (error) {
      report('tags', error);
      return undefined;
    }
  };

  /**
   * The hit `beforeSend` gives back, or undefined to drop it. A throw or a wrong return drops the
   * hit: sending it unfiltered could leak exactly what the callback was written to remove.
   */
  const callBeforeSend = (hit: Hit, req: Req): Hit | undefined => {
    if (resolved.beforeSend === undefined) return hit;
    try {
      const result: unknown = resolved.beforeSend(hit, req);
      if (result === null) return undefined;
      if (typeof result === 'object' && result !== undefined && typeof (result as { then?: unknown }).then !== 'function') return result as Hit;
      const got = result === undefined ? 'undefined' : typeof (result as { then?: unknown }).then === 'function' ? 'a promise' : typeof result;
      report('beforeSend', new TypeError(`got ${got}; it must return the hit or null, synchronously. The hit was dropped`), 'returned no hit');
      return undefined;
    } catch (error) {
      report('beforeSend', error);
      return undefined;
    }
  };

  const hitFor = (ctx: Omit<RequestContext<Req, Res>, 'res'>, path: string | undefined): Hit => {
    const hitOptions: HitOptions = {
      ip: ctx.ip,
      path,
      hostname: resolved.hostname ?? contextHost(ctx),
      protocol: resolved.protocol ?? contextProtocol(ctx),
      title: callTitle(ctx.req),
      tags: callTags(ctx.req),
      disableBotFilter: resolved.disableBotFilter,
      stripQuery: resolved.stripQuery,
    };
    return hitFromRequest(ctx.raw, hitOptions);
  };

  /**
   * `req.pirsch`: one small object per request, no closures; the page hit is built on first use.
   * Null page hit (nothing is sent) when DNT is respected and the request asked not to be
   * tracked, when it comes from a bot and bots are skipped, or when `beforeSend` dropped it.
   */
  class Helper implements RequestHelper {
    readonly #ctx: Omit<RequestContext<Req, Res>, 'res'>;
    #hit: Hit | null | undefined;

    constructor(ctx: Omit<RequestContext<Req, Res>, 'res'>) {
      this.#ctx = ctx;
      // Reading the peer address now makes Node cache it on the socket (`_peername`), so an event
      // sent after the connection closed (e.g. after an awaited database write) still has its IP.
      // Once per socket: a later request on the connection finds it cached (the getter's way there
      // took 2 % of Fastify's time in the split bench's profiles, on every request).
      const socket = ctx.raw.socket as (IncomingMessage['socket'] & { _peername?: unknown }) | undefined | null;
      if (socket != null && !socket._peername) void socket.remoteAddress;
    }

    #page(): Hit | undefined {
      if (this.#hit === undefined) {
        const ctx = this.#ctx;
        const hit = hitFor(ctx, typeof ctx.path === 'string' ? ctx.path : undefined);
        if (resolved.respectDnt && hit.dnt === '1') this.#hit = null;
        else if (resolved.bots === 'skip' && isBotUserAgent(hit.user_agent)) this.#hit = null;
        else this.#hit = callBeforeSend(hit, ctx.req) ?? null;
      }
      return this.#hit ?? undefined;
    }

    event(name: string, eventOptions?: EventOptions): void {
      try {
        const page = this.#page();
        if (page !== undefined) client.event(name, page, eventOptions);
      } catch {
        // never into the app
      }
    }

    session(): void {
      try {
        const page = this.#page();
        if (page !== undefined) client.session(sessionOf(page));
      } catch {
        // never into the app
      }
    }
  }

  // Hits the tracker builds are its own: our client may enqueue them without a defensive copy.
  const enqueueHit: (hit: Hit) => void =
    typeof (client as Partial<OwnedHitSink>)[ENQUEUE_OWNED_HIT] === 'function'
      ? (client as unknown as OwnedHitSink)[ENQUEUE_OWNED_HIT]
      : (hit) => client.hit(hit);

  const skipped = Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>;
  let tracked = 0;
  // Marks a request's context as decided, so a second `track` of it is a no-op. On the context
  // (the adapter's own small object), not the request: adding a property to a framework's request
  // object, or a WeakSet entry for it, costs 0.7 to 1.7 µs on Express's (measured), this a few ns.
  const decided = Symbol('pirsch.decided');
  /** Marks the context decided; false if it was already (a second `track` of it is a no-op). */
  const decideOnce = (ctx: object): boolean => {
    const marked = ctx as { [decided]?: true };
    if (marked[decided] === true) return false;
    try {
      marked[decided] = true;
    } catch {
      // a frozen context: decided, without the guard against a second call
    }
    return true;
  };
  /** The visitor left before the response was written completely: not tracked, counted. */
  const aborted = (ctx: object): void => {
    if (decideOnce(ctx)) skipped.aborted++;
  };

  return {
    get client() {
      return client;
    },
    ownsClient,
    skipped,
    get tracked() {
      return tracked;
    },

    track(ctx, status) {
      try {
        if (!decideOnce(ctx)) return;
        const raw = ctx.raw;
        const path = typeof ctx.path === 'string' ? ctx.path : targetOf(raw);
        let reason = skipReason(raw, status, path, resolved);
        if (reason === undefined && resolved.filter !== undefined) {
          try {
            if (!resolved.filter(ctx.req, ctx.res)) reason = 'filter';
          } catch (error) {
            report('filter', error);
            reason = 'filter';
          }
        }
        if (reason !== undefined) {
          skipped[reason]++;
          return;
        }
        const hit = hitFor(ctx, path);
        if (resolved.beforeSend === undefined) {
          enqueueHit(hit);
        } else {
          const kept = callBeforeSend(hit, ctx.req);
          if (kept === undefined) {
            skipped['before-send']++;
            return;
          }
          // The callback's object is the user's now: the client validates and copies it.
          client.hit(kept);
        }
        tracked++;
      } catch {
        // never into the app: the request path must not fail because of analytics
      }
    },

    trackWhenDone(ctx, res, status) {
      try {
        // `finished` (set once `end()` is called) is a plain field, read first: `writableFinished`
        // is a getter, and on an Express response (a hidden class of its own, see readOnceView) a
        // getter read misses V8's caches twice. Almost every response is not ended yet when an
        // adapter gets it.
        if ((res as { finished?: unknown }).finished === true && res.writableFinished) return this.track(ctx, status ? status() : res.statusCode);
        // Destroyed before the adapter got it: the visitor left while a slower middleware ran
        // first (its socket's close has fired already). On Node's ServerResponse `destroyed` is a
        // plain field. (One ended before that counts as Node reports it: Node 20 reads an ended
        // response as written once its socket is gone, Node 24 not.)
        if ((res as { destroyed?: unknown }).destroyed === true) return aborted(ctx);
        // A response that never finishes (the visitor went away before it was ended, or it was
        // destroyed) is not tracked: it counts as aborted when it closes. Node 20 and 22 also emit
        // 'finish' for a response whose visitor left while its body was still being written; its
        // socket is destroyed by then, and that counts as aborted too.
        const done = (left: boolean): void => {
          if (left || cutOff(ctx.raw)) aborted(ctx);
          else this.track(ctx, status ? status() : res.statusCode);
        };
        if (watchFinish !== undefined && watchFinish(res, socketOf(ctx.raw), done)) return;
        // Both listeners take themselves off when either fires (a response emits 'close' after
        // 'finish' too); node:http keeps listeners of its own on both, so the emitter's table
        // stays as it was.
        const settle = (left: boolean): void => {
          res.removeListener('finish', onFinish);
          res.removeListener('close', onClose);
          done(left);
        };
        const onFinish = (): void => settle(false);
        const onClose = (): void => settle(true);
        res.on('finish', onFinish);
        res.on('close', onClose);
      } catch {
        // never into the app
      }
    },

    helper(ctx) {
      return new Helper(ctx);
    },

    isHelper(value: unknown): value is RequestHelper {
      return value instanceof Helper;
    },

    prepareResponse(res) {
      if (resolved.clientHints) requestClientHints(res);
    },

    async shutdown(timeoutMs = resolved.shutdownTimeoutMs) {
      try {
        if (ownsClient) await client.close(timeoutMs);
        else await client.flush(timeoutMs);
      } catch {
        // shutdown must not fail an app's shutdown
      }
    },
  };
}

/**
 * Calls `done` once `res` has been written completely and returns true, or returns false (having
 * done nothing) when it cannot tell for this response: `trackWhenDone` listens for `finish` then.
 * Node's entry hears Node's diagnostics channel (finish-channel.ts).
 */
export type FinishWatcher = (res: ServerResponse, socket: IncomingMessage['socket'] | undefined, done: (left: boolean) => void) => boolean;

/** The request's socket; undefined if reading it fails. */
function socketOf(raw: IncomingMessage): IncomingMessage['socket'] | undefined {
  try {
    return raw.socket;
  } catch {
    return undefined;
  }
}

/**
 * At 'finish', true when the visitor left before the body was all written: its socket is
 * destroyed (HTTP/1), or the request was aborted (HTTP/2, whose `socket` stands for the stream's
 * session and reads destroyed once the stream has closed, as it has at every response's finish).
 */
function cutOff(raw: IncomingMessage): boolean {
  try {
    if (raw.httpVersionMajor === 2) return (raw as { aborted?: unknown }).aborted === true;
    return raw.socket?.destroyed === true;
  } catch {
    return false;
  }
}

/** The framework's resolved protocol, when it is one a URL can have. */
function contextProtocol(ctx: { protocol?: string }): 'http' | 'https' | undefined {
  try {
    const protocol = ctx.protocol;
    return protocol === 'https' || protocol === 'http' ? protocol : undefined;
  } catch {
    return undefined;
  }
}

/** The framework's resolved host; extraction validates it and falls back to `Host`. */
function contextHost(ctx: { host?: string }): string | undefined {
  try {
    const host = ctx.host;
    return typeof host === 'string' && host !== '' ? host : undefined;
  } catch {
    return undefined;
  }
}

/** `originalUrl` (Express and Koa put it on the raw request) or `url`. */
function targetOf(raw: IncomingMessage): string {
  const original = (raw as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' ? original : (raw.url ?? '/');
}

function sessionOf(hit: Hit): SessionData {
  const data: SessionData = { ip: hit.ip, user_agent: hit.user_agent, url: hit.url };
  if (hit.cf_connecting_ip !== undefined) data.cf_connecting_ip = hit.cf_connecting_ip;
  if (hit.x_forwarded_for !== undefined) data.x_forwarded_for = hit.x_forwarded_for;
  if (hit.forwarded !== undefined) data.forwarded = hit.forwarded;
  if (hit.x_real_ip !== undefined) data.x_real_ip = hit.x_real_ip;
  if (hit.dnt !== undefined) data.dnt = hit.dnt;
  return data;
}
