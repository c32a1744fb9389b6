// `@pirsch-node/core/adapter`: what a framework adapter is built from. Apps use the main entry.
// Every runtime export here is documented in the README's "For adapter authors" (tested).
export { createTracker } from './tracker-node.js';
export { exposeTracker } from './tracking.js';
export type { PirschAdapterOptions, RequestContext, RequestHelper, Tracker, TrackerHandle, TrackingOptions } from './tracking.js';
export { ASSET_EXTENSIONS, resolveTrackingOptions, skipReason } from './filter.js';
export type { ResolvedTrackingOptions, SkipReason } from './filter.js';
export { fastifyTrustProxyProblem } from './fastify-trust-proxy.js';
export { ResolvedAddressContext, expressTrustsNoProxy } from './express-trust-proxy.js';
export { readOnceView } from './request-view.js';
export { FrontRequestContext, WrapperHelper, inFrontOf, isWrapperHelper, markWrapperInUse, startInFront, trackedByWrapper, wrapperHelperOf } from './wrapper.js';
export type { FrontContextClass, FrontListener } from './wrapper.js';
