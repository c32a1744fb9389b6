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
