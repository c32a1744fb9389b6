import { packageBuild } from '../../tsup.base.js';

// Two entries over the same modules: split, so `@pirsch-node/core` and `@pirsch-node/core/adapter`
// share one copy of each (one PirschConfigError class, one tracker implementation).
export default packageBuild({ entry: ['src/index.ts', 'src/adapter.ts'], bundle: ['p-queue', 'p-timeout', 'eventemitter3'], splitting: true });
