import { onAbort, signalAborted } from './runtime.js';
import { PirschApiError, PirschNetworkError } from './errors.js';

/** Statuses worth another try: timeouts, rate limits and server errors. Other 4xx are final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** True for errors a later attempt may not see: network failures, timeouts, 408, 429 and 5xx. */
export function isRetryableError(error: unknown): boolean {
  // A closed client will not open again, and an aborted request was ended on purpose: no point in waiting.
  if (error instanceof PirschNetworkError) return error.code !== 'CLIENT_CLOSED' && error.code !== 'ABORTED';
  return error instanceof PirschApiError && isRetryableStatus(error.status);
}

/**
 * Parses a `Retry-After` header, either delay-seconds or an HTTP date, into milliseconds from now.
 * Returns undefined when absent or unparsable.
 *
 * @example parseRetryAfter('2') // 2000
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The longest `Retry-After` honoured (5 minutes); a longer one is treated as this. */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The wait before retry number `attempt` (1-based): exponential backoff with jitter between half
 * and the whole of `min * 2^(attempt-1)`, capped at `max`; never shorter than the server's
 * `Retry-After` (itself capped at `MAX_RETRY_AFTER_MS`).
 */
export function retryDelay(attempt: number, min: number, max: number, retryAfterMs?: number, random = Math.random): number {
  const exponential = Math.min(max, min * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.max(jittered, retryAfterWait(retryAfterMs));
}

/** The wait a `Retry-After` asks for, capped at `MAX_RETRY_AFTER_MS`; 0 without one. */
export function retryAfterWait(retryAfterMs: number | undefined): number {
  return Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
}

/**
 * A promise that resolves `true` after `ms`, or `false` as soon as `signal` aborts (at once if it
 * already has). Ref'd: the caller awaits it (an API call's retry), so the process must wait too.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signalAborted(signal)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (slept: boolean) => {
      clearTimeout(timer);
      unlisten();
      resolve(slept);
    };
    const timer = setTimeout(() => done(true), ms);
    const unlisten = onAbort(signal, () => done(false));
  });
}
