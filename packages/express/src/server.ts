import type { PirschClient, PirschClientOptions, PirschDelivery, PirschRequestListener, TrackingOptions } from '@pirsch-node/core';
import { PirschConfigError } from '@pirsch-node/core';
import { ResolvedAddressContext, WrapperHelper, createTracker, exposeTracker, markWrapperInUse, readOnceView } from '@pirsch-node/core/adapter';
import type { RequestContext, RequestHelper, Tracker } from '@pirsch-node/core/adapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { PirschExpressOptions } from './types.js';

/** An Express app, or any `(req, res)` handler in front of one. */
export type ExpressRequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Tracks an Express app (4 or 5) from in front of it: give what it returns to
 * `http.createServer()` (or `https`) instead of adding the `pirsch()` middleware. It records the
 * same page views, with the same options and the same `req.pirsch`, but starts each request
 * before Express does, so it is no middleware Express has to run and it reads each request before
 * Express has made it slow to read (every Express request gets a hidden class of its own in V8:
 * see `readOnceView` in core). It costs an Express app less per request than the middleware
 * (BENCHMARKS-WRAPPED.md, BENCHMARKS-REQUEST.md), for when the last few percent of a busy app's CPU matter.
 *
 * What differs from the middleware: it sees every request of the app, so the URL is the one that
 * arrived (mount paths included, as the middleware's `req.originalUrl`), and a router cannot
 * leave it out (use `exclude` or `filter`). The IP and protocol are still Express's (`req.ip`,
 * `req.protocol`, so `app.set('trust proxy', ...)` applies), read when the hit is built, after
 * Express has handled the request. Use it or the middleware, not both: the middleware steps aside
 * for a request this tracks. Options are checked here: a bad one throws a `PirschConfigError`
 * naming it, at start-up, never during a request.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import express from 'express';
 * import { withPirsch } from '@pirsch-node/express';
 *
 * const app = express();
 * app.post('/signup', (req, res) => {
 *   req.pirsch.event('Signup', { meta: { plan: 'pro' } });
 *   res.redirect(303, '/welcome');
 * });
 * const tracked = withPirsch(app, { accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * const server = createServer(tracked).listen(3000);
 * process.on('SIGTERM', () => server.close(() => void tracked.shutdown()));
 * ```
 */
export function withPirsch<C extends PirschDelivery>(
  app: ExpressRequestListener,
  options: TrackingOptions<Request, Response> & { client: C },
): PirschRequestListener<void, C>;
export function withPirsch(
  app: ExpressRequestListener,
  options: TrackingOptions<Request, Response> & PirschClientOptions & { client?: undefined },
): PirschRequestListener<void, PirschClient>;
export function withPirsch(app: ExpressRequestListener, options: PirschExpressOptions): PirschRequestListener<void>;
export function withPirsch(app: ExpressRequestListener, options: PirschExpressOptions): PirschRequestListener<void> {
  if (typeof app !== 'function') {
    const swapped = typeof (options as unknown) === 'function';
    throw new PirschConfigError('app', swapped ? 'the app comes first: withPirsch(app, options)' : 'must be an Express app (or a (req, res) handler): withPirsch(app, options)');
  }
  const tracker = createTracker<Request, Response>(options);
  markWrapperInUse();

  function pirschExpressListener(this: unknown, req: IncomingMessage, res: ServerResponse): void {
    startRequest(tracker, req, res);
    // Every argument passed on: mounted in another Express app by mistake (parent.use('/shop',
    // withPirsch(shop))), the sub-app still gets `next`, so the parent's routes and error handler
    // still follow it.
    app.apply(this, arguments as unknown as [IncomingMessage, ServerResponse]);
  }

  return exposeTracker(pirschExpressListener, tracker) as PirschRequestListener<void>;
}

/** Sets `req.pirsch` and records the response when it is done; never throws into the app. */
function startRequest(tracker: Tracker<Request, Response>, req: IncomingMessage, res: ServerResponse): void {
  try {
    // Someone tracks this request already: an outer wrapper (this one again, or core's
    // withPirsch), or, where this was mounted inside an Express app, its pirsch() middleware.
    // On a request fresh from the server `pirsch` is simply absent.
    if ((req as { pirsch?: unknown }).pirsch !== undefined) return;
    tracker.prepareResponse(res);
    const ctx = new WrappedRequestContext(req, res);
    // An own property, added before Express swaps the request's prototype, costs what it costs on
    // any Node request (after the swap it would cost microseconds: see helper-slot.ts).
    (req as IncomingMessage & { pirsch: RequestHelper }).pirsch = new WrapperHelper(tracker.helper(ctx));
    tracker.trackWhenDone(ctx, res);
  } catch {
    // never into the app: analytics must not fail a request
  }
}

/**
 * What core needs of a request, taken before Express has it: the URL as it arrived, the headers
 * and the socket read once now (cheap on a Node request, a cache miss each on an Express one).
 * `ip` and `protocol` are Express's, asked when the hit is built (ResolvedAddressContext).
 */
class WrappedRequestContext extends ResolvedAddressContext implements RequestContext<Request, Response> {
  readonly raw: IncomingMessage;
  readonly req: Request;
  readonly res: Response;
  readonly path: string | undefined;

  constructor(req: IncomingMessage, res: ServerResponse) {
    super(req);
    this.raw = readOnceView(req, req.headers, req.socket);
    this.req = req as Request;
    this.res = res as Response;
    // The URL as it arrived (mounted inside an Express app by mistake: Express's originalUrl, with the mount path).
    this.path = (req as { originalUrl?: string }).originalUrl ?? req.url;
  }
}
