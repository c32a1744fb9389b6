export * from './emulator.js';
export type * from './store.js';
export type { FailOptions, FaultOptions, FaultScope } from './faults.js';
export type { ApiErrorBody } from './api-error.js';
export type { TokenResponse } from './tokens.js';
