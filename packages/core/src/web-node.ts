// `@pirsch-node/core/web` on Node (the `node` export condition): the same exports as web.ts, with
// delivery on undici's pool like the Node adapters (Hono on @hono/node-server, Next.js on Node).
import { createClient } from './client.js';
import type { PirschClient } from './client-core.js';
import type { PirschClientOptions } from './types.js';
import { createWebTrackerWith, type PirschWebOptions, type WebTracker } from './web-tracker.js';

export * from './web-exports.js';

/** `createClient` of the main entry (undici). See web.ts for the other runtimes'. */
const createNodeClient: (options: PirschClientOptions) => PirschClient = createClient;
export { createNodeClient as createClient };

/** See web.ts: the same tracker, its client on undici. */
export function createWebTracker(options: PirschWebOptions): WebTracker {
  return createWebTrackerWith(options, createClient);
}
