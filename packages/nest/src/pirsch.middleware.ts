import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { NestMiddleware } from '@nestjs/common';
import type { Tracker } from '@pirsch-node/core';
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

  /** Registers the `finish` listener (removed again on `close`, so an aborted request leaves none) and calls `next()`. */
  use(req: PirschMiddlewareRequest, res: ServerResponse, next: (error?: unknown) => void): void {
    try {
      const ctx = requestContextOf(req);
      if (ctx !== undefined) {
        const tracker = this.tracker;
        const onFinish = (): void => {
          done();
          tracker.track({ ...ctx, res }, res.statusCode);
        };
        const done = (): void => {
          res.off('finish', onFinish);
          res.off('close', done);
        };
        res.on('finish', onFinish);
        res.on('close', done);
      }
    } catch {
      // never into the app: a request must not fail because of analytics
    }
    next();
  }
}
