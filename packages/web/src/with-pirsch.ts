import { createWebTracker, PirschConfigError, SKIP_REASONS } from '@pirsch-node/core/web';
import type { PirschClient, PirschDelivery, SkipReason, WebTracker, WebTrackingOptions, PirschClientOptions } from '@pirsch-node/core/web';
import { registerHelper } from './helpers.js';
import { requestInfoOf } from './runtime-info.js';
import type { PirschFetchHandler, PirschFetchOptions, PirschFetchOptionsFactory } from './types.js';

const NO_SKIPS: Readonly<Record<SkipReason, number>> = Object.freeze(Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>);

/**
 * Wraps a Fetch API handler, `(request, ...rest) => Response | Promise<Response>`, so it tracks
 * like the framework adapters: a page view for every response it returns that passes the rules (a
 * `GET` with a 2xx status, a User-Agent, no `DNT: 1`, no prefetch, no static asset, not
 * `exclude`d, no bot, then `filter` and `beforeSend`), and `pirschOf(request)` for events. It fits
 * Cloudflare Workers' `export default { fetch }`, `Deno.serve`, `Bun.serve` and Vercel Edge.
 *
 * From the handler's other arguments it takes what the runtime offers: the peer's IP (Deno's
 * `info`, Bun's `server`; on Workers the `CF-Connecting-IP` header) and a `waitUntil` (Workers'
 * `ctx`, Vercel's and Netlify's `context`), to which delivery is handed so it finishes after the
 * response without holding it.
 *
 * The handler runs exactly as it would unwrapped (same `this`, same arguments); its response is
 * returned (with `clientHints`, with `Accept-CH` added) and what it throws or rejects with is
 * passed on, not tracked. Nothing of the tracking throws into it.
 *
 * Options given as an object are checked here: a bad one throws a `PirschConfigError` naming it.
 * Options given as a function of the handler's second argument (Workers' `env`) are read on the
 * first request, which then throws that `PirschConfigError` if one is bad (as does every request
 * after it, until fixed), before the handler runs.
 *
 * @example
 * ```ts
 * import { pirschOf, withPirsch } from '@pirsch-node/web';
 *
 * interface Env { PIRSCH_ACCESS_KEY: string }
 *
 * export default {
 *   fetch: withPirsch(
 *     async (request: Request, env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }) => {
 *       if (request.method === 'POST') pirschOf(request).event('Signup');
 *       return new Response('hello');
 *     },
 *     (env) => ({ accessKey: env.PIRSCH_ACCESS_KEY }),
 *   ),
 * };
 * ```
 */
export function withPirsch<Args extends unknown[], R, C extends PirschDelivery>(
  handler: (request: Request, ...rest: Args) => R,
  options: WebTrackingOptions & { client: C },
): PirschFetchHandler<Args, R, C>;
export function withPirsch<Args extends unknown[], R>(
  handler: (request: Request, ...rest: Args) => R,
  options: WebTrackingOptions & PirschClientOptions & { client?: undefined },
): PirschFetchHandler<Args, R, PirschClient>;
export function withPirsch<Args extends unknown[], R>(
  handler: (request: Request, ...rest: Args) => R,
  options: PirschFetchOptionsFactory<Args[0]>,
): PirschFetchHandler<Args, R, PirschDelivery | undefined>;
export function withPirsch<Args extends unknown[], R>(handler: (request: Request, ...rest: Args) => R, options: PirschFetchOptions): PirschFetchHandler<Args, R, PirschDelivery>;
export function withPirsch<Args extends unknown[], R>(
  handler: (request: Request, ...rest: Args) => R,
  options: PirschFetchOptions | PirschFetchOptionsFactory<Args[0]>,
): PirschFetchHandler<Args, R, PirschDelivery | undefined> {
  if (typeof handler !== 'function') {
    const swapped = typeof (options as unknown) === 'function';
    throw new PirschConfigError(
      'handler',
      swapped && typeof (handler as unknown) === 'object' && handler !== null
        ? 'the handler comes first: withPirsch((request) => new Response(...), options)'
        : 'must be a function (request, ...rest) => Response, the fetch handler to wrap',
    );
  }
  const factory = typeof options === 'function' ? options : undefined;
  let tracker: WebTracker | undefined = factory === undefined ? createWebTracker(options as PirschFetchOptions) : undefined;

  /** The tracker, created from `factory` on the first request; throws its PirschConfigError. */
  const trackerFor = (env: Args[0]): WebTracker => {
    if (tracker !== undefined) return tracker;
    let resolved: PirschFetchOptions;
    try {
      resolved = (factory as PirschFetchOptionsFactory<Args[0]>)(env);
    } catch (error) {
      if (error instanceof PirschConfigError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new PirschConfigError('options', `the options function threw (${reason}); it receives the handler's second argument (Workers' env)`);
    }
    tracker = createWebTracker(resolved);
    return tracker;
  };

  function pirschFetchHandler(this: unknown, request: Request, ...rest: Args): R {
    const current = trackerFor(rest[0]);
    const info = requestInfoOf(request, rest);
    let mine = false;
    try {
      // An outer withPirsch got here first: its helper stays, and it alone counts the request.
      mine = registerHelper(request, current.helper(request, info));
    } catch {
      // never into the app
    }
    const result = handler.apply(this, [request, ...rest]);
    if (!mine) return result;
    if (isThenable(result)) {
      return result.then((response) => finish(current, request, response, info)) as R;
    }
    return finish(current, request, result, info);
  }

  return Object.defineProperties(pirschFetchHandler, {
    client: { get: () => tracker?.client, enumerable: true },
    ownsClient: { get: () => tracker?.ownsClient ?? false, enumerable: true },
    tracked: { get: () => tracker?.tracked ?? 0, enumerable: true },
    skipped: { get: () => tracker?.skipped ?? NO_SKIPS, enumerable: true },
    flush: {
      value: (timeoutMs?: number): Promise<boolean> => (tracker === undefined ? Promise.resolve(true) : tracker.client.flush(timeoutMs).catch(() => false)),
      enumerable: true,
    },
    shutdown: { value: (timeoutMs?: number): Promise<void> => (tracker === undefined ? Promise.resolve() : tracker.shutdown(timeoutMs)), enumerable: true },
  }) as PirschFetchHandler<Args, R, PirschDelivery | undefined>;
}

/** Tracks the response the handler returned and gives it back (with client hints if asked). Never throws. */
function finish<T>(tracker: WebTracker, request: Request, value: T, info: ReturnType<typeof requestInfoOf>): T {
  // Anything but a Response (Bun's `return;` after `server.upgrade(request)`) passes untouched.
  if (!isResponse(value)) return value;
  const response = tracker.prepareResponse(value) as T & Response;
  tracker.track(request, response, info);
  return response;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isResponse(value: unknown): value is Response {
  return typeof value === 'object' && value !== null && typeof (value as Response).status === 'number' && typeof (value as Response).headers === 'object';
}
