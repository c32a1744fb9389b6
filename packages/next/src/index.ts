export { createPirsch, event, pirschMiddleware, pirschProxy, trackPageView } from './pirsch.js';
export { optionsFromEnv } from './env.js';
export type { PirschEnv } from './env.js';
export type { NextEventOptions, NextSkipReason, PirschNext, PirschNextOptions, PirschProxy, WaitUntil } from './types.js';
export type { EventOptions, PirschClient, PirschDelivery, RequestHelper, WebTrackingOptions } from '@pirsch-node/core/web';
