/**
 * Which requests a fault applies to: `ingest` (hit, event and session, single and batch), `token`
 * (`POST /api/v1/token`), `api` (statistics, management and unknown paths) or `all`.
 */
export type FaultScope = 'ingest' | 'token' | 'api' | 'all';

/** The scope of one request: every scope but `all`. */
export type RequestScope = Exclude<FaultScope, 'all'>;

/** Options every fault takes. */
export interface FaultOptions {
  /** Which requests the fault consumes. Default `ingest`. */
  scope?: FaultScope;
}

/** Options of `failNext`. */
export interface FailOptions extends FaultOptions {
  /** The status to answer with. Default 503. */
  status?: number;
  /**
   * The `Retry-After` header: seconds (a number), an HTTP date (a `Date`), or a string sent as it is
   * (which lets a test send a malformed header on purpose). No header when omitted.
   */
  retryAfter?: number | string | Date;
}

/** What the emulator does instead of answering normally. */
export type Fault =
  | { kind: 'fail'; status: number; retryAfter: string | undefined }
  | { kind: 'hang' }
  | { kind: 'reset' };

interface PlannedFault {
  fault: Fault;
  scope: FaultScope;
  remaining: number;
}

const SCOPES: readonly FaultScope[] = ['ingest', 'token', 'api', 'all'];

/**
 * Faults scripted by a test, in the order they were asked for. Each matching request consumes one:
 * a request takes the first planned fault whose scope covers it.
 */
export class FaultPlan {
  #planned: PlannedFault[] = [];

  /** Plans `count` requests of `options.scope` to be answered with `fault`. */
  add(fault: Fault, count: number, options: FaultOptions = {}): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${String(count)}`);
    }
    const scope = options.scope ?? 'ingest';
    if (!SCOPES.includes(scope)) {
      throw new RangeError(`scope must be one of ${SCOPES.join(', ')}, got ${String(scope)}`);
    }
    if (count > 0) this.#planned.push({ fault, scope, remaining: count });
  }

  /** Consumes and returns the fault for a request of `scope`, if one is planned. */
  take(scope: RequestScope): Fault | undefined {
    const index = this.#planned.findIndex((planned) => planned.scope === 'all' || planned.scope === scope);
    const planned = this.#planned[index];
    if (!planned) return undefined;
    planned.remaining -= 1;
    if (planned.remaining === 0) this.#planned.splice(index, 1);
    return planned.fault;
  }

  /** Requests that will still be faulted. */
  get pending(): number {
    return this.#planned.reduce((sum, planned) => sum + planned.remaining, 0);
  }

  /** Forgets every planned fault. */
  clear(): void {
    this.#planned = [];
  }
}

/** Builds the `fail` fault of `failNext`, checking its options. */
export function failFault(options: FailOptions = {}): Fault {
  const status = options.status ?? 503;
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(`status must be an integer from 400 to 599, got ${String(status)}`);
  }
  return { kind: 'fail', status, retryAfter: retryAfterHeader(options.retryAfter) };
}

function retryAfterHeader(retryAfter: FailOptions['retryAfter']): string | undefined {
  if (retryAfter === undefined) return undefined;
  if (retryAfter instanceof Date) return retryAfter.toUTCString();
  if (typeof retryAfter === 'number') {
    if (!Number.isFinite(retryAfter) || retryAfter < 0) {
      throw new RangeError(`retryAfter must be a non-negative number of seconds, got ${String(retryAfter)}`);
    }
    return String(Math.ceil(retryAfter));
  }
  return retryAfter;
}
