// What `@pirsch-node/core/web` offers besides `createClient` and `createWebTracker`, which each
// of its two builds binds to its transport (see web.ts and web-node.ts). No `node:` built-in is
// loaded by anything here: it runs on workerd without compatibility flags and on Vercel Edge.
export * from './errors.js';
export type * from './types.js';
export type { PirschClient } from './client-core.js';
export { FIELD_LIMITS, hitFromWebRequest } from './extract.js';
export type { HitOptions } from './extract.js';
export { isBotUserAgent } from './bots.js';
export { CLIENT_HINT_HEADERS, mergeAcceptCh, mergePermissionsPolicy } from './client-hints.js';
export { SKIP_REASONS } from './filter.js';
export type { SkipReason } from './filter.js';
export type { RequestHelper, TrackerHandle } from './tracking.js';
export type { PirschWebOptions, WebRequestInfo, WebTracker, WebTrackingOptions } from './web-tracker.js';
export type * from './api/index.js';
