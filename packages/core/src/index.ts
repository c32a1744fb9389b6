// The main entry: what an app uses. What only framework adapters need is in `./adapter.ts`
// (`@pirsch-node/core/adapter`). Every runtime export here is documented in the README (tested).
export * from './errors.js';
export type * from './types.js';
export { createClient } from './client.js';
export type { PirschClient } from './client.js';
export { FIELD_LIMITS, hitFromRequest, hitFromWebRequest } from './extract.js';
export type { HitOptions } from './extract.js';
export { isBotUserAgent } from './bots.js';
export { CLIENT_HINT_HEADERS, mergeAcceptCh, mergePermissionsPolicy, requestClientHints } from './client-hints.js';
export { SKIP_REASONS } from './filter.js';
export type { SkipReason } from './filter.js';
export type { RequestHelper, TrackingOptions } from './tracking.js';
export { withPirsch } from './node-http.js';
export type { PirschNodeOptions, PirschRequest, PirschRequestHandler, PirschRequestListener } from './node-http.js';
export type * from './api/index.js';
