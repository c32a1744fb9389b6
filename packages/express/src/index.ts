export { pirsch } from './middleware.js';
export { withPirsch } from './server.js';
export type { ExpressRequestListener } from './server.js';
export type { PirschExpressOptions, PirschMiddleware } from './types.js';
export type { RequestHelper, TrackingOptions } from '@pirsch-node/core';
