import type { PirschClient, PirschClientOptions, PirschDelivery } from '@pirsch-node/core';
import { createTracker, exposeTracker, wrapperHelperOf } from '@pirsch-node/core/adapter';
import type { RequestContext, Tracker } from '@pirsch-node/core/adapter';
import type { Context, Next, Response } from 'koa';
import type { PirschKoaOptions, PirschKoaTrackingOptions, PirschMiddleware } from './types.js';


/**
 * Koa middleware (Koa 2 and 3) that sends a page view to Pirsch for every page it serves, once
 * the response is complete, without delaying it. Put it first, so it sees every response and the
 * final status set by Koa's error handling. `ctx.state.pirsch` sends events for the request.
 * Bad options throw a `PirschConfigError` here, at `app.use()` time.
 *
 * @example
 * ```ts
 * const app = new Koa({ proxy: true, maxIpsCount: 1 }); // behind one proxy: ctx.ip is the X-Forwarded-For entry it appended
 * const analytics = pirsch({ accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * app.use(analytics);
 * app.use(async (ctx) => {
 *   if (ctx.method === 'POST' && ctx.path === '/signup') ctx.state.pirsch.event('Signup', { meta: { plan: 'pro' } });
 *   ctx.body = 'hello';
 * });
 * const server = app.listen(3000);
 * process.on('SIGTERM', () => server.close(() => void analytics.shutdown()));
 * ```
 */
export function pirsch<C extends PirschDelivery>(options: PirschKoaTrackingOptions & { client: C }): PirschMiddleware<C>;
export function pirsch(options: PirschKoaTrackingOptions & PirschClientOptions & { client?: undefined }): PirschMiddleware<PirschClient>;
export function pirsch(options: PirschKoaOptions): PirschMiddleware<PirschDelivery>;
export function pirsch(options: PirschKoaOptions): PirschMiddleware<PirschDelivery> {
  const tracker = createTracker<Context, Response>(options);

  // Not async: no promise of its own and no extra hop per request. The 'finish' listener reads the
  // status when the response is written, which Koa does after the chain settles (also for a
  // thrown error, which reaches Koa exactly as it was thrown).
  function pirschMiddleware(ctx: Context, next: Next): Promise<unknown> {
    // The same middleware met again (a sub-app or router that uses it too): counted once already.
    if (tracker.isHelper(ctx.state?.pirsch)) return next();
    // A withPirsch in front of the app (core's, around app.callback()) tracks it: counted once, by
    // it, and its req.pirsch sends this request's events.
    const outer = wrapperHelperOf(ctx.req);
    if (outer !== undefined) {
      try {
        ctx.state.pirsch = outer;
      } catch {
        // never into the app
      }
      return next();
    }
    const request = startRequest(tracker, ctx);
    if (request !== undefined) tracker.trackWhenDone(request, ctx.res);
    return next();
  }

  return exposeTracker(pirschMiddleware, tracker) as PirschMiddleware<PirschDelivery>;
}

/** Sets `ctx.state.pirsch`; never throws into the app. */
function startRequest(tracker: Tracker<Context, Response>, ctx: Context): KoaRequestContext | undefined {
  try {
    tracker.prepareResponse(ctx.res);
    const request = new KoaRequestContext(ctx);
    ctx.state.pirsch = tracker.helper(request);
    return request;
  } catch {
    return undefined;
  }
}

/**
 * What core needs of a Koa request. A class with prototype getters: one small object per request,
 * and ip, protocol and host (which honour `app.proxy`) are read only when a hit or event is built.
 */
class KoaRequestContext implements RequestContext<Context, Response> {
  readonly raw: Context['req'];
  readonly req: Context;
  readonly res: Response;
  /** koa-mount rewrites ctx.url and ctx.path; originalUrl keeps the mount prefix. */
  readonly path: string;

  constructor(ctx: Context) {
    this.raw = ctx.req;
    this.req = ctx;
    this.res = ctx.response;
    this.path = ctx.originalUrl;
  }

  /** `ctx.request.ip`, which `ctx.ip` hands on to: read there, without the delegate in between. */
  get ip(): string {
    return this.req.request.ip;
  }

  /**
   * `ctx.protocol` when app.proxy is set (it reads X-Forwarded-Proto). Without a proxy Koa's getter
   * only asks whether the socket is encrypted, which extraction asks itself.
   */
  get protocol(): string | undefined {
    return this.req.app.proxy ? this.req.request.protocol : undefined;
  }

  /**
   * `ctx.host` when app.proxy is set (it reads X-Forwarded-Host). Without a proxy Koa's getter
   * only reads Host (or HTTP/2's :authority), which extraction reads itself, without the getter's
   * splitting and copying on every tracked request.
   */
  get host(): string | undefined {
    return this.req.app.proxy ? this.req.host : undefined;
  }
}
