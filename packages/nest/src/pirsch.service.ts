import type { ServerResponse } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import type { EventOptions, PirschDelivery, RequestHelper } from '@pirsch-node/core';
import type { Tracker } from '@pirsch-node/core/adapter';
import { PIRSCH_TRACKER } from './pirsch.constants.js';
import { requestContextOf } from './pirsch.request.js';
import type { PirschMiddlewareRequest, PirschRequest } from './pirsch.types.js';

/**
 * Manual tracking from controllers and providers: events and session keep-alives for the page
 * of a request. Every method returns at once and never throws; delivery happens in the background.
 *
 * @example
 * ```ts
 * @Controller()
 * export class SignupController {
 *   constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}
 *
 *   @Post('signup')
 *   signup(@Req() req: Request) {
 *     this.pirsch.event('Signup', req, { meta: { plan: 'pro' } });
 *   }
 * }
 * ```
 */
@Injectable()
export class PirschService {
  // One helper per request, so several events share one page hit; weak, so it holds no request.
  readonly #helpers = new WeakMap<object, RequestHelper>();

  constructor(@Inject(PIRSCH_TRACKER) private readonly tracker: Tracker<PirschMiddlewareRequest, ServerResponse>) {}

  /**
   * The core client hits and events go to: the one passed as `client`, or the one the module
   * created from the client options (a `PirschClient`; pass your own `client` to use its
   * statistics API with full types).
   */
  get client(): PirschDelivery {
    return this.tracker.client;
  }

  /**
   * Enqueues an event on the page of `req` (an Express request, a `FastifyRequest` or a raw
   * `IncomingMessage`). Skipped when the request sent `DNT: 1` and `respectDnt` is on, when it
   * comes from a bot and `bots` is `'skip'`, and when `beforeSend` drops its page.
   *
   * @example
   * ```ts
   * this.pirsch.event('Download', req, { duration: 3, meta: { file: 'report.pdf' } });
   * ```
   */
  event(name: string, req: PirschRequest, options?: EventOptions): void {
    this.#helperFor(req)?.event(name, options);
  }

  /** Keeps the session of the visitor behind `req` alive (for long pages without new hits). */
  session(req: PirschRequest): void {
    this.#helperFor(req)?.session();
  }

  /**
   * Resolves `true` once everything queued so far was delivered, `false` otherwise or after
   * `timeoutMs` (default: the client's). Never rejects.
   */
  async flush(timeoutMs?: number): Promise<boolean> {
    try {
      return await this.tracker.client.flush(timeoutMs);
    } catch {
      return false;
    }
  }

  #helperFor(req: PirschRequest): RequestHelper | undefined {
    try {
      const ctx = requestContextOf(req);
      if (ctx === undefined) return undefined;
      // Keyed by the Node request (ctx.req), the same for the platform's request and the one under
      // it; ctx.raw is a fresh view each call.
      let helper = this.#helpers.get(ctx.req);
      if (helper === undefined) {
        helper = this.tracker.helper(ctx);
        this.#helpers.set(ctx.req, helper);
      }
      return helper;
    } catch {
      return undefined;
    }
  }
}
