import type { IncomingMessage, ServerResponse } from 'node:http';
import { ResolvedAddressContext } from './express-trust-proxy.js';
import { readOnceView } from './request-view.js';
import type { RequestContext, RequestHelper, Tracker } from './tracking.js';
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
  return wrapperHelperOf(req) !== undefined;
}

/**
 * The `req.pirsch` of the wrapper that tracks this request already, for an adapter to hand on as
 * its own helper (`ctx.state.pirsch`, `request.pirsch`); undefined when none does. Reads nothing
 * of the request while no wrapper exists in the process.
 */
export function wrapperHelperOf(req: object): RequestHelper | undefined {
  if ((globalThis as Record<symbol, unknown>)[WRAPPER_IN_USE] !== true) return undefined;
  const helper = (req as { pirsch?: unknown }).pirsch;
  return isWrapperHelper(helper) ? (helper as RequestHelper) : undefined;
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

/** A request listener (or Express's `handle`): the request and the response first, whatever follows passed on as it came. */
export type FrontListener = (this: unknown, req: IncomingMessage, res: ServerResponse, ...rest: never[]) => unknown;

/**
 * What every wrapper is: `listener` with each request started in front of it (`startInFront`),
 * called with the same `this` and every argument (mounted inside an Express app by mistake, a
 * sub-app still gets `next`), its return value returned and what it throws thrown. Says a
 * wrapper exists (`markWrapperInUse`).
 */
export function inFrontOf<Req, Res, L extends FrontListener>(tracker: Tracker<Req, Res>, listener: L, Context: FrontContextClass<Req, Res>): L {
  markWrapperInUse();
  function pirschInFront(this: unknown, req: IncomingMessage, res: ServerResponse): unknown {
    startInFront(tracker, req, res, Context);
    return listener.apply(this, arguments as unknown as Parameters<L>);
  }
  return pirschInFront as unknown as L;
}

/** Builds a wrapper's request context from a request fresh from the server. */
export type FrontContextClass<Req, Res> = new (req: IncomingMessage, res: ServerResponse) => RequestContext<Req, Res>;

/**
 * Starts tracking a request from in front of an app, as every wrapper does: sets `req.pirsch` (a
 * `WrapperHelper`) and has the tracker record the response when it is done. Steps aside for a
 * request someone tracks already (`req.pirsch` defined): an outer wrapper of any kind, or, where
 * a wrapper was mounted inside an app by mistake, that app's middleware. On a request fresh from
 * the server `pirsch` is simply absent. Never throws.
 */
export function startInFront<Req, Res>(tracker: Tracker<Req, Res>, req: IncomingMessage, res: ServerResponse, Context: FrontContextClass<Req, Res>): void {
  try {
    if ((req as { pirsch?: unknown }).pirsch !== undefined) return;
    tracker.prepareResponse(res);
    const ctx = new Context(req, res);
    // An own property, added before a framework swaps the request's prototype (Express does),
    // costs what it costs on any Node request; after the swap it would cost microseconds.
    (req as IncomingMessage & { pirsch: RequestHelper }).pirsch = new WrapperHelper(tracker.helper(ctx));
    tracker.trackWhenDone(ctx, res);
  } catch {
    // never into the app: analytics must not fail a request
  }
}

/**
 * The context of a request an Express app (or Nest on platform-express) will handle, taken in
 * front of it: the URL as it arrived, the headers and the socket read once now (cheap on a Node
 * request, a cache miss each on an Express one: see `readOnceView`). `ip` and `protocol` are
 * Express's, asked when the hit is built, after Express handled the request
 * (`ResolvedAddressContext`, so `trust proxy` applies).
 */
export class FrontRequestContext<Req = IncomingMessage, Res = ServerResponse> extends ResolvedAddressContext implements RequestContext<Req, Res> {
  readonly raw: IncomingMessage;
  readonly req: Req;
  readonly res: Res;
  readonly path: string | undefined;

  constructor(req: IncomingMessage, res: ServerResponse) {
    super(req);
    this.raw = readOnceView(req, req.headers, req.socket);
    this.req = req as Req;
    this.res = res as Res;
    // Mounted inside an Express app by mistake: Express's originalUrl, with the mount path.
    this.path = (req as { originalUrl?: string }).originalUrl ?? req.url;
  }
}
