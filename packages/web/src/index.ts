export { withPirsch } from './with-pirsch.js';
export { pirschOf } from './helpers.js';
export type { PirschFetchHandler, PirschFetchOptions, PirschFetchOptionsFactory } from './types.js';
export type { RequestHelper, WebTrackingOptions } from '@pirsch-node/core/web';
export { PirschConfigError } from '@pirsch-node/core/web';
