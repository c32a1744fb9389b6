/**
 * True for a request of an Express app that trusts no proxy and leaves `req.ip` and
 * `req.protocol` to Express: its `trust proxy` setting is `false` (the default, compiled to
 * proxy-addr's `trustNone`), and both getters are Express's own (the request defines neither
 * itself, nor does the app's `app.request`). Then `req.ip` is the socket's address and
 * `req.protocol` the socket's, and an adapter need not call those getters: `req.ip` parses
 * `X-Forwarded-For` through proxy-addr on every call, about a microsecond of an Express app's
 * request. Reads `app` where Express defines it, on the request's prototype (the app, or the
 * mounted sub-app, whose request this is, as the getters find it). False for anything else (another `trust proxy`, a custom `trust proxy fn`, an `ip` or
 * `protocol` the app defines, a request of no Express app), and never throws.
 *
 * @example
 * ```ts
 * const ip = expressTrustsNoProxy(req) ? req.socket.remoteAddress : req.ip;
 * ```
 */
export function expressTrustsNoProxy(req: unknown): boolean {
  try {
    // `app` from the request's prototype (the app's `app.request`, where Express defines it), not
    // `req.app`: every Express request has a hidden class of its own, and a read through it misses
    // V8's caches (about 0.55 µs against 0.08 through the prototype, which is the same object for
    // every request of the app).
    const prototype = req !== null && typeof req === 'object' ? (Object.getPrototypeOf(req) as { app?: { settings?: Record<string, unknown> } } | null) : null;
    const settings = prototype?.app?.settings;
    if (settings == null || settings['trust proxy'] !== false) return false;
    const compiled = settings['trust proxy fn'];
    if (typeof compiled !== 'function' || compiled.name !== 'trustNone') return false;
    return hasExpressGetters(req as object);
  } catch {
    return false;
  }
}

/** Per request prototype: whether `ip` and `protocol` are the getters of Express's own request. */
const stockPrototypes = new WeakMap<object, boolean>();

/**
 * `ip` and `protocol` are neither the request's own properties nor defined anywhere but on
 * Express's request object: the one that also defines Express's `accepts`, `is` and `xhr` (an
 * app's `app.request`, and a mounted sub-app's, only add `app` on top of it; an override of `ip`
 * there, or on the request, is the app's).
 */
function hasExpressGetters(req: object): boolean {
  if (Object.prototype.hasOwnProperty.call(req, 'ip') || Object.prototype.hasOwnProperty.call(req, 'protocol')) return false;
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === null) return false;
  let stock = stockPrototypes.get(prototype);
  if (stock === undefined) {
    const express = definedOn(prototype, 'ip');
    stock =
      express !== null &&
      definedOn(prototype, 'protocol') === express &&
      ['accepts', 'is', 'xhr'].every((key) => Object.prototype.hasOwnProperty.call(express, key));
    stockPrototypes.set(prototype, stock);
  }
  return stock;
}

/** The object on `start`'s prototype chain (itself included) that defines `key`. */
function definedOn(start: object, key: string): object | null {
  for (let at: object | null = start; at !== null; at = Object.getPrototypeOf(at) as object | null) {
    if (Object.prototype.hasOwnProperty.call(at, key)) return at;
  }
  return null;
}

/**
 * A base for an adapter's request context whose `ip` and `protocol` are the ones the framework
 * resolved with its trust-proxy setting (`source.ip`, `source.protocol`: Express's request, a
 * `FastifyRequest`), read only when a hit is built. While the Express app trusts no proxy
 * (`expressTrustsNoProxy`, asked once for both) they are undefined, so core takes the socket's,
 * which is what Express's getters would give, without their parsing. A getter that throws or
 * gives no string also counts as undefined. Used by the Express adapter and the Nest module.
 */
export class ResolvedAddressContext {
  readonly #source: object;
  #trustsNoProxy: boolean | undefined;

  constructor(source: object) {
    this.#source = source;
  }

  #noProxy(): boolean {
    return (this.#trustsNoProxy ??= expressTrustsNoProxy(this.#source));
  }

  get ip(): string | undefined {
    return this.#noProxy() ? undefined : resolvedString(this.#source, 'ip');
  }

  get protocol(): string | undefined {
    return this.#noProxy() ? undefined : resolvedString(this.#source, 'protocol');
  }
}

/** A non-empty string the framework computed (Express's `ip` and `protocol` are getters); undefined if reading it fails. */
function resolvedString(source: object, key: 'ip' | 'protocol'): string | undefined {
  try {
    const value: unknown = (source as Record<string, unknown>)[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}
