import type { PirschClient, PirschClientOptions, PirschDelivery, TrackingOptions } from '@pirsch-node/core';
import { ResolvedAddressContext, createTracker, exposeTracker, readOnceView, trackedByWrapper } from '@pirsch-node/core/adapter';
import type { RequestContext } from '@pirsch-node/core/adapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { attachHelper, helperOf } from './helper-slot.js';
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
 * An aborted request (the client went away before the response was complete) is not tracked.
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

  function pirschMiddleware(incoming: IncomingMessage, outgoing: ServerResponse, next: (error?: unknown) => void): void {
    try {
      // Express set up both before any middleware runs.
      const req = incoming as Request;
      // The same middleware met again (mounted on the app and on a router), or a request withPirsch
      // tracks in front of the app: counted once already.
      if (tracker.isHelper(helperOf(req)) || trackedByWrapper(req)) {
        next();
        return;
      }
      const res = outgoing as Response;
      tracker.prepareResponse(res);
      const ctx = new ExpressRequestContext(req, res);
      // Not `req.pirsch = ...`: see helper-slot.ts (an own property costs microseconds on an Express request).
      attachHelper(req, tracker.helper(ctx));
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
 * honour `trust proxy`) are Express's, read only when a hit is built (ResolvedAddressContext).
 */
class ExpressRequestContext extends ResolvedAddressContext implements RequestContext<Request, Response> {
  readonly raw: IncomingMessage;
  readonly req: Request;
  readonly res: Response;
  /** A router mounted with app.use('/shop', router) sees req.url without '/shop'. */
  readonly path: string;

  constructor(req: Request, res: Response) {
    super(req);
    // Each property read on an Express request misses V8's caches: core reads it through a view.
    this.raw = readOnceView(req);
    this.req = req;
    this.res = res;
    this.path = req.originalUrl;
  }
}
