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

// The symbol under which Koa keeps the IP of a request (its getter's cache and its setter's
// field), learnt per app: one Koa copy's symbol is not another's. The last app's answer is kept
// beside the map, since comparing one object costs less than a lookup.
const ipSymbols = new WeakMap<object, symbol | null>();
let lastApp: object | undefined;
let lastSymbol: symbol | undefined;

/**
 * The symbol Koa keeps `request.ip` under, or undefined when the app reads its IP otherwise (its
 * `app.context` or `app.request` defines an `ip` of its own, or Koa keeps it elsewhere).
 */
function ipSymbolOf(ctx: Context): symbol | undefined {
  const app = ctx.app;
  if (app === lastApp) return lastSymbol;
  let known = ipSymbols.get(app);
  if (known === undefined) {
    known = null;
    if (!Object.hasOwn(app.context, 'ip') && !Object.hasOwn(app.request, 'ip')) {
      // The getter stores its answer under the symbol (Koa 2 and 3: Symbol('context#ip')).
      const request = ctx.request;
      const ip = request.ip;
      for (const symbol of Object.getOwnPropertySymbols(request)) {
        if (symbol.description === 'context#ip' && (request as unknown as Record<symbol, unknown>)[symbol] === ip) known = symbol;
      }
    }
    ipSymbols.set(app, known);
  }
  lastApp = app;
  lastSymbol = known ?? undefined;
  return lastSymbol;
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

  /**
   * `ctx.ip`. Without app.proxy Koa's getter gives the IP set on the request (`ctx.request.ip =
   * ...`) or else the socket's address, after it has looked up the proxy's header all the same
   * (about 2 % of a small app's time, profiled); that is read here directly, once the symbol Koa
   * keeps a set IP under is known (learnt from the getter's own answer at the app's first
   * request). With app.proxy, an app that defines its own `ip` (on `app.context` or
   * `app.request`), or a Koa that keeps its IP otherwise, `ctx.ip` answers.
   */
  get ip(): string {
    const ctx = this.req;
    if (!ctx.app.proxy) {
      const symbol = ipSymbolOf(ctx);
      if (symbol !== undefined) {
        const set = (ctx.request as unknown as Record<symbol, unknown>)[symbol];
        if (typeof set === 'string' && set !== '') return set;
        if (!set) return this.raw.socket?.remoteAddress ?? '';
      }
    }
    return ctx.ip;
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
