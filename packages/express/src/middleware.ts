import type { PirschClient, PirschClientOptions, PirschDelivery, RequestHelper, TrackingOptions } from '@pirsch-node/core';
import { ResolvedAddressContext, createTracker, exposeTracker, readOnceView, trackedByWrapper } from '@pirsch-node/core/adapter';
import type { RequestContext, Tracker } from '@pirsch-node/core/adapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { attachHelper, entrySocketOf, helperOf, metBefore, putOnSocket } from './helper-slot.js';
import type { SocketEntry } from './helper-slot.js';
import type { PirschExpressOptions, PirschMiddleware } from './types.js';

/**
 * Creates the Express middleware (Express 4 and 5) that sends a page hit to Pirsch for every
 * tracked response, after the response is complete, and puts `req.pirsch` on every request for
 * manual events. Options are checked here: a bad one throws a `PirschConfigError` naming it, when
 * the app is set up, never during a request.
 *
 * A response is tracked when it answers a `GET` with a 2xx status, the request has a User-Agent,
 * does not send `DNT: 1` (unless `respectDnt: false`), is no prefetch, asks for no static asset,
 * is not matched by `exclude`, is no bot (unless `bots: 'track'`), and `filter` (if any) returns
 * true; `beforeSend` (if any) sees the hit last. The URL keeps the mount path
 * (`req.originalUrl`); the IP is `req.ip`, so it honours `app.set('trust proxy', ...)`.
 * An aborted request (the client went away before the response was complete) is not tracked: it
 * counts in `skipped.aborted`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { pirsch } from '@pirsch-node/express';
 *
 * const app = express();
 * const tracking = pirsch({ accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * app.use(tracking);
 * app.post('/signup', (req, res) => {
 *   req.pirsch.event('Signup', { meta: { plan: 'pro' } });
 *   res.redirect('/welcome');
 * });
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(() => void tracking.shutdown()));
 * ```
 */
export function pirsch<C extends PirschDelivery>(options: TrackingOptions<Request, Response> & { client: C }): PirschMiddleware<C>;
export function pirsch(
  options: TrackingOptions<Request, Response> & PirschClientOptions & { client?: undefined },
): PirschMiddleware<PirschClient>;
export function pirsch(options: PirschExpressOptions): PirschMiddleware;
export function pirsch(options: PirschExpressOptions): PirschMiddleware {
  const tracker = createTracker<Request, Response>(options);
  const isOwn = (value: unknown): boolean => tracker.isHelper(value);
  // A request of an app this middleware met, read `req.pirsch` once its connection had moved on.
  const latecomer = (req: object): RequestHelper => {
    const request = req as Request;
    return tracker.helper(new ExpressRequestContext(request, request.res as Response, undefined, tracker));
  };

  function pirschMiddleware(incoming: IncomingMessage, outgoing: ServerResponse, next: (error?: unknown) => void): void {
    try {
      // Express set up both before any middleware runs.
      const req = incoming as Request;
      const res = outgoing as Response;
      // Where req.pirsch lives (see helper-slot.ts): on the socket, while it is this request's.
      const socket = entrySocketOf(req, res);
      // The same middleware met again (mounted on the app and on a router), or a request withPirsch
      // tracks in front of the app: counted once already.
      if ((socket !== undefined ? metBefore(socket, req, tracker, isOwn) : isOwn(helperOf(req))) || trackedByWrapper(req)) {
        next();
        return;
      }
      tracker.prepareResponse(res);
      const ctx = new ExpressRequestContext(req, res, socket, tracker);
      // Not `req.pirsch = ...`: see helper-slot.ts (an own property costs microseconds on an Express request).
      if (socket !== undefined) putOnSocket(socket, ctx, latecomer);
      else attachHelper(req, ctx.helper());
      // Record once, when the response is complete; an aborted request is not tracked.
      tracker.trackWhenDone(ctx, res);
    } catch {
      // never into the app: analytics must not fail a request
    }
    next();
  }

  return exposeTracker(pirschMiddleware, tracker) as PirschMiddleware;
}

/**
 * What core needs of an Express request: one small object per request. `ip` and `protocol` (which
 * honour `trust proxy`) are Express's, read only when a hit is built (ResolvedAddressContext). It is
 * also the request's entry on its socket (helper-slot.ts): `req.pirsch` is made on first use.
 */
class ExpressRequestContext extends ResolvedAddressContext implements RequestContext<Request, Response>, SocketEntry {
  readonly raw: IncomingMessage;
  readonly req: Request;
  readonly res: Response;
  /** A router mounted with app.use('/shop', router) sees req.url without '/shop'. */
  readonly path: string;
  readonly owner: Tracker<Request, Response>;
  #helper: unknown;

  constructor(req: Request, res: Response, socket: IncomingMessage['socket'] | undefined, owner: Tracker<Request, Response>) {
    super(req);
    // Each property read on an Express request misses V8's caches: core reads it through a view.
    this.raw = readOnceView(req, undefined, socket);
    this.req = req;
    this.res = res;
    this.path = req.originalUrl;
    this.owner = owner;
  }

  helper(): unknown {
    return (this.#helper ??= this.owner.helper(this));
  }

  assign(value: unknown): void {
    this.#helper = value;
  }
}
