// What `@pirsch-node/core/web` offers besides `createClient` and `createWebTracker`, which each
// of its two builds binds to its transport (see web.ts and web-node.ts). No `node:` built-in is
// loaded by anything here: it runs on workerd without compatibility flags and on Vercel Edge.
export * from './entry-common.js';
export type { TrackerHandle } from './tracking.js';
export type { PirschWebOptions, WebRequestInfo, WebTracker, WebTrackingOptions } from './web-tracker.js';
export { nodeRequestInfo, peerInfoOf, type PeerInfo } from './web-peer.js';
