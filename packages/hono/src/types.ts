import type {
  PirschClientOptions,
  PirschDelivery,
  PirschWebOptions,
  RequestHelper,
  SkipReason,
  WebTrackingOptions,
} from '@pirsch-node/core/web';
import type { MiddlewareHandler } from 'hono';

/**
 * Options of `pirsch()`: the tracking options (`enabled`, `respectDnt`, `methods`, `exclude`,
 * `filter`, `title`, `tags`, `hostname`, `protocol`, `bots`, `clientHints`, `stripQuery`,
 * `beforeSend`, `trustProxy`) plus either a ready `client` or the options to create one
 * (`accessKey`, or `clientId` and `clientSecret`, ...). `filter`, `title`, `tags` and `beforeSend`
 * receive the Fetch API `Request` (`c.req.raw`), and `filter` the `Response` too.
 */
export type PirschHonoOptions = PirschWebOptions;

/** Tracking options plus the options of the client the middleware creates. */
export type PirschHonoClientOptions = WebTrackingOptions & PirschClientOptions & { client?: undefined };

/**
 * The variables `pirsch()` sets on the context: `c.get('pirsch')` is the request's helper for
 * manual events. `new Hono<{ Variables: PirschVariables }>()` (or `new Hono<PirschEnv>()`) types
 * it; importing this package also declares it in Hono's `ContextVariableMap`, as Hono's own
 * `requestId` and `jwt` middlewares do.
 */
export interface PirschVariables {
  /**
   * Manual tracking for this request: `c.get('pirsch').event('Signup', { meta: { plan: 'pro' } })`,
   * `c.get('pirsch').session()`. Never throws.
   */
  pirsch: RequestHelper;
}

/** The Hono `Env` of an app using `pirsch()`: `new Hono<PirschEnv>()`. */
export interface PirschEnv {
  Variables: PirschVariables;
}

/**
 * The middleware `pirsch()` returns: a Hono middleware, plus the client it delivers to and a
 * `shutdown` for the app's shutdown. With options given as a function of `c.env`, the tracker is
 * created on the first request: until then `client` is undefined and the counters are zero.
 */
export interface PirschMiddleware<C extends PirschDelivery | undefined = PirschDelivery> extends MiddlewareHandler<PirschEnv> {
  /**
   * The client hits go to: the one given as `client`, or the `PirschClient` the middleware
   * created from the options. `await middleware.client.flush()` waits for delivery.
   */
  readonly client: C;
  /** True when the middleware created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Responses tracked so far. */
  readonly tracked: number;
  /** Responses not tracked so far, per reason (`method`, `status`, `dnt`, `asset`, ...). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * For the app's shutdown (a long-running Node, Bun or Deno server): closes the client if the
   * middleware created it (delivering what is queued first), else flushes the given client and
   * leaves it open. Never rejects; gives up waiting after `timeoutMs` (default 10 s).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

declare module 'hono' {
  // As hono/request-id and hono/jwt do: `c.get('pirsch')` is typed in every app that imports us.
  interface ContextVariableMap extends PirschVariables {}
}
