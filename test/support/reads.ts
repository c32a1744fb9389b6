/**
 * Counts how often our packages' code (not a test, not a framework, not Node) reads `keys` of a
 * request: each key becomes a getter on the request itself that returns the value it had, and
 * counts a read whose direct caller lives in `packages/<one of packages>/src`. Install it in a
 * middleware that runs before ours. On an Express request every such read misses V8's caches
 * (see `readOnceView` in core), so the adapters' tests keep the count down with this.
 */
export function countOurReads<K extends string>(req: object, keys: readonly K[], packages: readonly string[], reads: Record<K, number>): void {
  const ours = new RegExp(`packages[\\\\/](${packages.join('|')})[\\\\/]src[\\\\/](?!.*\\.test\\.)`);
  for (const key of keys) {
    const value: unknown = (req as Record<string, unknown>)[key];
    Object.defineProperty(req, key, {
      configurable: true,
      get() {
        // [0] 'Error', [1] this getter, [2] its caller.
        if (ours.test((new Error().stack ?? '').split('\n')[2] ?? '')) reads[key]++;
        return value;
      },
    });
  }
}

/**
 * Gives `target` an own getter for `property` that calls `onRead`, then reads through the getter
 * it shadows (found up the prototype chain), on every read: for an accessor that must not be
 * read in advance, as `countOurReads` does (one that builds its value when first asked, as
 * @hono/node-server's `Request.headers`, or throws, as Hono's `c.executionCtx` without one).
 * Counts every read. Throws when there is no such getter. Loads no module (the runtime tests
 * bundle it for Bun, Deno and workerd).
 */
export function onEachRead(target: object, property: string, onRead: () => void): void {
  let owner: object | null = target;
  while (owner !== null && Object.getOwnPropertyDescriptor(owner, property) === undefined) owner = Object.getPrototypeOf(owner) as object | null;
  const read = owner === null ? undefined : Object.getOwnPropertyDescriptor(owner, property)?.get;
  if (read === undefined) throw new Error(`no getter "${property}" to count`);
  Object.defineProperty(target, property, {
    configurable: true,
    get() {
      onRead();
      return read.call(target) as unknown;
    },
  });
}
