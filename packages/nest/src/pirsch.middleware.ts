import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { NestMiddleware } from '@nestjs/common';
import { trackedByWrapper } from '@pirsch-node/core/adapter';
import type { Tracker } from '@pirsch-node/core/adapter';
import { PIRSCH_TRACKER } from './pirsch.constants.js';
import { requestContextOf } from './pirsch.request.js';
import type { PirschMiddlewareRequest } from './pirsch.types.js';

/**
 * Tracks every response once it is complete. `PirschModule` applies it to all routes, so it runs
 * before guards, pipes and the router: guarded (403) and unmatched (404) requests reach it too,
 * and the status it records is the one sent. It works on the response Node sends (Express's on
 * `platform-express`, the raw one on `platform-fastify`), calls `next()` at once, and never
 * throws into the app.
 */
@Injectable()
export class PirschMiddleware implements NestMiddleware<PirschMiddlewareRequest, ServerResponse> {
  constructor(@Inject(PIRSCH_TRACKER) private readonly tracker: Tracker<PirschMiddlewareRequest, ServerResponse>) {}

  /** Has the tracker record the response once it is complete (never an aborted one), then calls `next()`. */
  use(req: PirschMiddlewareRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    try {
      // Tracked in front of the app already (a withPirsch around the server): counted once, by that.
      if (!trackedByWrapper(req)) {
        this.tracker.prepareResponse(res);
        const ctx = requestContextOf(req, res);
        if (ctx !== undefined) this.tracker.trackWhenDone(ctx, res);
      }
    } catch {
      // never into the app: a request must not fail because of analytics
    }
    next();
  }
}
