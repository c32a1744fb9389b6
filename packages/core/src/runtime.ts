// What differs between Node and the other server runtimes (workerd, Vercel Edge, Deno, Bun),
// reached without importing a `node:` built-in: the web entry (`@pirsch-node/core/web`) must load
// on workerd without compatibility flags, where `process`, `Buffer` and `node:events` are absent.

interface NodeProcessLike {
  on(event: 'beforeExit', listener: () => void): unknown;
  off(event: 'beforeExit', listener: () => void): unknown;
  nextTick(callback: () => void): void;
  getBuiltinModule?(id: string): unknown;
  versions?: { node?: string; bun?: string };
}

/**
 * Node's `process` (also Bun's and Deno's emulation of it); undefined on workerd and edge
 * runtimes. The Edge runtime of Next.js and Vercel (`EdgeRuntime` set) has a `process` stand-in
 * whose `on()` throws ("A Node.js API is used (process.on) which is not supported in the Edge
 * Runtime"): it has no process to hook, so it counts as none.
 */
export function nodeProcess(): NodeProcessLike | undefined {
  if (typeof (globalThis as { EdgeRuntime?: unknown }).EdgeRuntime === 'string') return undefined;
  const candidate = (globalThis as { process?: Partial<NodeProcessLike> }).process;
  return typeof candidate?.on === 'function' && typeof candidate.off === 'function' && typeof candidate.nextTick === 'function'
    ? (candidate as NodeProcessLike)
    : undefined;
}

/**
 * A timer that does not keep a Node process alive. Elsewhere a timer is a number (workerd, Deno)
 * and there is no process to hold, so there is nothing to do.
 */
export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => unknown }).unref?.();
  return timer;
}

type SetMaxListeners = (n: number, ...targets: EventTarget[]) => void;
let setMaxListenersFn: SetMaxListeners | null | undefined;

/**
 * Node warns (MaxListenersExceededWarning) when more than 10 listeners wait on one AbortSignal;
 * requests in flight and API calls waiting to retry all listen on the client's, which is no leak.
 * Other runtimes do not warn. `node:events` is reached through `process.getBuiltinModule` (Node
 * 20.16+, Bun, Deno), never imported, so the module loads where it does not exist.
 */
export function allowManyListeners(signal: AbortSignal): void {
  if (setMaxListenersFn === undefined) {
    setMaxListenersFn = null;
    try {
      const events = (globalThis as { process?: NodeProcessLike }).process?.getBuiltinModule?.('node:events') as { setMaxListeners?: SetMaxListeners } | undefined;
      if (typeof events?.setMaxListeners === 'function') setMaxListenersFn = events.setMaxListeners;
    } catch {
      // no such module here: nothing warns either
    }
  }
  try {
    setMaxListenersFn?.(0, signal);
  } catch {
    // a runtime whose emulation refuses a web AbortSignal: it has nothing to warn about
  }
}

interface BufferLike {
  from(text: string, encoding: 'utf8'): Uint8Array;
  allocUnsafeSlow(size: number): Uint8Array;
}
/** Node's `Buffer` (also Bun's and Deno's), where the runtime has one. */
const NodeBuffer = (() => {
  const found = (globalThis as { Buffer?: Partial<BufferLike> }).Buffer;
  return typeof found?.from === 'function' && typeof found.allocUnsafeSlow === 'function' ? (found as BufferLike) : undefined;
})();

/** UTF-8 bytes of a string: a Node `Buffer` where there is one (undici writes it as is), else a `Uint8Array`. */
export const utf8Bytes: (text: string) => Uint8Array = (() => {
  if (NodeBuffer !== undefined) return (text: string) => NodeBuffer.from(text, 'utf8');
  const encoder = new TextEncoder();
  return (text: string) => encoder.encode(text);
})();

/**
 * A UTF-8 encoder for request bodies of at most `limit` bytes. For a text whose bytes pass the
 * limit it returns, instead of bytes, the number of the text's UTF-16 units that fit (what to
 * split it by). One pass over the text, into scratch memory of `limit` bytes kept
 * between calls (allocated at the first), then copied into a buffer of the exact size (a Node
 * `Buffer` where there is one, not zero-filled first): the byte count comes from the encoding
 * itself, where `Buffer.from` and undici's string bodies each scan the text once more to count.
 */
export function boundedUtf8Encoder(limit: number): (text: string) => Uint8Array | number {
  const encoder = new TextEncoder();
  const allocate = NodeBuffer !== undefined ? (size: number) => NodeBuffer.allocUnsafeSlow(size) : (size: number) => new Uint8Array(size);
  let scratch: Uint8Array | undefined;
  return (text: string) => {
    // UTF-8 takes at least a byte per UTF-16 unit.
    if (text.length > limit) return limit;
    scratch ??= allocate(limit);
    const { read, written } = encoder.encodeInto(text, scratch);
    if (read < text.length) return read;
    const bytes = allocate(written);
    bytes.set(scratch.subarray(0, written));
    return bytes;
  };
}

/**
 * Whether `signal` has aborted. On workerd a signal belongs to the request that created it, and
 * another request's code may not even read it (it throws "Cannot perform I/O on behalf of a
 * different request"): such a signal counts as not aborted, since its request has its own.
 */
export function signalAborted(signal: AbortSignal | undefined): boolean {
  try {
    return signal?.aborted === true;
  } catch {
    return false;
  }
}

/** Calls `listener` once `signal` aborts; returns what takes the listener off. A signal of another workerd request is not listened to (see `signalAborted`). */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (signal === undefined) return () => {};
  try {
    signal.addEventListener('abort', listener, { once: true });
  } catch {
    return () => {};
  }
  return () => {
    try {
      signal.removeEventListener('abort', listener);
    } catch {
      // another request's signal: nothing was added
    }
  };
}
