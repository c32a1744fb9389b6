import { PirschApiError, PirschDropError, type PirschError } from './errors.js';
import type { PirschLogger } from './types.js';
import { unrefTimer } from './runtime.js';

/** Identical failures within this window are reported once. */
const REPEAT_WINDOW_MS = 10_000;
/** Drops are summed and reported at most this often per reason. */
const DROP_REPORT_MS = 1000;
/** Distinct messages of refused items reported per period; the rest are summed under one report. */
const REFUSAL_KINDS = 10;

/**
 * Brings failures to `onError` (or, without one, the logger's `warn`) a bounded number of times:
 * identical failures are collapsed for a while, drops are summed per reason (items the API refused
 * per message), and refused credentials are reported once until a request gets through again. A
 * throwing `onError` is contained.
 */
export class ErrorReporter {
  readonly #onError: ((error: PirschError) => void) | undefined;
  readonly #logger: PirschLogger | undefined;
  readonly #lastReported = new Map<string, number>();
  readonly #drops = new Map<PirschDropError['reason'], number>();
  /** Items the API refused, summed per message (the item's index taken out of its fields). */
  readonly #refusals = new Map<string, { count: number; validation: Record<string, string> }>();
  #dropTimer: NodeJS.Timeout | undefined;
  #authReported = false;

  constructor(onError: ((error: PirschError) => void) | undefined, logger: PirschLogger | undefined) {
    this.#onError = onError;
    this.#logger = logger;
  }

  /** Reports a delivery failure, unless an identical one was reported moments ago. */
  failure(error: PirschError): void {
    if (error instanceof PirschApiError && (error.status === 401 || error.status === 403)) {
      if (this.#authReported) return;
      this.#authReported = true;
    } else {
      const key = `${error.name}:${(error as { status?: number }).status ?? (error as { code?: string }).code ?? ''}:${(error as { request?: string }).request ?? ''}`;
      const now = Date.now();
      const last = this.#lastReported.get(key);
      if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
      this.#lastReported.set(key, now);
    }
    this.#emit(error);
  }

  /** A request got through: refused credentials will be reported again if they come back. */
  authenticated(): void {
    this.#authReported = false;
  }

  /** Counts dropped items; they are reported together shortly after. */
  dropped(reason: PirschDropError['reason'], count: number): void {
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + count);
    this.#dropTimer ??= unrefTimer(setTimeout(() => this.flushDrops(), DROP_REPORT_MS));
  }

  /**
   * Counts items the API refused as invalid, with its answer to the request that held only them;
   * they are reported together shortly after, one report per distinct message.
   */
  refused(count: number, error: PirschApiError): void {
    // `3.tags` in a batch's answer is the item's `tags`: the index would keep equal problems apart.
    const validation: Record<string, string> = {};
    for (const [field, message] of Object.entries(error.validation)) validation[field.replace(/^\d+(\.|$)/, '') || 'item'] = message;
    const fields = Object.entries(validation).map(([field, message]) => `${field}: ${message}`);
    this.invalid(count, `the API refused ${count === 1 ? 'it' : 'them'} (${error.status})${fields.length > 0 ? `: ${fields.join('; ')}` : error.error.length > 0 ? `: ${error.error.join('; ')}` : ''}`, validation);
  }

  /**
   * Counts items dropped as invalid for a reason of their own (an event without a name, one the
   * API refused), reported together shortly after, one report per distinct `detail`.
   */
  invalid(count: number, detail: string, validation: Record<string, string>): void {
    if (!this.#refusals.has(detail) && this.#refusals.size >= REFUSAL_KINDS) detail = 'the API refused them, for other reasons too';
    const summed = this.#refusals.get(detail);
    if (summed) summed.count += count;
    else this.#refusals.set(detail, { count, validation });
    this.#dropTimer ??= unrefTimer(setTimeout(() => this.flushDrops(), DROP_REPORT_MS));
  }

  /** Reports the drops counted so far at once (on flush and close). */
  flushDrops(): void {
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = undefined;
    const drops = [...this.#drops];
    const refusals = [...this.#refusals];
    this.#drops.clear();
    this.#refusals.clear();
    for (const [reason, count] of drops) this.#emit(new PirschDropError(reason, count, DROP_DETAILS[reason]));
    for (const [detail, { count, validation }] of refusals) this.#emit(new PirschDropError('invalid', count, detail, validation));
  }

  #emit(error: PirschError): void {
    try {
      if (this.#onError) this.#onError(error);
      else (this.#logger?.warn ?? console.warn).call(this.#logger ?? console, `[pirsch] ${error.message}`);
    } catch {
      // A failing error handler must not break delivery.
    }
  }
}

const DROP_DETAILS: Record<PirschDropError['reason'], string> = {
  'queue-full': 'maxQueueSize reached; the oldest waiting items were dropped',
  invalid: 'url, ip or user_agent (or the event name) was missing or not a string',
  closed: 'the client was closed',
  exiting: 'the process was exiting: the script ended and they could not be delivered within 10 s (is the API reachable?)',
  failed: 'delivery failed for good',
};
