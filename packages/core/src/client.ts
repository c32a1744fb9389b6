import { createClientWith, type PirschClient } from './client-core.js';
import { UndiciTransport } from './transport-undici.js';
import type { PirschClientOptions } from './types.js';

export { DEFAULT_FLUSH_TIMEOUT_MS, ENQUEUE_OWNED_HIT, eventPayload } from './client-core.js';
export type { OwnedHitSink, PirschClient } from './client-core.js';

/**
 * Creates a Pirsch client. Delivery calls (`hit`, `event`, `session`) return at once and never
 * throw; items are batched and sent in the background over one keep-alive undici pool. Invalid
 * options throw a `PirschConfigError` naming the option. With `enabled: false` it needs no
 * credentials and sends nothing: it counts what it would have sent in `metrics.disabled`.
 * Outside Node (workerd, Vercel Edge, Deno, Bun) use `createClient` of `@pirsch-node/core/web`,
 * which sends with `fetch`.
 *
 * @example
 * const pirsch = createClient({ accessKey: process.env.PIRSCH_ACCESS_KEY, enabled: Boolean(process.env.PIRSCH_ACCESS_KEY) });
 * pirsch.hit(hitFromRequest(req));
 * await pirsch.close(); // on shutdown
 */
export function createClient(options: PirschClientOptions): PirschClient {
  return createClientWith(options, (baseUrl, timeoutMs, connections) => new UndiciTransport(baseUrl, timeoutMs, connections));
}
