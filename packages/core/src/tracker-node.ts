import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClient, type PirschClient } from './client.js';
import { whenResponseFinished } from './finish-channel.js';
import { createTrackerWith, type PirschAdapterOptions, type Tracker, type TrackingOptions } from './tracking.js';
import type { PirschClientOptions, PirschDelivery } from './types.js';

/**
 * Creates the tracker a framework adapter is built on. Validates every option at once and throws
 * a `PirschConfigError` naming the first bad one; with client options (not `client`) it creates
 * the client too.
 *
 * @example
 * ```ts
 * const tracker = createTracker({ accessKey: process.env.PIRSCH_ACCESS_KEY, exclude: ['/health'] });
 * http.createServer((req, res) => {
 *   res.on('finish', () => tracker.track({ raw: req, req, res }, res.statusCode));
 *   res.end('hello');
 * });
 * process.on('SIGTERM', () => void tracker.shutdown(5000));
 * ```
 */
export function createTracker<Req = IncomingMessage, Res = ServerResponse, C extends PirschDelivery = PirschDelivery>(
  options: TrackingOptions<Req, Res> & { client: C },
): Tracker<Req, Res, C>;
export function createTracker<Req = IncomingMessage, Res = ServerResponse>(
  options: TrackingOptions<Req, Res> & PirschClientOptions & { client?: undefined },
): Tracker<Req, Res, PirschClient>;
export function createTracker<Req = IncomingMessage, Res = ServerResponse>(options: PirschAdapterOptions<Req, Res>): Tracker<Req, Res>;
export function createTracker<Req, Res>(options: PirschAdapterOptions<Req, Res>): Tracker<Req, Res> {
  return createTrackerWith(options, createClient, whenResponseFinished);
}
