import type { RequestHelper } from './tracking.js';
import type { EventOptions } from './types.js';

/**
 * What the request listeners that track in front of an app (core's `withPirsch`,
 * @pirsch-node/express's) share, across packages and their copies, through the global symbol
 * registry: a flag set once one exists, and a brand on their `req.pirsch`'s class. A wrapper steps
 * aside for a request an outer one tracks, and the Express middleware for one a wrapper tracks (it
 * looks only while the flag is set).
 */
const WRAPPER_IN_USE = Symbol.for('@pirsch-node: a withPirsch exists');
const WRAPPER_HELPER = Symbol.for('@pirsch-node: withPirsch helper');

/** Says a wrapper exists in this process: from now on `trackedByWrapper` looks at requests. */
export function markWrapperInUse(): void {
  (globalThis as Record<symbol, unknown>)[WRAPPER_IN_USE] = true;
}

/** True for the `req.pirsch` of a wrapper (a `WrapperHelper` of any copy of core). */
export function isWrapperHelper(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WRAPPER_HELPER] === true;
}

/**
 * True for a request a wrapper tracks already (its `req.pirsch` is a `WrapperHelper`). Reads
 * nothing of the request while no wrapper exists in the process.
 */
export function trackedByWrapper(req: object): boolean {
  return (globalThis as Record<symbol, unknown>)[WRAPPER_IN_USE] === true && isWrapperHelper((req as { pirsch?: unknown }).pirsch);
}

/** `req.pirsch` of every wrapper: one class for all of them, branded, so each recognises the others'. */
export class WrapperHelper implements RequestHelper {
  readonly #helper: RequestHelper;

  constructor(helper: RequestHelper) {
    this.#helper = helper;
  }

  event(name: string, options?: EventOptions): void {
    this.#helper.event(name, options);
  }

  session(): void {
    this.#helper.session();
  }
}
Object.defineProperty(WrapperHelper.prototype, WRAPPER_HELPER, { value: true });
