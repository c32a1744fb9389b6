import { packageBuild } from '../../tsup.base.js';

// Four entries over the same modules: split, so `@pirsch-node/core`, `/adapter` and `/web` (its fetch
// build for workers and its undici build for Node) share one copy of each (one PirschConfigError
// class, one tracker implementation). The web build's chunks load no `node:` built-in (tested).
export default packageBuild({ entry: ['src/index.ts', 'src/adapter.ts', 'src/web.ts', 'src/web-node.ts'], bundle: ['p-queue', 'p-timeout', 'eventemitter3'], splitting: true });
