import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PirschClient } from './client.js';
import { PirschConfigError } from './errors.js';
import type { SkipReason } from './filter.js';
import { createTracker } from './tracker-node.js';
import { exposeTracker } from './tracking.js';
import type { PirschAdapterOptions, RequestContext, RequestHelper, TrackingOptions } from './tracking.js';
import type { PirschClientOptions, PirschDelivery } from './types.js';
import { inFrontOf } from './wrapper.js';
import type { FrontListener } from './wrapper.js';

/** A Node request inside a `withPirsch` handler: `req.pirsch` sends events for it. */
export type PirschRequest = IncomingMessage & {
  /** Manual tracking for this request: `req.pirsch.event('Signup')`, `req.pirsch.session()`. */
  pirsch: RequestHelper;
};

/** A `node:http` (or `node:https`) request handler that reads `req.pirsch`. Sync or async. */
export type PirschRequestHandler<R = void> = (req: PirschRequest, res: ServerResponse) => R;

/**
 * Options of `withPirsch`: the tracking options (`filter`, `title` and `tags` receive Node's
 * request, `filter` the response too) plus either a ready `client` or the options to create one.
 */
export type PirschNodeOptions = PirschAdapterOptions<IncomingMessage, ServerResponse>;

/**
 * The request listener `withPirsch` returns: give it to `http.createServer` or
 * `https.createServer`. It returns what the handler returns, and carries the client, the
 * counters and `shutdown` for the app's shutdown.
 */
export interface PirschRequestListener<R = void, C extends PirschDelivery = PirschDelivery> {
  (req: IncomingMessage, res: ServerResponse): R;
  /** The client hits go to: the one given as `client`, or the `PirschClient` created from the options. */
  readonly client: C;
  /** True when `withPirsch` created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Responses tracked so far. */
  readonly tracked: number;
  /** Responses not tracked so far, per reason (`method`, `status`, `dnt`, `asset`, `bot`, ...). Live counters. */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * For the app's shutdown, after `server.close()`: closes the client if `withPirsch` created it
   * (delivering what is queued first), else flushes the given client and leaves it open. Never
   * rejects; gives up waiting after `timeoutMs` (default `shutdownTimeoutMs`, 10 s).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Wraps a plain `node:http` handler so it tracks like the framework adapters: a page view for
 * every tracked response once it is complete (a `GET` with a 2xx status, a User-Agent, no
 * `DNT: 1`, no prefetch, no static asset, not `exclude`d, no bot, then `filter` and
 * `beforeSend`), and `req.pirsch` for events and session keep-alives. Options are checked here:
 * a bad one throws a `PirschConfigError` naming it, at start-up, never during a request.
 *
 * The handler runs exactly as it would unwrapped: same `this`, same arguments, its return value
 * (a promise too) returned, and what it throws thrown, so node:http treats an error as before.
 * Nothing of the tracking throws into it. A request already wrapped by an outer `withPirsch`
 * keeps the outer one's `req.pirsch` and is counted once, by the outer one; so is a request a
 * middleware tracks already (this listener used as a middleware inside an app that has one). The IP is the
 * socket's (behind a proxy, `X-Forwarded-For` and friends are sent as raw headers, not used as
 * the IP); `filter`, `title` and `tags` receive Node's request.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { withPirsch } from '@pirsch-node/core';
 *
 * const handler = withPirsch(
 *   (req, res) => {
 *     if (req.method === 'POST' && req.url === '/signup') req.pirsch.event('Signup', { meta: { plan: 'pro' } });
 *     res.end('hello');
 *   },
 *   { accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] },
 * );
 * const server = createServer(handler).listen(3000);
 * process.on('SIGTERM', () => server.close(() => void handler.shutdown()));
 * ```
 */
export function withPirsch<R, C extends PirschDelivery>(
  handler: PirschRequestHandler<R>,
  options: TrackingOptions & { client: C },
): PirschRequestListener<R, C>;
export function withPirsch<R>(
  handler: PirschRequestHandler<R>,
  options: TrackingOptions & PirschClientOptions & { client?: undefined },
): PirschRequestListener<R, PirschClient>;
export function withPirsch<R>(handler: PirschRequestHandler<R>, options: PirschNodeOptions): PirschRequestListener<R>;
export function withPirsch<R>(handler: PirschRequestHandler<R>, options: PirschNodeOptions): PirschRequestListener<R> {
  if (typeof handler !== 'function') {
    const swapped = typeof (options as unknown) === 'function';
    throw new PirschConfigError(
      'handler',
      swapped ? 'the handler comes first: withPirsch((req, res) => ..., options)' : 'must be a function (req, res) => ..., the request handler to wrap',
    );
  }
  const tracker = createTracker<IncomingMessage, ServerResponse>(options);
  return exposeTracker(inFrontOf(tracker, handler as FrontListener, NodeRequestContext), tracker) as PirschRequestListener<R>;
}

/** What core needs of a plain Node request; the IP, host and protocol come from the request itself. */
class NodeRequestContext implements RequestContext<IncomingMessage, ServerResponse> {
  readonly raw: IncomingMessage;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The URL as it arrived: a handler that rewrites `req.url` to route internally does not change what is tracked. */
  readonly path: string | undefined;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.raw = req;
    this.req = req;
    this.res = res;
    this.path = req.url;
  }
}
