import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHelper } from '@pirsch-node/core';

/**
 * Where `req.pirsch` lives on an Express request.
 *
 * Express gives every request its app's prototype (`Object.setPrototypeOf(req, app.request)`), and
 * V8 adds a property to an object whose prototype was swapped far more slowly than to one whose
 * was not: about 3 µs against 40 ns on the machine this was measured on, once per request. So on
 * such a request the helper is not added to the request at all: `pirsch` is an accessor on the
 * prototype every Express app's `app.request` inherits from (Express's own request object, the one
 * just above `IncomingMessage.prototype`), defined once. A sub-app's requests inherit it too,
 * before, in and after the sub-app; an assignment to `req.pirsch` goes through the accessor as well.
 *
 * **On the socket, not in a WeakMap.** The request's context (which makes its helper on first use)
 * is kept on its socket, a plain Node socket of one shape for all, in one field written once per
 * request: the socket's current request. A WeakMap entry per request, as before, cost CPU on every
 * request and, worse, garbage-collection time: with it, the running bench app spent about 70 % more
 * time collecting garbage than bare Express, in longer pauses, and Express's p99 latency rose by 9
 * to 14 ms. The socket holds its last request until the next one on the connection (or until the
 * socket itself is gone), no longer.
 *
 * Only where the socket is the request's own for now (Node has given it the response to write:
 * `socket._httpMessage === res`). A pipelined request whose response waits behind another's, a
 * request without a real socket (HTTP/2's compatibility API, a test's fake), and a request outside
 * Express's prototypes keep the WeakMap (or an own property) as before: slower, the same answers.
 *
 * **After the connection moved on.** A handler may read `req.pirsch` after its response was sent,
 * e.g. after an awaited database write, and by then the connection may carry the next request. The
 * accessor then builds a helper for the request from the tracker of its app (each middleware
 * registers itself for the app prototypes it meets; a sub-app's parents are looked up too) and
 * keeps that one in the WeakMap, a rare path. So `req.pirsch` works on any request of an app that
 * uses the middleware, also in a route mounted before it; before any middleware met a request it
 * is undefined, as without the accessor.
 *
 * The slot (the WeakMap, the registry, the accessor) is shared through the global symbol registry,
 * so two copies of this package in one process (two versions in node_modules) read and write the
 * same helpers.
 */

/** What a middleware leaves on the socket for the request whose response the socket is writing. */
export interface SocketEntry {
  readonly req: object;
  /** Who made this entry (the middleware's tracker): the same middleware met again steps aside. */
  readonly owner: object;
  /** `req.pirsch` while this request is its socket's current one. */
  helper(): unknown;
  /** `req.pirsch = value` while this request is its socket's current one. */
  assign(value: unknown): void;
}

/** Builds a helper for a request (of an app the middleware met) that its connection has moved past. */
export type Latecomer = (req: object) => RequestHelper;

interface Slot {
  /** Helpers not on a socket: assigned, pipelined, socketless, or built for a latecomer. */
  readonly helpers: WeakMap<object, unknown>;
  /** Per app request prototype: the latecomer of the middleware that last met its requests. */
  readonly latecomers: WeakMap<object, Latecomer>;
  /** Whether `req.pirsch` was ever assigned or kept in the WeakMap: until then no request is looked up there. */
  mapped: boolean;
  readonly get: (this: object) => unknown;
  readonly set: (this: object, helper: unknown) => void;
}

/** v2: the socket entry and the registry are new; a copy of the package from before keeps its own accessor (and its own properties). */
const REGISTRY = Symbol.for('@pirsch-node/express: req.pirsch v2');
const ON_SOCKET = Symbol.for('@pirsch-node/express: request on socket');
/** The entry's request, also on the socket: asking whether the entry is a request's own reads no older object. */
const REQUEST_ON_SOCKET = Symbol.for('@pirsch-node/express: request of the entry on socket');

type EntrySocket = Socket & { [ON_SOCKET]?: SocketEntry | undefined; [REQUEST_ON_SOCKET]?: object | undefined; _httpMessage?: unknown };

/** The entry of `req` on its socket, if the socket's current request is `req`. */
function entryOf(req: object): SocketEntry | undefined {
  const socket = (req as { socket?: EntrySocket | null }).socket;
  return socket != null && socket[REQUEST_ON_SOCKET] === req ? socket[ON_SOCKET] : undefined;
}

type AppRequest = { app?: { parent?: { request?: object } } } | null;

/** The request prototype of the app that mounted `prototype`'s app (Express sets `app.parent`), if any. */
function parentPrototype(prototype: object): object | null {
  try {
    return (prototype as AppRequest)?.app?.parent?.request ?? null;
  } catch {
    return null;
  }
}

/** The latecomer for `req`: its app's or, for a sub-app's request, its parents'. */
function latecomerOf(slot: Slot, req: object): Latecomer | undefined {
  let prototype = Object.getPrototypeOf(req) as object | null;
  for (let depth = 0; prototype !== null && depth < 16; depth++) {
    const latecomer = slot.latecomers.get(prototype);
    if (latecomer !== undefined) return latecomer;
    prototype = parentPrototype(prototype);
  }
  return undefined;
}

function sharedSlot(): Slot {
  const registry = globalThis as unknown as Record<symbol, Slot | undefined>;
  const existing = registry[REGISTRY];
  if (existing) return existing;
  const slot: Slot = {
    helpers: new WeakMap(),
    latecomers: new WeakMap(),
    mapped: false,
    get() {
      const entry = entryOf(this);
      if (entry !== undefined) return entry.helper();
      if (slot.mapped) {
        const kept = slot.helpers.get(this);
        if (kept !== undefined || slot.helpers.has(this)) return kept;
      }
      // Moved past only once its response was sent: a request still answering is not on its
      // socket because no middleware met it (a route before the middleware, an app without it).
      if ((this as { res?: { finished?: unknown } | null }).res?.finished !== true) return undefined;
      const latecomer = latecomerOf(slot, this);
      if (latecomer === undefined) return undefined;
      try {
        const helper = latecomer(this);
        slot.mapped = true;
        slot.helpers.set(this, helper);
        return helper;
      } catch {
        return undefined;
      }
    },
    set(helper) {
      // Kept in the WeakMap as well, for after the connection has moved on.
      entryOf(this)?.assign(helper);
      slot.mapped = true;
      slot.helpers.set(this, helper);
    },
  };
  Object.defineProperty(registry, REGISTRY, { value: slot });
  return slot;
}

const slot = sharedSlot();

/** Per prototype a request has: whether its requests find their helper through the accessor (true) or as an own property (false). */
const throughAccessor = new WeakMap<object, boolean>();

/**
 * Defines the accessor on the object just above `IncomingMessage.prototype` in `prototype`'s chain
 * (Express's request object), unless that object is not there or has a `pirsch` of its own that is
 * not this accessor. True when requests with this prototype can keep their helper off the request.
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

/** Whether requests with this prototype find their helper through the accessor, the accessor defined if needed. */
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

/**
 * The socket `req` can keep its entry on: its own socket, while that socket is writing `res` (see
 * above), for a request with Express's accessor. Undefined otherwise: the request keeps its helper
 * with `attachHelper`.
 */
export function entrySocketOf(req: object, res: object): EntrySocket | undefined {
  if (!viaAccessor(req)) return undefined;
  const socket = (req as { socket?: EntrySocket | null }).socket;
  return socket != null && socket._httpMessage === res ? socket : undefined;
}

/**
 * Whether the request on `socket` was met already by the middleware that owns `owner`: its entry
 * there, or (a request first met while pipelined) a helper of its in the WeakMap that `isOwn` knows.
 */
export function metBefore(socket: EntrySocket, req: object, owner: object, isOwn: (value: unknown) => boolean): boolean {
  if (socket[REQUEST_ON_SOCKET] === req) return socket[ON_SOCKET]?.owner === owner;
  return slot.mapped && isOwn(slot.helpers.get(req));
}

// The last prototype and latecomer registered: each request of an app with one middleware finds them so.
let registeredPrototype: object | undefined;
let registeredLatecomer: Latecomer | undefined;

/**
 * Makes `entry` its socket's current request (so `req.pirsch` is `entry.helper()`), and registers
 * `latecomer` for the request's app. Reads the peer address once per socket, so an event sent
 * after the connection closed still has its IP (Node caches it on the socket).
 */
export function putOnSocket(socket: EntrySocket, entry: SocketEntry, latecomer: Latecomer): void {
  // An assignment before the middleware is replaced by the middleware's helper, also once the
  // connection has moved on.
  if (slot.mapped) slot.helpers.delete(entry.req);
  // The socket's first entry: Node caches the peer address on the socket from now on.
  if (socket[ON_SOCKET] === undefined) void socket.remoteAddress;
  socket[ON_SOCKET] = entry;
  socket[REQUEST_ON_SOCKET] = entry.req;
  // viaAccessor (in entrySocketOf) has just seen this request's prototype.
  const prototype = lastPrototype as object;
  if (prototype !== registeredPrototype || latecomer !== registeredLatecomer) {
    // Its parent apps' too (unless a middleware of theirs is registered): a request leaves a
    // sub-app with its parent's prototype again.
    slot.latecomers.set(prototype, latecomer);
    for (let above = parentPrototype(prototype), depth = 0; above !== null && depth < 16; above = parentPrototype(above), depth++) {
      if (!slot.latecomers.has(above)) slot.latecomers.set(above, latecomer);
    }
    registeredPrototype = prototype;
    registeredLatecomer = latecomer;
  }
}

/** Puts the helper on a request that cannot keep it on its socket as `req.pirsch`; never throws. */
export function attachHelper(req: object, helper: unknown): void {
  if (viaAccessor(req)) {
    slot.mapped = true;
    slot.helpers.set(req, helper);
  } else (req as { pirsch?: unknown }).pirsch = helper;
}

/**
 * `req.pirsch` as the middleware finds it when the request arrives, for a request that cannot keep
 * its helper on its socket, without a property read on the request where the WeakMap has it.
 */
export function helperOf(req: object): unknown {
  if (!viaAccessor(req)) return (req as { pirsch?: unknown }).pirsch;
  // Met on its socket before, which has not served another tracked request since.
  const entry = entryOf(req);
  if (entry !== undefined) return entry.helper();
  return slot.mapped ? slot.helpers.get(req) : undefined;
}
