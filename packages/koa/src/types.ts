import type { PirschClient, PirschClientOptions, PirschDelivery, RequestHelper, SkipReason, TrackingOptions } from '@pirsch-node/core';
import type { Context, Middleware, Response } from 'koa';

declare module 'koa' {
  interface DefaultState {
    /** Manual tracking for this request, set by the `pirsch()` middleware: `ctx.state.pirsch.event('Signup')`. */
    pirsch: RequestHelper;
  }
}

/**
 * Tracking options for Koa: `filter(ctx, ctx.response)`, `title(ctx)`, `tags(ctx)` and
 * `beforeSend(hit, ctx)` get the Koa context. They run once the response is complete, so they see
 * the final `ctx.status` and whatever the handlers put into `ctx.state`.
 */
export type PirschKoaTrackingOptions = TrackingOptions<Context, Response>;

/** Options of `pirsch()`: tracking options plus either a ready `client` or the options to create one. */
export type PirschKoaOptions<C extends PirschDelivery = PirschDelivery> = PirschKoaTrackingOptions &
  ({ client: C } | (PirschClientOptions & { client?: undefined }));

/** The middleware `pirsch()` returns: a Koa middleware, plus the client it delivers to and a `shutdown` for the app's shutdown. */
export interface PirschMiddleware<C extends PirschDelivery = PirschClient> extends Middleware {
  /** The client hits go to: the one you gave, or the one the middleware created from your options. */
  readonly client: C;
  /** True when the middleware created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Responses tracked so far (hits handed to the client). */
  readonly tracked: number;
  /** Responses not tracked so far, per reason (`method`, `status`, `dnt`, `asset`, ...). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * For the app's shutdown, after `server.close()`: closes the client if the middleware created
   * it (delivering what is queued first), else flushes the given client and leaves it open.
   * Never rejects; gives up waiting after `timeoutMs` (default 10 s).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}
