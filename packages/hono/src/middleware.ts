import { createWebTracker, PirschConfigError, SKIP_REASONS } from '@pirsch-node/core/web';
import type { PirschClient, PirschDelivery, RequestHelper, SkipReason, WebTracker, WebTrackingOptions } from '@pirsch-node/core/web';
import type { Context, Next } from 'hono';
import { requestInfo } from './runtime.js';
import type { PirschEnv, PirschHonoClientOptions, PirschHonoOptions, PirschMiddleware } from './types.js';

/**
 * Creates the Hono middleware that sends a page hit to Pirsch for every tracked response, once the
 * rest of the app answered, and puts the request's helper on `c.get('pirsch')` for manual events.
 * Runs on Node (`@hono/node-server`), Bun, Deno and Cloudflare Workers: the IP is the runtime's
 * (the socket's peer; `CF-Connecting-IP` on Workers) unless `trustProxy` says to read
 * `X-Forwarded-For`; on Workers delivery is handed to `c.executionCtx.waitUntil`, so it finishes
 * after the response and nothing is lost when the invocation ends.
 *
 * Options given as an object are checked here: a bad one throws a `PirschConfigError` naming it.
 * Options given as a function of `c.env` (Workers keep secrets in bindings) are read once, on the
 * first request; a bad one is reported once (to its `onError`, else `console.error`) and the app
 * runs untracked. Nothing is ever thrown into the app.
 *
 * A response is tracked when it answers a `GET` with a 2xx status (the final one, also when a
 * handler threw and the error handler answered), the request has a User-Agent, does not send
 * `DNT: 1` (unless `respectDnt: false`), is no prefetch, asks for no static asset, is not matched
 * by `exclude`, is no bot (unless `bots: 'track'`), and `filter` (if any) returns true.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { pirsch, type PirschEnv } from '@pirsch-node/hono';
 *
 * const app = new Hono<PirschEnv>();
 * app.use(pirsch({ accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] }));
 * app.post('/signup', (c) => {
 *   c.get('pirsch').event('Signup', { meta: { plan: 'pro' } });
 *   return c.redirect('/welcome', 303);
 * });
 * ```
 */
export function pirsch<C extends PirschDelivery>(options: WebTrackingOptions & { client: C }): PirschMiddleware<C>;
export function pirsch(options: PirschHonoClientOptions): PirschMiddleware<PirschClient>;
export function pirsch(options: PirschHonoOptions): PirschMiddleware;
/**
 * With the options read from the bindings (Cloudflare Workers), on the first request:
 * `pirsch((env: Bindings) => ({ accessKey: env.PIRSCH_ACCESS_KEY }))`.
 */
export function pirsch<Bindings extends object = Record<string, string | undefined>>(
  options: (env: Bindings) => PirschHonoOptions,
): PirschMiddleware<PirschDelivery | undefined>;
export function pirsch(options: PirschHonoOptions | ((env: never) => PirschHonoOptions)): PirschMiddleware<PirschDelivery | undefined> {
  let tracker: WebTracker | undefined;
  let failed = false;
  let trackerOf: (c: Context) => WebTracker | undefined;
  if (typeof options === 'function') {
    const optionsOf = options as (env: unknown) => PirschHonoOptions;
    trackerOf = (c) => {
      if (tracker !== undefined || failed) return tracker;
      let given: PirschHonoOptions | undefined;
      try {
        given = optionsOf(c.env);
        tracker = createWebTracker(given);
      } catch (error) {
        failed = true;
        report(error, given);
      }
      return tracker;
    };
  } else {
    tracker = createWebTracker(options);
    trackerOf = () => tracker;
  }
  // The same middleware met twice (app.use and a sub-app's use) counts the request once.
  const helpers = new WeakSet<RequestHelper>();

  async function pirschMiddleware(c: Context<PirschEnv>, next: Next): Promise<void> {
    let active: WebTracker | undefined;
    let info: ReturnType<typeof requestInfo> | undefined;
    try {
      const current = c.get('pirsch') as RequestHelper | undefined;
      if (current === undefined || !helpers.has(current)) {
        active = trackerOf(c);
        info = requestInfo(c);
        const helper = active === undefined ? inert() : active.helper(c.req.raw, info);
        helpers.add(helper);
        c.set('pirsch', helper);
      }
    } catch {
      // never into the app: analytics must not fail a request
    }
    await next();
    if (active === undefined) return;
    try {
      const prepared = active.prepareResponse(c.res);
      if (prepared !== c.res) c.res = prepared;
      active.track(c.req.raw, c.res, info);
    } catch {
      // never into the app
    }
  }

  return Object.defineProperties(pirschMiddleware, {
    client: { get: () => tracker?.client, enumerable: true },
    ownsClient: { get: () => tracker?.ownsClient ?? false, enumerable: true },
    tracked: { get: () => tracker?.tracked ?? 0, enumerable: true },
    skipped: { get: () => tracker?.skipped ?? NONE_SKIPPED, enumerable: true },
    shutdown: { value: async (timeoutMs?: number) => tracker?.shutdown(timeoutMs), enumerable: true },
  }) as unknown as PirschMiddleware<PirschDelivery | undefined>;
}

const NONE_SKIPPED: Readonly<Record<SkipReason, number>> = Object.freeze(
  Object.fromEntries(SKIP_REASONS.map((reason) => [reason, 0])) as Record<SkipReason, number>,
);

/** The helper of a request that is not tracked (options from the bindings were refused). */
function inert(): RequestHelper {
  return { event() {}, session() {} };
}

/** Options read from `c.env` were refused: said once, without their values (they hold secrets). */
function report(error: unknown, given: PirschHonoOptions | undefined): void {
  const reported =
    error instanceof PirschConfigError
      ? error
      : new PirschConfigError('options', `the options function threw: ${error instanceof Error ? error.name : typeof error}`);
  try {
    const onError = (given as { onError?: unknown } | undefined)?.onError;
    if (typeof onError === 'function') (onError as (error: PirschConfigError) => void)(reported);
    else console.error(`[pirsch] not tracking: ${reported.message}`);
  } catch {
    // a throwing onError is contained like the client's
  }
}
