/**
 * Runs `make` with `globalThis.process` hidden when in the Edge runtime of Next.js (and Vercel).
 * There `process` is a stand-in whose `on()` throws ("A Node.js API is used (process.on) which is
 * not supported in the Edge Runtime"), and the core client, seeing `on`/`off`/`nextTick`, takes
 * it for Node's and adds its exit hook: creating the tracker threw, and every request the
 * middleware saw answered 500. An edge invocation has no exit to hook; delivery goes to
 * `waitUntil`. Elsewhere `make` runs as it is.
 */
export function outsideEdgeProcess<T>(make: () => T): T {
  const global = globalThis as { EdgeRuntime?: unknown; process?: unknown };
  if (typeof global.EdgeRuntime !== 'string') return make();
  const descriptor = Object.getOwnPropertyDescriptor(global, 'process');
  if (descriptor === undefined || !Reflect.defineProperty(global, 'process', { value: undefined, configurable: true, writable: true })) return make();
  try {
    return make();
  } finally {
    Reflect.defineProperty(global, 'process', descriptor);
  }
}
