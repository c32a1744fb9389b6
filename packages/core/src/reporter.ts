import { PirschApiError, PirschDropError, type PirschError } from './errors.js';
import type { PirschLogger } from './types.js';

/** Identical failures within this window are reported once. */
const REPEAT_WINDOW_MS = 10_000;
/** Drops are summed and reported at most this often per reason. */
const DROP_REPORT_MS = 1000;

/**
 * Brings failures to `onError` (or, without one, the logger's `warn`) a bounded number of times:
 * identical failures are collapsed for a while, drops are summed per reason, and bad credentials
 * are reported once until a token is obtained again. A throwing `onError` is contained.
 */
export class ErrorReporter {
  readonly #onError: ((error: PirschError) => void) | undefined;
  readonly #logger: PirschLogger | undefined;
  readonly #lastReported = new Map<string, number>();
  readonly #drops = new Map<PirschDropError['reason'], number>();
  #dropTimer: NodeJS.Timeout | undefined;
  #authReported = false;

  constructor(onError: ((error: PirschError) => void) | undefined, logger: PirschLogger | undefined) {
    this.#onError = onError;
    this.#logger = logger;
  }

  /** Reports a delivery failure, unless an identical one was reported moments ago. */
  failure(error: PirschError): void {
    if (error instanceof PirschApiError && error.request === 'POST /api/v1/token' && (error.status === 401 || error.status === 403)) {
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

  /** A token was obtained: wrong credentials will be reported again if they come back. */
  authenticated(): void {
    this.#authReported = false;
  }

  /** Counts dropped items; they are reported together shortly after. */
  dropped(reason: PirschDropError['reason'], count: number): void {
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + count);
    this.#dropTimer ??= setTimeout(() => this.flushDrops(), DROP_REPORT_MS).unref();
  }

  /** Reports the drops counted so far at once (on flush and close). */
  flushDrops(): void {
    if (this.#dropTimer) clearTimeout(this.#dropTimer);
    this.#dropTimer = undefined;
    const drops = [...this.#drops];
    this.#drops.clear();
    for (const [reason, count] of drops) this.#emit(new PirschDropError(reason, count, DROP_DETAILS[reason]));
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
  invalid: 'url, ip or user_agent (or the event name) was missing',
  closed: 'the client was closed, or the script ended before they could be delivered',
  failed: 'delivery failed for good',
};
