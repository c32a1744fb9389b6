export { PirschModule } from './pirsch.module.js';
export { PirschService } from './pirsch.service.js';
export { PIRSCH_TRACKER } from './pirsch.constants.js';
export { PIRSCH_MODULE_OPTIONS } from './pirsch.module-definition.js';
export type { PirschModuleAsyncOptions, PirschModuleForRootOptions } from './pirsch.module-definition.js';
export type { PirschFastifyRequestLike, PirschMiddlewareRequest, PirschModuleOptions, PirschRequest } from './pirsch.types.js';
