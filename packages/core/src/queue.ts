import PQueue from 'p-queue';
import type { PirschError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import type { ErrorReporter } from './reporter.js';
import type { AuthorizedSend } from './requester.js';
import { isRetryableError, retryDelay } from './retry.js';
import type { ClientMetrics } from './types.js';

/** What the queue delivers, each to its own endpoints. */
export type ItemKind = 'hit' | 'event' | 'session';

const ENDPOINTS: Record<ItemKind, { single: string; batch: string }> = {
  hit: { single: '/api/v1/hit', batch: '/api/v1/hit/batch' },
  event: { single: '/api/v1/event', batch: '/api/v1/event/batch' },
  session: { single: '/api/v1/session', batch: '/api/v1/session/batch' },
};
const KINDS: readonly ItemKind[] = ['hit', 'event', 'session'];

interface Item {
  /** Enqueue order; flush() waits for the items up to a sequence number. */
  seq: number;
  /** When it happened (ms since epoch); sent as the batch item's `time`. */
  t: number;
  data: object;
}

interface Batch {
  kind: ItemKind;
  items: Item[];
  attempts: number;
  retryTimer?: NodeJS.Timeout;
  /** Set by stop() while the batch was in flight: it was counted as dropped, ignore its outcome. */
  abandoned?: boolean;
}

interface FlushWaiter {
  target: number;
  remaining: number;
  ok: boolean;
  resolve: (ok: boolean) => void;
}

/**
 * The bounded, batching, retrying delivery queue. Items wait in per-kind buffers until a batch
 * is full or `flushIntervalMs` passes, then wait as ready batches for one of `concurrency` request
 * slots (p-queue). Failed requests are retried with backoff. `maxQueueSize` bounds every item held
 * (waiting, in flight, waiting to retry); past it the oldest waiting item is dropped.
 */
export class DeliveryQueue {
  readonly #options: ResolvedClientOptions;
  readonly #send: AuthorizedSend;
  readonly #reporter: ErrorReporter;
  readonly #slots: PQueue;
  readonly #pending: Record<ItemKind, Item[]> = { hit: [], event: [], session: [] };
  /** Batches waiting for a request slot, oldest first. */
  readonly #ready: Batch[] = [];
  /** Batches waiting for their retry timer, oldest first. */
  readonly #retrying = new Set<Batch>();
  /** Batches in a request right now. */
  readonly #sending = new Set<Batch>();
  readonly #waiters = new Set<FlushWaiter>();
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;
  #held = 0;
  #stopped = false;
  readonly #counts = { inFlight: 0, sent: 0, failed: 0, dropped: 0, retried: 0 };

  constructor(options: ResolvedClientOptions, send: AuthorizedSend, reporter: ErrorReporter) {
    this.#options = options;
    this.#send = send;
    this.#reporter = reporter;
    this.#slots = new PQueue({ concurrency: options.concurrency });
  }

  /** A snapshot of the counters; `queued` is every held item not in a request. */
  get metrics(): ClientMetrics {
    return { queued: this.#held - this.#counts.inFlight, ...this.#counts };
  }

  /** Items held: waiting, in flight or waiting to retry. */
  get held(): number {
    return this.#held;
  }

  /** The sequence number of the newest item. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Adds an item. O(1) apart from an eviction; never throws, never waits. */
  enqueue(kind: ItemKind, data: object): void {
    if (this.#stopped) return this.drop('closed', 1);
    if (this.#held >= this.#options.maxQueueSize && !this.#evictOldest()) return this.drop('queue-full', 1);
    const pending = this.#pending[kind];
    pending.push({ seq: ++this.#seq, t: Date.now(), data });
    this.#held++;
    if (pending.length >= this.#options.batchSize) this.#cut(kind);
    else this.#timer ??= setTimeout(this.#tick, this.#options.flushIntervalMs).unref();
  }

  /** Counts items that never entered the queue (invalid, after close) and reports them, summed. */
  drop(reason: 'invalid' | 'closed' | 'queue-full', count: number): void {
    this.#counts.dropped += count;
    this.#reporter.dropped(reason, count);
  }

  /**
   * Sends everything waiting now and resolves `true` once every item held at the call was
   * delivered, `false` if one failed or was dropped, or when `timeoutMs` passes first.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.#held === 0) {
      this.#reporter.flushDrops();
      return Promise.resolve(true);
    }
    // The waiter exists before anything is sent, so an item dropped while its batch is being
    // built counts against this flush.
    const settled = new Promise<boolean>((resolve) => {
      // Ref'd on purpose: whoever awaits a flush wants the process to live until it settles,
      // and the wait is bounded by the timeout. Retries it waits for run on unref'd timers.
      const timer = setTimeout(() => finish(false), clampTimeout(timeoutMs));
      const waiter: FlushWaiter = {
        target: this.#seq,
        remaining: this.#held,
        ok: true,
        resolve: (ok) => finish(ok),
      };
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        this.#reporter.flushDrops();
        resolve(ok);
      };
      this.#waiters.add(waiter);
    });
    this.#cutAll();
    return settled;
  }

  /** Stops for good: everything not yet delivered, in flight included, is dropped and counted. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#slots.clear();
    const left: Item[] = [];
    for (const kind of KINDS) left.push(...this.#pending[kind].splice(0));
    for (const batch of this.#ready.splice(0)) left.push(...batch.items);
    for (const batch of this.#retrying) {
      clearTimeout(batch.retryTimer);
      left.push(...batch.items);
    }
    this.#retrying.clear();
    for (const batch of this.#sending) {
      batch.abandoned = true;
      this.#counts.inFlight -= batch.items.length;
      left.push(...batch.items);
    }
    this.#sending.clear();
    if (left.length > 0) {
      this.#release(left, false);
      this.#counts.dropped += left.length;
      this.#reporter.dropped('closed', left.length);
    }
    this.#reporter.flushDrops();
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    this.#cutAll();
  };

  #cutAll(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const kind of KINDS) while (this.#pending[kind].length > 0) this.#cut(kind);
  }

  /** Moves up to `batchSize` waiting items of a kind into a ready batch and asks for a slot. */
  #cut(kind: ItemKind): void {
    const items = this.#pending[kind].splice(0, this.#options.batchSize);
    if (items.length === 0) return;
    // Nothing left waiting: the interval timer would only send a needlessly small batch later.
    if (this.#timer && this.#pending.hit.length === 0 && this.#pending.event.length === 0 && this.#pending.session.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#ready.push({ kind, items, attempts: 0 });
    this.#requestSlot();
  }

  /** One waiting p-queue task per ready batch at most: evicted batches leave no task behind. */
  #requestSlot(): void {
    if (this.#slots.size < this.#ready.length) void this.#slots.add(this.#sendNext);
  }

  /** Drops the oldest item that is not in flight. False when every held item is in flight. */
  #evictOldest(): boolean {
    let oldest: { seq: number; take: () => Item } | undefined;
    const consider = (seq: number | undefined, take: () => Item) => {
      if (seq !== undefined && (oldest === undefined || seq < oldest.seq)) oldest = { seq, take };
    };
    const firstRetry = this.#retrying.values().next().value;
    if (firstRetry) {
      consider(firstRetry.items[0]?.seq, () => {
        const item = firstRetry.items.shift() as Item;
        if (firstRetry.items.length === 0) {
          clearTimeout(firstRetry.retryTimer);
          this.#retrying.delete(firstRetry);
        }
        return item;
      });
    }
    const firstReady = this.#ready[0];
    if (firstReady) {
      consider(firstReady.items[0]?.seq, () => {
        const item = firstReady.items.shift() as Item;
        if (firstReady.items.length === 0) this.#ready.shift();
        return item;
      });
    }
    for (const kind of KINDS) {
      const pending = this.#pending[kind];
      consider(pending[0]?.seq, () => pending.shift() as Item);
    }
    if (!oldest) return false;
    this.#release([oldest.take()], false);
    this.#counts.dropped++;
    this.#reporter.dropped('queue-full', 1);
    return true;
  }

  readonly #sendNext = async (): Promise<void> => {
    const batch = this.#ready.shift();
    if (!batch || this.#stopped) return;
    const count = batch.items.length;
    this.#counts.inFlight += count;
    const { kind } = batch;
    const single = this.#options.batchSize === 1 && count === 1;
    const path = single ? ENDPOINTS[kind].single : ENDPOINTS[kind].batch;
    const started = Date.now();
    this.#sending.add(batch);
    try {
      const json = this.#serialize(batch, single);
      if (json === undefined) return this.#settleEmpty(batch);
      await this.#send({ method: 'POST', path, json });
      if (batch.abandoned) return;
      const delivered = batch.items;
      this.#sending.delete(batch);
      this.#counts.inFlight -= delivered.length;
      this.#counts.sent += delivered.length;
      this.#reporter.authenticated();
      this.#release(delivered, true);
      if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] delivered ${delivered.length} ${kind}${delivered.length === 1 ? '' : 's'} to POST ${path} in ${Date.now() - started} ms`);
    } catch (error) {
      if (batch.abandoned) return;
      this.#sending.delete(batch);
      this.#counts.inFlight -= batch.items.length;
      this.#failed(batch, error as PirschError);
    }
  };

  /**
   * The request body: single endpoints take the object itself; batch items carry the time they
   * happened. An item JSON cannot carry (a BigInt, a cycle, a throwing getter) is dropped as
   * invalid on its own instead of failing its batch. Undefined when no item is left.
   */
  #serialize(batch: Batch, single: boolean): string | undefined {
    try {
      return JSON.stringify(single ? (batch.items[0] as Item).data : stampedWithTime(batch.items));
    } catch {
      // one of them cannot be serialised: found below
    }
    const parts: string[] = [];
    const bad: Item[] = [];
    for (const item of batch.items) {
      try {
        parts.push(JSON.stringify(item.data));
      } catch {
        bad.push(item);
      }
    }
    batch.items = batch.items.filter((item) => !bad.includes(item));
    this.#counts.inFlight -= bad.length;
    this.#counts.dropped += bad.length;
    this.#release(bad, false);
    this.#reporter.dropped('invalid', bad.length);
    return parts.length === 0 ? undefined : single ? parts[0] : `[${parts.join(',')}]`;
  }

  /** A batch whose every item was dropped while serialising. */
  #settleEmpty(batch: Batch): void {
    this.#sending.delete(batch);
  }

  #failed(batch: Batch, error: PirschError): void {
    const count = batch.items.length;
    if (batch.attempts < this.#options.maxRetries && isRetryableError(error)) {
      batch.attempts++;
      this.#counts.retried++;
      const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
      const delay = retryDelay(batch.attempts, this.#options.minRetryDelayMs, this.#options.maxRetryDelayMs, retryAfterMs);
      if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] ${error.message}; retry ${batch.attempts} of ${this.#options.maxRetries} in ${Math.round(delay)} ms`);
      this.#retrying.add(batch);
      batch.retryTimer = setTimeout(() => {
        this.#retrying.delete(batch);
        if (this.#stopped || batch.items.length === 0) return;
        this.#ready.unshift(batch); // older than anything cut since: keep time order
        this.#requestSlot();
      }, delay).unref();
      return;
    }
    this.#counts.failed += count;
    this.#release(batch.items, false);
    this.#reporter.failure(error);
  }

  /** Items leave the queue (delivered, failed or dropped): update holdings and flush waiters. */
  #release(items: Item[], delivered: boolean): void {
    this.#held -= items.length;
    for (const waiter of this.#waiters) {
      let mine = 0;
      for (const item of items) if (item.seq <= waiter.target) mine++;
      if (mine === 0) continue;
      waiter.remaining -= mine;
      if (!delivered) waiter.ok = false;
      if (waiter.remaining <= 0) waiter.resolve(waiter.ok);
    }
  }
}

/** setTimeout fires at once for values over 2^31-1 ms (and Infinity): clamp instead. NaN or negative: 0. */
function clampTimeout(ms: number): number {
  if (Number.isNaN(ms) || ms < 0) return 0;
  return Math.min(ms, 2 ** 31 - 1);
}

/**
 * The batch's objects, each with its `time` set on it, so the batch is one JSON.stringify (about
 * twice as fast as one call per item). The queue owns every object it holds (the client copies
 * what callers pass, the tracker's hits are its own), and a retry sets the same time again.
 * Items of the same millisecond share one date string.
 */
function stampedWithTime(items: readonly Item[]): object[] {
  let lastT = Number.NaN;
  let lastTime = '';
  return items.map((item) => {
    if (item.t !== lastT) {
      lastT = item.t;
      lastTime = new Date(item.t).toISOString();
    }
    (item.data as { time?: string }).time = lastTime;
    return item.data;
  });
}
