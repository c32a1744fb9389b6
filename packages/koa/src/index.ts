export { pirsch } from './middleware.js';
export type { PirschKoaOptions, PirschKoaTrackingOptions, PirschMiddleware } from './types.js';
export type { RequestHelper, SkipReason, TrackingOptions } from '@pirsch-node/core';
