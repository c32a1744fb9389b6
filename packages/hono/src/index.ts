export { pirsch } from './middleware.js';
export type { PirschEnv, PirschHonoClientOptions, PirschHonoOptions, PirschMiddleware, PirschVariables } from './types.js';
export type { RequestHelper, WebTrackingOptions } from '@pirsch-node/core/web';
