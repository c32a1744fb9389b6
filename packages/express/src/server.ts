import type { PirschClient, PirschClientOptions, PirschDelivery, PirschRequestListener, TrackingOptions } from '@pirsch-node/core';
import { PirschConfigError } from '@pirsch-node/core';
import { FrontRequestContext, createTracker, exposeTracker, inFrontOf } from '@pirsch-node/core/adapter';
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
  // Read before Express has the request; ip and protocol Express's, when the hit is built. Every
  // argument passed on: mounted in another Express app by mistake (parent.use('/shop',
  // withPirsch(shop))), the sub-app still gets `next`, so the parent's routes and error handler
  // still follow it.
  return exposeTracker(inFrontOf(tracker, app, FrontRequestContext), tracker) as PirschRequestListener<void>;
}
