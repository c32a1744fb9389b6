export { pirsch } from './middleware.js';
export type { PirschExpressOptions, PirschMiddleware } from './types.js';
export type { RequestHelper, TrackingOptions } from '@pirsch-node/core';
