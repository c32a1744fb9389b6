// The main entry: what an app uses. What only framework adapters need is in `./adapter.ts`
// (`@pirsch-node/core/adapter`). Every runtime export here is documented in the README (tested).
export * from './entry-common.js';
export { createClient } from './client.js';
export { hitFromRequest } from './extract.js';
export { requestClientHints } from './client-hints.js';
export type { TrackingOptions } from './tracking.js';
export { withPirsch } from './node-http.js';
export type { PirschNodeOptions, PirschRequest, PirschRequestHandler, PirschRequestListener } from './node-http.js';
