export * from './errors.js';
export type * from './types.js';
export * from './client.js';
export * from './extract.js';
export * from './bots.js';
export * from './client-hints.js';
export * from './filter.js';
export * from './tracking.js';
export * from './api/index.js';
