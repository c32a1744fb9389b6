import { packageBuild } from '../../tsup.base.js';

export default packageBuild({ bundle: ['p-queue', 'p-timeout', 'eventemitter3'] });
