import type { PirschClient, PirschDelivery, PirschWebOptions, SkipReason } from '@pirsch-node/core/web';

/**
 * Options of `withPirsch`: the tracking options (`exclude`, `filter`, `title`, `tags`,
 * `clientHints`, `trustProxy`, ...; `filter`, `title`, `tags` and `beforeSend` receive the
 * `Request`, `filter` the `Response` too) plus either a ready `client` or the options to create
 * one (`accessKey`, or `clientId` and `clientSecret`, ...).
 */
export type PirschFetchOptions = PirschWebOptions;

/**
 * The options, or a function that returns them from the handler's second argument, called once,
 * on the first request. On Cloudflare Workers that argument is `env`, where secrets live:
 * `(env) => ({ accessKey: env.PIRSCH_ACCESS_KEY })`.
 */
export type PirschFetchOptionsFactory<Env> = (env: Env) => PirschFetchOptions;

/**
 * The handler `withPirsch` returns: called exactly like the wrapped one (same arguments, same
 * `this`, its return value and its throws passed through), plus the tracker's client, counters,
 * `flush()` and `shutdown()`.
 */
export interface PirschFetchHandler<Args extends unknown[], R, C extends PirschDelivery | undefined = PirschClient> {
  (request: Request, ...rest: Args): R;
  /**
   * The client hits go to: the one given as `client`, or the one created from the options. With
   * options given as a function, `undefined` until the first request created it.
   */
  readonly client: C;
  /** True when `withPirsch` created the client (and `shutdown` closes it); false until then. */
  readonly ownsClient: boolean;
  /** Responses tracked so far. */
  readonly tracked: number;
  /** Responses not tracked so far, per reason (`method`, `status`, `dnt`, `asset`, `bot`, ...). Live counters. */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * Delivers what is queued; resolves `true` when the queue is empty, `false` after `timeoutMs`
   * (default 10 s). Never rejects. For platforms without `waitUntil`
   * that may freeze an invocation after its response: `await handler.flush()` before returning.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /**
   * For the server's shutdown (Deno, Bun): closes the client if `withPirsch` created it (delivering
   * what is queued first), else flushes the given client and leaves it open. Never rejects; gives
   * up waiting after `timeoutMs` (default `shutdownTimeoutMs`, 10 s).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

