export * from './emulator.js';
export type * from './store.js';
export type { FailOptions, FaultOptions, FaultScope } from './faults.js';
export type { ApiErrorBody } from './api-error.js';
export type { TokenResponse } from './tokens.js';
export type { IngestKind, RefuseItem } from './ingest.js';
export { parseUserAgent, sampleUserAgents, type ParsedUserAgent } from './user-agent.js';
export { DEFAULT_DOMAIN_ID } from './management.js';
