import type { RequestHelper } from '@pirsch-node/core/web';

/**
 * The helpers of the requests `withPirsch` is handling, keyed by the `Request` object itself, so
 * nothing is written onto a platform's request. Kept on `globalThis` under a registered symbol, so
 * a second copy of this package (its ESM and CJS builds both loaded) finds the same helpers.
 */
const KEY = Symbol.for('@pirsch-node/web.helpers');

function helpers(): WeakMap<Request, RequestHelper> {
  const holder = globalThis as { [KEY]?: WeakMap<Request, RequestHelper> };
  return (holder[KEY] ??= new WeakMap());
}

/** What `pirschOf` gives for a request no `withPirsch` saw: calls are ignored, nothing throws. */
const UNTRACKED: RequestHelper = Object.freeze({
  event() {},
  session() {},
});

/** @internal Registers the helper of a request; false when an outer `withPirsch` already did. */
export function registerHelper(request: Request, helper: RequestHelper): boolean {
  const map = helpers();
  if (map.has(request)) return false;
  map.set(request, helper);
  return true;
}

/**
 * Manual tracking for a request a `withPirsch` handler is serving: `event(name, options?)` sends
 * an event for its page (its URL, IP and headers), `session()` keeps the visitor's session
 * alive. Both return at once and never throw; on Workers their delivery goes to `ctx.waitUntil`.
 *
 * Pass the `Request` the handler received: a copy (`new Request(request)`) is another object,
 * and a request no `withPirsch` saw gets a helper that sends nothing.
 *
 * @example
 * const handler = withPirsch(async (request: Request) => {
 *   if (request.method === 'POST') pirschOf(request).event('Signup', { meta: { plan: 'pro' } });
 *   return new Response('ok');
 * }, { accessKey: 'pa_...' });
 */
export function pirschOf(request: Request): RequestHelper {
  return (typeof request === 'object' && request !== null ? helpers().get(request) : undefined) ?? UNTRACKED;
}
