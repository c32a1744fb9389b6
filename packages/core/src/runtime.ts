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
  allocUnsafeSlow(size: number): Uint8Array & { write(text: string, offset: number, length: number, encoding: 'utf8'): number };
  byteLength(text: string, encoding: 'utf8'): number;
}
/** Node's `Buffer` (also Bun's and Deno's), where the runtime has one. */
const NodeBuffer = (() => {
  const found = (globalThis as { Buffer?: Partial<BufferLike> }).Buffer;
  return typeof found?.from === 'function' && typeof found.allocUnsafeSlow === 'function' && typeof found.byteLength === 'function'
    ? (found as BufferLike)
    : undefined;
})();

/** UTF-8 bytes of a string: a Node `Buffer` where there is one (undici writes it as is), else a `Uint8Array`. */
export const utf8Bytes: (text: string) => Uint8Array = (() => {
  if (NodeBuffer !== undefined) return (text: string) => NodeBuffer.from(text, 'utf8');
  const encoder = new TextEncoder();
  return (text: string) => encoder.encode(text);
})();

/**
 * A UTF-8 encoder for request bodies of at most `limit` bytes. For a text whose bytes pass the
 * limit it returns, instead of bytes, about how many of the text's UTF-16 units fit (what to
 * split it by). Where there is a Node `Buffer`: the bytes are counted (a fast scan, no copy),
 * then written straight into a buffer of that size (not zero-filled first). Elsewhere: one pass
 * into scratch memory of `limit` bytes kept between calls, then copied into a `Uint8Array` of the
 * exact size. Either way the text is encoded once, where `Buffer.from` and undici's string bodies
 * also count before they write. In the running app, `TextEncoder.encodeInto` into the scratch
 * memory and the copy took about 40 % as long as the batch's `JSON.stringify` (profiles of the
 * split bench, bench/split.mjs).
 */
export function boundedUtf8Encoder(limit: number): (text: string) => Uint8Array | number {
  const NodeBytes = NodeBuffer;
  if (NodeBytes !== undefined) {
    return (text: string) => {
      // UTF-8 takes at least a byte per UTF-16 unit.
      if (text.length > limit) return limit;
      const size = NodeBytes.byteLength(text, 'utf8');
      if (size > limit) return Math.floor((text.length * limit) / size);
      const bytes = NodeBytes.allocUnsafeSlow(size);
      bytes.write(text, 0, size, 'utf8');
      return bytes;
    };
  }
  const encoder = new TextEncoder();
  let scratch: Uint8Array | undefined;
  return (text: string) => {
    if (text.length > limit) return limit;
    scratch ??= new Uint8Array(limit);
    const { read, written } = encoder.encodeInto(text, scratch);
    if (read < text.length) return read;
    return scratch.slice(0, written);
  };
}

/** How many items one `JSON.stringify` call of `jsonArrayWriter` takes. */
const JSON_CHUNK_ITEMS = 100;

/** A writer of JSON arrays into memory it lends out and takes back (`jsonArrayWriter`). */
export interface JsonArrayWriter {
  /**
   * The items as a JSON array in UTF-8, in memory of the writer's; the number of items that fit
   * when the array would pass the bound (a multiple of a hundred: undefined when the first part
   * alone does not fit); undefined when an item cannot be serialised (the caller finds which).
   */
  write(items: readonly object[]): Uint8Array | number | undefined;
  /** Takes back the memory of bytes `write` gave, once nothing reads them; any other bytes, or a second time: nothing. */
  release(bytes: Uint8Array | undefined): void;
}

/**
 * Where there is a Node `Buffer`: a writer of a JSON array of objects as UTF-8 of at most `limit`
 * bytes, or undefined elsewhere. It stringifies the items a hundred at a time, each part written
 * straight into memory of `limit` bytes, and lends that memory out as the array's bytes until
 * `release`: up to `keep` such blocks are kept for the next arrays, so a batch's body costs no
 * new memory. A new block of a few hundred KB for every batch was most of serialising: in one
 * process, 500 hits written this way took 0.86 µs a hit against 2.0 to 2.2 with a new block
 * each (0.5 to 0.9 µs of that the kernel's, handing the new pages in), and 3.9 to 4.1 for
 * `Buffer.from(JSON.stringify(batch))` (bench of 2026-12-06, on a day the kernel's part was
 * dear). `JSON.stringify` of a whole batch gives a string V8 builds in pieces and must join
 * (flatten) in memory of its own, a large object for a batch over 128 KB, before a byte of it
 * is encoded: in parts it need not.
 */
export function jsonArrayWriter(limit: number, keep = 1): JsonArrayWriter | undefined {
  const NodeBytes = NodeBuffer;
  if (NodeBytes === undefined) return undefined;
  type Block = Uint8Array & { write(text: string, offset: number, length: number, encoding: 'utf8'): number };
  const free: Block[] = [];
  // The blocks lent out, by their memory: one never given back is collected with its bytes.
  const lent = new WeakMap<ArrayBufferLike, Block>();
  const giveBack = (block: Block) => {
    if (free.length < keep) free.push(block);
  };
  return {
    write(items) {
      if (items.length === 0) return undefined;
      const block = free.pop() ?? (NodeBytes.allocUnsafeSlow(limit) as Block);
      // Each part is `[a,b]`: the first is written from the array's start, so its `[` opens the
      // array; every later one from where the part before ended, its `[` overwritten by a comma.
      // Each part's `]` is overwritten by what follows, the last by the array's own.
      let end = 0;
      for (let start = 0; start < items.length; start += JSON_CHUNK_ITEMS) {
        let part: string;
        try {
          part = JSON.stringify(items.slice(start, start + JSON_CHUNK_ITEMS));
        } catch {
          giveBack(block);
          return undefined;
        }
        const room = limit - end;
        // UTF-8 takes at most 3 bytes per UTF-16 unit; only a part that may not fit is counted.
        if (room < part.length * 3 && NodeBytes.byteLength(part, 'utf8') > room) {
          giveBack(block);
          return start === 0 ? undefined : start;
        }
        const written = block.write(part, end, room, 'utf8');
        if (start > 0) block[end] = 0x2c; // ,
        end += written - 1;
      }
      block[end] = 0x5d; // ]
      lent.set(block.buffer, block);
      return block.subarray(0, end + 1);
    },
    release(bytes) {
      const block = bytes === undefined ? undefined : lent.get(bytes.buffer);
      if (block === undefined) return;
      lent.delete(bytes!.buffer);
      giveBack(block);
    },
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
