/**
 * Keeps a recorded list (`hits`, `requests`, ...) within a number of entries and of bytes, the
 * oldest going first. The lists are live arrays a test may also change (`emulator.hits.length = 0`),
 * so the sizes are kept beside each list and measured again whenever they no longer line up.
 */
export class RecordedBudget {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #sizes = new WeakMap<unknown[], { list: number[]; total: number }>();

  constructor(maxEntries: number, maxBytes: number) {
    this.#maxEntries = maxEntries;
    this.#maxBytes = maxBytes;
  }

  /** Appends `items`, then drops the oldest entries past either limit; the newest entry always stays. */
  append<T>(list: T[], items: readonly T[], sizeOf: (item: T) => number = estimateBytes): void {
    // More new items than entries kept: the older ones and the whole list go at once, neither
    // kept nor measured (a batch of 500 into the bench's 100 entries measures 100).
    const skip = items.length - this.#maxEntries;
    if (skip > 0) {
      list.length = 0;
      this.#sizes.set(list, { list: [], total: 0 });
      items = items.slice(skip);
    }
    let sizes = this.#sizes.get(list);
    if (!sizes || sizes.list.length !== list.length) {
      const measured = list.map((item) => sizeOf(item));
      sizes = { list: measured, total: measured.reduce((sum, size) => sum + size, 0) };
      this.#sizes.set(list, sizes);
    }
    for (const item of items) {
      const size = sizeOf(item);
      list.push(item);
      sizes.list.push(size);
      sizes.total += size;
    }
    let drop = Math.max(0, list.length - this.#maxEntries);
    let total = sizes.total;
    for (let i = 0; i < drop; i++) total -= sizes.list[i] ?? 0;
    while (total > this.#maxBytes && drop < list.length - 1) total -= sizes.list[drop++] ?? 0;
    if (drop > 0) {
      list.splice(0, drop);
      sizes.list.splice(0, drop);
      sizes.total = total;
    }
  }

  /** The bytes `list` holds by this budget's count (0 for a list it never saw). */
  bytesOf(list: unknown[]): number {
    const sizes = this.#sizes.get(list);
    return sizes && sizes.list.length === list.length ? sizes.total : list.reduce<number>((sum, item) => sum + estimateBytes(item), 0);
  }
}

/** Roughly what an item costs: the length of its JSON (strings dominate what the emulator keeps). */
export function estimateBytes(item: unknown): number {
  try {
    return JSON.stringify(item)?.length ?? 0;
  } catch {
    return 0;
  }
}
