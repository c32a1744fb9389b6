// `@pirsch-node/core/web` everywhere but Node (workerd, Vercel Edge, Deno, Bun): delivery on the
// global `fetch`. Every runtime export here is documented in the README (tested).
import { createClientWith, type PirschClient } from './client-core.js';
import { FetchTransport } from './transport-fetch.js';
import type { PirschClientOptions } from './types.js';
import { createWebTrackerWith, type PirschWebOptions, type WebTracker } from './web-tracker.js';

export * from './web-exports.js';

/**
 * Creates a Pirsch client that sends with the runtime's `fetch`. Delivery calls (`hit`, `event`,
 * `session`) return at once and never throw; `flush()` delivers what is queued (hand it to the
 * platform's `waitUntil`, or await it at the end of a handler, where an invocation may be frozen
 * after its response). Invalid options throw a `PirschConfigError` naming the option.
 *
 * @example
 * const pirsch = createClient({ accessKey: env.PIRSCH_ACCESS_KEY });
 * pirsch.hit(hitFromWebRequest(request, { ip: request.headers.get('cf-connecting-ip') ?? '' }));
 * ctx.waitUntil(pirsch.flush());
 */
export function createClient(options: PirschClientOptions): PirschClient {
  return createClientWith(options, (baseUrl, timeoutMs) => new FetchTransport(baseUrl, timeoutMs));
}

/**
 * Creates the tracker of the Fetch API integrations: the Node adapters' decisions and options for
 * a `Request` and its `Response`, with `waitUntil` support. Options are checked here: a bad one
 * throws a `PirschConfigError` naming it.
 *
 * @example
 * const tracker = createWebTracker({ accessKey: env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * const response = await handle(request);
 * tracker.track(request, response, { waitUntil: (promise) => ctx.waitUntil(promise) });
 */
export function createWebTracker(options: PirschWebOptions): WebTracker {
  return createWebTrackerWith(options, createClient);
}
