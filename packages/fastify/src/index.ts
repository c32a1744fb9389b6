import { pirsch } from './plugin.js';

export { pirsch };
export type { PirschFastifyOptions, PirschTrackingCounts } from './types.js';
export type { RequestHelper } from '@pirsch-node/core';
export default pirsch;
