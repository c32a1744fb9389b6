import type { PirschDelivery, RequestHelper, SkipReason } from '@pirsch-node/core';
import type { PirschAdapterOptions } from '@pirsch-node/core/adapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';

/**
 * Options of `pirsch()`: the tracking options (`enabled`, `respectDnt`, `methods`, `exclude`, `filter`,
 * `title`, `tags`, `hostname`, `protocol`, `bots`, `disableBotFilter`, `clientHints`,
 * `stripQuery`, `beforeSend`) plus either a ready `client` or the options to create one
 * (`accessKey`, or `clientId` and `clientSecret`, ...). `filter`, `title`, `tags` and
 * `beforeSend` receive Express's request (and `filter` the response).
 */
export type PirschExpressOptions = PirschAdapterOptions<Request, Response>;

/**
 * The middleware `pirsch()` returns: an Express middleware, plus the client it delivers to and
 * a `shutdown` for the app's shutdown. Its parameters are typed with Node's request and response,
 * so it fits `app.use()` with the types of Express 4 and of Express 5 alike.
 */
export interface PirschMiddleware<C extends PirschDelivery = PirschDelivery> {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /**
   * The client hits go to: the one given as `client`, or the `PirschClient` the middleware
   * created from the options. `await middleware.client.flush()` waits for delivery.
   */
  readonly client: C;
  /** True when the middleware created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Responses tracked so far. */
  readonly tracked: number;
  /** Responses not tracked so far, per reason (`method`, `status`, `dnt`, `asset`, ...). Live counters. */
  readonly skipped: Readonly<Record<SkipReason, number>>;
  /**
   * For the app's shutdown, after `server.close()`: closes the client if the middleware created
   * it (delivering what is queued first), else flushes the given client and leaves it open.
   * Never rejects; gives up waiting after `timeoutMs` (default 10 s).
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

declare global {
  // Express 4 and 5 both merge their Request type with this global one.
  namespace Express {
    interface Request {
      /**
       * Manual tracking for this request, set by the `pirsch()` middleware:
       * `req.pirsch.event('Signup', { meta: { plan: 'pro' } })`, `req.pirsch.session()`.
       */
      pirsch: RequestHelper;
    }
  }
}
