// What every entry an app imports offers: `@pirsch-node/core` (index.ts) and
// `@pirsch-node/core/web` (web-exports.ts) add their own to it. Nothing here loads a `node:`
// built-in (see web-exports.ts).
export * from './errors.js';
export type * from './types.js';
export type { PirschClient } from './client-core.js';
export { FIELD_LIMITS, hitFromWebRequest } from './extract.js';
export type { HitOptions } from './extract.js';
export { isBotUserAgent } from './bots.js';
export { CLIENT_HINT_HEADERS, mergeAcceptCh, mergePermissionsPolicy } from './client-hints.js';
export { SKIP_REASONS } from './filter.js';
export type { SkipReason } from './filter.js';
export type { RequestHelper } from './tracking.js';
export type * from './api/index.js';
