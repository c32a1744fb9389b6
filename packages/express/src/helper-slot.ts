import { IncomingMessage } from 'node:http';
import type { RequestHelper } from '@pirsch-node/core';

/**
 * Where `req.pirsch` lives on an Express request.
 *
 * Express gives every request its app's prototype (`Object.setPrototypeOf(req, app.request)`), and
 * V8 adds a property to an object whose prototype was swapped far more slowly than to one whose
 * was not: about 3 µs against 40 ns on the machine this was measured on, once per request, most of
 * what the Express adapter cost over Koa's in a CPU profile of the running app. So on such a
 * request the helper is not added to the request at all: it is kept in a WeakMap, and `pirsch` is
 * an accessor on the prototype every Express app's `app.request` inherits from (Express's own
 * request object, the one just above `IncomingMessage.prototype`), defined once. A sub-app's
 * requests inherit it too, before, in and after the sub-app; an assignment to `req.pirsch` goes
 * through the accessor as well. A request with a prototype of its own that is not Express's (or
 * none) gets an own property as before. (Whether the request has an own `pirsch` is not asked: that
 * costs about 0.35 µs on an Express request, and only `Object.defineProperty` can give it one once
 * the accessor is there; such a property would hide the helper.)
 *
 * The WeakMap and the accessor are shared through the global symbol registry, so two copies of this
 * package in one process (two versions in node_modules) read and write the same helpers.
 */
interface Slot {
  readonly helpers: WeakMap<object, RequestHelper>;
  readonly get: (this: object) => RequestHelper | undefined;
  readonly set: (this: object, helper: RequestHelper) => void;
}

const REGISTRY = Symbol.for('@pirsch-node/express: req.pirsch');

function sharedSlot(): Slot {
  const registry = globalThis as unknown as Record<symbol, Slot | undefined>;
  const existing = registry[REGISTRY];
  if (existing) return existing;
  const helpers = new WeakMap<object, RequestHelper>();
  const slot: Slot = {
    helpers,
    get() {
      return helpers.get(this);
    },
    set(helper) {
      helpers.set(this, helper);
    },
  };
  Object.defineProperty(registry, REGISTRY, { value: slot });
  return slot;
}

const slot = sharedSlot();

/** Per prototype a request has: whether its requests keep the helper in the WeakMap (true) or as an own property (false). */
const throughAccessor = new WeakMap<object, boolean>();

/**
 * Defines the accessor on the object just above `IncomingMessage.prototype` in `prototype`'s chain
 * (Express's request object), unless that object is not there or has a `pirsch` of its own that is
 * not this accessor. True when requests with this prototype can keep their helper in the WeakMap.
 */
function accessorFor(prototype: object): boolean {
  if (prototype === IncomingMessage.prototype) return false;
  let base: object = prototype;
  for (;;) {
    const above = Object.getPrototypeOf(base) as object | null;
    if (above === null) return false;
    if (above === IncomingMessage.prototype) break;
    base = above;
  }
  const own = Object.getOwnPropertyDescriptor(base, 'pirsch');
  if (own === undefined) {
    Object.defineProperty(base, 'pirsch', { get: slot.get, set: slot.set, configurable: true, enumerable: false });
    return true;
  }
  return own.get === slot.get;
}

// The last prototype asked about and its answer: an app's requests all have the same one, and
// comparing it costs less than a WeakMap lookup.
let lastPrototype: object | undefined;
let lastAccessor = false;

/** Whether requests with this prototype keep their helper in the WeakMap, the accessor defined if needed. */
function viaAccessor(req: object): boolean {
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === null) return false;
  if (prototype === lastPrototype) return lastAccessor;
  let accessor = throughAccessor.get(prototype);
  if (accessor === undefined) {
    accessor = accessorFor(prototype);
    throughAccessor.set(prototype, accessor);
  }
  lastPrototype = prototype;
  lastAccessor = accessor;
  return accessor;
}

/** Puts the helper on the request as `req.pirsch`; never throws. */
export function attachHelper(req: object, helper: RequestHelper): void {
  if (viaAccessor(req)) slot.helpers.set(req, helper);
  else (req as { pirsch?: RequestHelper }).pirsch = helper;
}

/**
 * `req.pirsch` as the middleware finds it when the request arrives, read from the WeakMap where
 * it lives there, without a property read on the request (each costs a cache miss, see
 * `readOnceView` in core).
 */
export function helperOf(req: object): unknown {
  if (viaAccessor(req)) return slot.helpers.get(req);
  return (req as { pirsch?: unknown }).pirsch;
}
