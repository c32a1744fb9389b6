/**
 * Every error the library produces is a `PirschError`; each kind has its own exported class so
 * callers can `instanceof` them. No error message, property or `toString()` ever contains the
 * client secret or an access token.
 */
export class PirschError extends Error {
  override name = 'PirschError';
}

/** An option passed to `createClient` or an adapter is missing or invalid. Thrown at configuration time. */
export class PirschConfigError extends PirschError {
  override name = 'PirschConfigError';
  /** The name of the offending option, e.g. `clientSecret` or `baseUrl`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`Invalid Pirsch option "${option}": ${message}`);
    this.option = option;
  }
}

/** The API answered with a non-2xx status. `validation` and `error` are as the API's error JSON has them. */
export class PirschApiError extends PirschError {
  override name = 'PirschApiError';
  readonly status: number;
  readonly validation: Record<string, string>;
  readonly error: string[];
  /** The request that failed, as `METHOD /path` (never a query string or a body). */
  readonly request: string;
  /** The wait the API asked for with `Retry-After`, in ms (429 and 503). */
  readonly retryAfterMs: number | undefined;
  constructor(
    status: number,
    body: { validation?: Record<string, string>; error?: string[] } | undefined,
    request: string,
    retryAfterMs?: number,
  ) {
    const validation = body?.validation ?? {};
    const error = body?.error ?? [];
    const details = [...error, ...Object.entries(validation).map(([field, message]) => `${field}: ${message}`)];
    super(`Pirsch API answered ${status} to ${request}${details.length ? `: ${details.join('; ')}` : ''}`);
    this.status = status;
    this.validation = validation;
    this.error = error;
    this.request = request;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request did not get an answer: connection refused or reset, DNS failure, or a timeout. */
export class PirschNetworkError extends PirschError {
  override name = 'PirschNetworkError';
  /** The underlying error code, e.g. `ECONNRESET`, `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`. */
  readonly code: string | undefined;
  /** True when the request timed out (`timeoutMs`). */
  readonly timeout: boolean;
  readonly request: string;
  constructor(request: string, code: string | undefined, timeout: boolean, message?: string) {
    super(`Pirsch API request ${request} failed: ${timeout ? 'timed out' : (message ?? code ?? 'network error')}`);
    this.code = code;
    this.timeout = timeout;
    this.request = request;
  }
}

/** A read or management call was made with an access key, which can only send data. Rejected before any request. */
export class PirschAccessKeyError extends PirschError {
  override name = 'PirschAccessKeyError';
  constructor(call: string) {
    super(`${call} needs client credentials (clientId and clientSecret): access keys can only send hits, events and sessions`);
  }
}

/** Items were dropped instead of delivered. Reported through `onError` once per occasion, not once per item. */
export class PirschDropError extends PirschError {
  override name = 'PirschDropError';
  /** How many items this report covers. */
  readonly count: number;
  /** Why: the queue was full, the item was invalid, the client was closed, the process was exiting (a script ended and its items could not be delivered in time), or delivery failed for good. */
  readonly reason: 'queue-full' | 'invalid' | 'closed' | 'exiting' | 'failed';
  /**
   * For items the API refused: its validation message per field of the item (e.g.
   * `{ tags: 'at most 20 tags' }`); empty otherwise.
   */
  readonly validation: Record<string, string>;
  constructor(reason: PirschDropError['reason'], count: number, detail?: string, validation: Record<string, string> = {}) {
    super(`Pirsch dropped ${count} item${count === 1 ? '' : 's'} (${reason})${detail ? `: ${detail}` : ''}`);
    this.reason = reason;
    this.count = count;
    this.validation = validation;
  }
}
