export * from './errors.js';
export type * from './types.js';
export * from './client.js';
export * from './extract.js';
export * from './filter.js';
export * from './tracking.js';
export * from './api/index.js';
export { fastifyTrustProxyProblem } from './fastify-trust-proxy.js';
