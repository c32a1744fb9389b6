import PQueue from 'p-queue';
import { allowManyListeners, boundedUtf8Encoder, jsonArrayWriter, type JsonArrayWriter, unrefTimer, utf8Bytes } from './runtime.js';
import { PirschApiError, PirschNetworkError, type PirschError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import type { ErrorReporter } from './reporter.js';
import type { AuthorizedSend } from './requester.js';
import { isRetryableError, retryAfterWait, retryDelay, sleep } from './retry.js';
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
  /** About the bytes of its JSON in a batch (see `approxJsonBytes`). */
  bytes: number;
}

/**
 * A cut batch. Its request body is serialised only when a request slot takes it, once per
 * attempt: a batch that waits (for a slot, the end of a backoff, the API to come back) holds its
 * items, and one evicted unsent while the API is down was never serialised at all. Retries are
 * rare enough that serialising again costs less than holding every waiting batch twice.
 */
interface Batch {
  kind: ItemKind;
  /** The items' sequence numbers, oldest first, for flush waiters. */
  seqs: number[];
  /** The items, oldest first (the same order as `seqs`). */
  items: Item[];
  /**
   * How many of the first items were evicted while the batch waited among the ready ones: their
   * slots are emptied, and cut off once, when the batch leaves the line (`#takeReady`). Evicting
   * an item is then O(1); `shift()` moved the other 499 of a batch on every item the app added.
   */
  evicted: number;
  /** One item to a single endpoint (batchSize 1). */
  single: boolean;
  attempts: number;
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
 * is full (`batchSize` items, or `maxBatchBytes` of JSON) or `flushIntervalMs` passes, then wait as ready batches for one of `concurrency` request
 * slots (p-queue). `maxQueueSize` bounds every item held (waiting, in flight, waiting to retry);
 * past it the oldest waiting item is dropped for each new one, whether in a ready batch or not yet
 * in one.
 *
 * A request that fails in a way worth retrying (network, timeout, 408, 429, 5xx) closes a gate
 * for the whole queue, not just its batch: the batch goes back among the ready ones in time order,
 * and nothing is sent until the backoff passes (exponential over consecutive failed rounds, never
 * shorter than a Retry-After). Then up to `concurrency` batches try again, oldest first, and the
 * first success opens the gate for all. So an API that is down costs a few requests per backoff,
 * not one (and its retries) per batch the app fills, and a rate limit is honoured by every request.
 *
 * Credentials the API refuses (401 or 403 after the token was renewed, or from the token endpoint
 * itself) close the same gate without using up the batch's retries: the items wait, bounded by
 * `maxQueueSize`, and each backoff one batch asks whether the credentials work again. Reported
 * once per such pause.
 *
 * A batch the API refuses as invalid (400, 422, or 413 for its size) is split in halves, each sent
 * on its own, until the items it refuses are alone: those are dropped as invalid, each counted and
 * reported with the API's message; every other item is delivered. Not a retry, no backoff.
 */
/** At most this much memory is kept for batch bodies between requests. */
const MAX_KEPT_BODY_BYTES = 1024 * 1024;

export class DeliveryQueue {
  readonly #options: ResolvedClientOptions;
  readonly #send: AuthorizedSend;
  readonly #reporter: ErrorReporter;
  readonly #slots: PQueue;
  /** UTF-8 bytes of a batch's JSON or, past `maxBatchBytes`, how many of its characters fit. */
  readonly #encode: (text: string) => Uint8Array | number;
  /** A batch's JSON array in UTF-8, in parts, in memory lent until its request ends (Node); undefined elsewhere, where `#encode` does it all. */
  readonly #writer: JsonArrayWriter | undefined;
  readonly #pending: Record<ItemKind, Item[]> = { hit: [], event: [], session: [] };
  /** The estimated JSON bytes of each kind's waiting items. */
  readonly #pendingBytes: Record<ItemKind, number> = { hit: 0, event: 0, session: 0 };
  /** Batches waiting for a request slot, oldest first. */
  readonly #ready: Batch[] = [];
  /** Batches in a request right now. */
  readonly #sending = new Set<Batch>();
  readonly #waiters = new Set<FlushWaiter>();
  #timer: NodeJS.Timeout | undefined;
  /** A batch was cut in this turn: the microtask after it offers the new batches to request slots. */
  #pumpQueued = false;
  /** p-queue tasks added and not yet started: at most one per ready batch. */
  #tasks = 0;
  /** Consecutive rounds of retryable failures; 0 while the API answers. */
  #failedRounds = 0;
  /** While a backoff lasts, no request starts before this time (ms since epoch). */
  #closedUntil = 0;
  #gateTimer: NodeJS.Timeout | undefined;
  /** True from a refusal of the credentials until a request succeeds: one batch at a time probes. */
  #credentialsRefused = false;
  /** Requests refused as invalid since the last success: past a bisection's worth, the API refuses everything. */
  #refusedInARow = 0;
  #seq = 0;
  #held = 0;
  #stopped = false;
  /** Aborts the requests in flight; replaced after each abandon(). */
  #abort = unlimitedAbortController();
  readonly #counts = { inFlight: 0, sent: 0, failed: 0, dropped: 0, retried: 0, disabled: 0 };
  /** Items `deliverNow` is sending: in flight, never held. */
  #sendingNow = 0;
  /** The deliveries `deliverNow` started that have not ended, for `flush()`. */
  readonly #sendingNowDone = new Set<Promise<boolean>>();

  constructor(options: ResolvedClientOptions, send: AuthorizedSend, reporter: ErrorReporter) {
    this.#options = options;
    this.#send = send;
    this.#reporter = reporter;
    this.#slots = new PQueue({ concurrency: options.concurrency });
    this.#encode = boundedUtf8Encoder(options.maxBatchBytes);
    // A block per request slot, up to 1 MiB kept in all: a body in flight, the others for the next batches.
    this.#writer = jsonArrayWriter(options.maxBatchBytes, Math.max(1, Math.min(options.concurrency, Math.floor(MAX_KEPT_BODY_BYTES / options.maxBatchBytes))));
  }

  /** A snapshot of the counters; `queued` is every held item not in a request. */
  get metrics(): ClientMetrics {
    const metrics = { queued: this.#held - this.#counts.inFlight, ...this.#counts };
    metrics.inFlight += this.#sendingNow;
    return metrics;
  }

  /** Items held: waiting, in flight or waiting to retry. */
  get held(): number {
    return this.#held;
  }

  /** The sequence number of the newest item. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Adds an item. O(1) apart from an eviction; never throws, never waits. A disabled client's
   * queue (`enabled: false`) only counts it: nothing is held, so no timer starts.
   */
  enqueue(kind: ItemKind, data: object): void {
    if (!this.#options.enabled) {
      this.#counts.disabled++;
      return;
    }
    if (this.#stopped) return this.drop('closed', 1);
    if (this.#held >= this.#options.maxQueueSize && !this.#evictOldest()) return this.drop('queue-full', 1);
    const pending = this.#pending[kind];
    const bytes = approxJsonBytes(data);
    const { batchSize, maxBatchBytes } = this.#options;
    // A batch goes before this item would take it past maxBatchBytes: batches grow with the
    // traffic up to either bound, and flushIntervalMs bounds how long the first item waits.
    if (pending.length > 0 && this.#pendingBytes[kind] + bytes > maxBatchBytes) this.#cut(kind);
    pending.push({ seq: ++this.#seq, t: Date.now(), data, bytes });
    this.#pendingBytes[kind] += bytes;
    this.#held++;
    if (pending.length >= batchSize || this.#pendingBytes[kind] >= maxBatchBytes) this.#cut(kind);
    else this.#timer ??= unrefTimer(setTimeout(this.#tick, this.#options.flushIntervalMs));
  }

  /**
   * Sends one item now, in its own request, from the caller's context, and resolves once it is
   * delivered (true) or given up (false); never rejects. For a Fetch runtime that hands the
   * promise to its `waitUntil`: on workerd an invocation's requests must start, and end, within
   * it; a batch started by another invocation's continuation was cancelled with it and never
   * settled, which stuck the shared slots for good. Retries (network, 408, 429, 5xx, refused
   * credentials) up to `maxRetries` with the same backoff, each attempt within this call; an item
   * the API refuses as invalid is dropped and reported with its message. Counted in `metrics`.
   */
  deliverNow(kind: ItemKind, data: object): Promise<boolean> {
    const done = this.#deliverNow(kind, data);
    this.#sendingNowDone.add(done);
    void done.then(() => this.#sendingNowDone.delete(done));
    return done;
  }

  async #deliverNow(kind: ItemKind, data: object): Promise<boolean> {
    if (!this.#options.enabled) {
      this.#counts.disabled++;
      return true;
    }
    if (this.#stopped) {
      this.drop('closed', 1);
      return false;
    }
    let body: Uint8Array;
    try {
      body = utf8Bytes(JSON.stringify([Object.assign(data, { time: new Date().toISOString() })]));
    } catch {
      this.drop('invalid', 1);
      return false;
    }
    this.#sendingNow++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.#send({ method: 'POST', path: ENDPOINTS[kind].batch, json: body });
          this.#counts.sent++;
          this.#reporter.authenticated();
          return true;
        } catch (caught) {
          const error = caught as PirschError;
          if (isRefusedAsInvalid(error)) {
            this.#counts.dropped++;
            this.#reporter.refused(1, error);
            return false;
          }
          if (attempt >= this.#options.maxRetries || !(isRetryableError(error) || isRefusedCredentials(error))) {
            this.#counts.failed++;
            this.#reporter.failure(error);
            return false;
          }
          this.#counts.retried++;
          const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
          await sleep(retryDelay(attempt + 1, this.#options.minRetryDelayMs, this.#options.maxRetryDelayMs, retryAfterMs));
        }
      }
    } finally {
      this.#sendingNow--;
    }
  }

  /** Counts items that never entered the queue (invalid, after close) and reports them, summed. */
  drop(reason: 'invalid' | 'closed' | 'exiting' | 'queue-full', count: number): void {
    this.#counts.dropped += count;
    this.#reporter.dropped(reason, count);
  }

  /** Counts an item that never entered the queue for a reason of its own, and reports it with that reason. */
  dropInvalid(detail: string, validation: Record<string, string>): void {
    this.#counts.dropped++;
    this.#reporter.invalid(1, detail, validation);
  }

  /** Held items leave the queue undelivered: counted and reported as dropped, then released (flush waiters learn of it). */
  #dropHeld(seqs: readonly number[], reason: 'invalid' | 'closed' | 'exiting' | 'queue-full'): void {
    // Counted first: a flush waiter this release settles reports the drops counted so far.
    this.drop(reason, seqs.length);
    this.#release(seqs, false);
  }

  /**
   * Sends everything waiting now and resolves `true` once every item held at the call was
   * delivered, `false` if one failed or was dropped, or when `timeoutMs` passes first.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.#sendingNowDone.size > 0) {
      // What `deliverNow` is sending counts too: a handler that awaits flush() (or a shutdown)
      // waits for it, within the same timeout.
      const started = Date.now();
      const now = Promise.all(this.#sendingNowDone).then((results) => results.every(Boolean));
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), clampTimeout(timeoutMs));
        void now.then(async (delivered) => {
          const queued = await this.#flushQueued(Math.max(0, clampTimeout(timeoutMs) - (Date.now() - started)));
          clearTimeout(timer);
          resolve(delivered && queued);
        });
      });
    }
    return this.#flushQueued(timeoutMs);
  }

  #flushQueued(timeoutMs: number): Promise<boolean> {
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
    // Ready batches may have no task (one per backoff round while credentials were refused).
    this.#pump();
    return settled;
  }

  /** Stops for good: everything not yet delivered, in flight included, is dropped and counted. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.abandon();
  }

  /**
   * Gives up on everything held: what waits is dropped and counted, requests in flight are aborted
   * (their connections closed) and their items dropped too. The queue stays open: items added
   * later are delivered as usual. The exit drain does this at its deadline (`reason` 'exiting').
   */
  abandon(reason: 'closed' | 'exiting' = 'closed'): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#gateTimer) clearTimeout(this.#gateTimer);
    this.#gateTimer = undefined;
    this.#slots.clear();
    this.#tasks = 0;
    const left: number[] = [];
    for (const kind of KINDS) {
      for (const item of this.#pending[kind].splice(0)) left.push(item.seq);
      this.#pendingBytes[kind] = 0;
    }
    for (const batch of this.#ready.splice(0)) for (let i = batch.evicted; i < batch.seqs.length; i++) left.push(batch.seqs[i] as number);
    for (const batch of this.#sending) {
      batch.abandoned = true;
      this.#counts.inFlight -= batch.seqs.length;
      left.push(...batch.seqs);
    }
    this.#sending.clear();
    // After the batches are marked: their requests reject as abandoned, never as failures.
    this.#abort.abort();
    this.#abort = unlimitedAbortController();
    this.#refusedInARow = 0;
    if (left.length > 0) this.#dropHeld(left, reason);
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
    const pending = this.#pending[kind];
    const items = pending.splice(0, this.#options.batchSize);
    let left = 0;
    for (const item of pending) left += item.bytes;
    this.#pendingBytes[kind] = left;
    // Nothing left waiting: the interval timer would only send a needlessly small batch later.
    if (this.#timer && this.#pending.hit.length === 0 && this.#pending.event.length === 0 && this.#pending.session.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (items.length === 0) return;
    const single = this.#options.batchSize === 1 && items.length === 1;
    const seqs: number[] = [];
    for (const item of items) seqs.push(item.seq);
    const batch: Batch = { kind, seqs, items, evicted: 0, single, attempts: 0 };
    this.#ready.push(batch);
    // Offered to a request slot after the caller's code, in one microtask per turn: enqueue stays
    // O(1), and no request starts (nor any item's toJSON runs) inside a hit() or event() call.
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(this.#afterCut);
    }
  }

  readonly #afterCut = (): void => {
    this.#pumpQueued = false;
    this.#pump();
  };

  /**
   * Closes the gate after a retryable failure. The first failure of a round sets the next, longer
   * backoff; a later one of the same round only lengthens it to a longer Retry-After.
   */
  #backOff(retryAfterMs: number | undefined): number {
    const now = Date.now();
    let until: number;
    if (now >= this.#closedUntil) {
      this.#failedRounds++;
      until = now + retryDelay(this.#failedRounds, this.#options.minRetryDelayMs, this.#options.maxRetryDelayMs, retryAfterMs);
    } else {
      until = Math.max(this.#closedUntil, now + retryAfterWait(retryAfterMs));
    }
    // Re-armed every time: the timer may have fired a millisecond before Date.now() reaches
    // #closedUntil, and a failure in that millisecond must still leave a timer to open the gate.
    this.#closedUntil = until;
    if (this.#gateTimer) clearTimeout(this.#gateTimer);
    this.#gateTimer = unrefTimer(setTimeout(this.#openGate, until - now));
    return until - now;
  }

  readonly #openGate = (): void => {
    this.#gateTimer = undefined;
    this.#pump();
  };

  /**
   * A p-queue task for every ready batch that has none (evicted batches leave no task behind),
   * unless the gate is closed: its timer pumps again when it opens.
   */
  #pump(): void {
    if (this.#gateTimer) return;
    // Refused credentials do not get right for being asked at once by every slot: one probe.
    const wanted = !this.#credentialsRefused ? this.#ready.length : this.#sending.size === 0 ? Math.min(1, this.#ready.length) : 0;
    while (this.#tasks < wanted) {
      this.#tasks++; // before add(): p-queue may start the task at once, and it counts itself off
      void this.#slots.add(this.#sendNext);
    }
  }

  /** Puts a batch back among the ready ones, in time order (batches fail in any order). */
  #requeue(batch: Batch): void {
    const first = batch.seqs[0] ?? 0;
    let at = this.#ready.findIndex((other) => (other.seqs[other.evicted] ?? 0) > first);
    if (at === -1) at = this.#ready.length;
    this.#ready.splice(at, 0, batch);
  }

  /** Drops the oldest waiting items to make room. False when every held item is in flight. */
  #evictOldest(): boolean {
    // The oldest waiting item heads the first ready batch
    // or one kind's waiting list. No closure per call: while the API is down this runs for every
    // item the app adds.
    const batch = this.#ready[0];
    let from: ItemKind | undefined;
    let oldest = batch === undefined ? Number.POSITIVE_INFINITY : (batch.seqs[batch.evicted] as number);
    for (const kind of KINDS) {
      const pending = this.#pending[kind];
      if (pending.length > 0 && (pending[0] as Item).seq < oldest) {
        from = kind;
        oldest = (pending[0] as Item).seq;
      }
    }
    if (from !== undefined) {
      const item = this.#pending[from].shift() as Item;
      this.#pendingBytes[from] -= item.bytes;
      this.#dropHeld([item.seq], 'queue-full');
      return true;
    }
    if (batch === undefined) return false;
    // Its oldest item only (a batch holds up to batchSize: dropping it whole would lose hundreds
    // to admit one); an emptied batch leaves the line. Never serialised.
    const seq = batch.seqs[batch.evicted] as number;
    (batch.items as (Item | undefined)[])[batch.evicted++] = undefined;
    if (batch.evicted === batch.seqs.length) this.#ready.shift();
    this.#dropHeld([seq], 'queue-full');
    return true;
  }

  /** The first ready batch, out of the line, without the items evicted while it waited. */
  #takeReady(): Batch | undefined {
    const batch = this.#ready.shift();
    if (batch !== undefined && batch.evicted > 0) {
      batch.seqs.splice(0, batch.evicted);
      batch.items.splice(0, batch.evicted);
      batch.evicted = 0;
    }
    return batch;
  }

  readonly #sendNext = async (): Promise<void> => {
    this.#tasks = Math.max(0, this.#tasks - 1);
    // The gate closed while this task waited for a slot: its batch waits for the gate's timer.
    // While the credentials are refused, a batch goes only when no other is out asking.
    if (this.#gateTimer || this.#stopped || (this.#credentialsRefused && this.#sending.size > 0)) return;
    const batch = this.#takeReady();
    if (!batch) return;
    const readyBefore = this.#ready.length;
    const body = this.#bodyOf(batch);
    // Split for its size: the newer part waits at the head of the line, and gets a task once this
    // batch's request has started (oldest first, and one probe while credentials are refused).
    const split = this.#ready.length > readyBefore;
    if (body === undefined) {
      if (split) this.#pump();
      return; // every item was dropped as invalid
    }
    const count = batch.seqs.length;
    this.#counts.inFlight += count;
    const { kind } = batch;
    const path = batch.single ? ENDPOINTS[kind].single : ENDPOINTS[kind].batch;
    const started = Date.now();
    this.#sending.add(batch);
    try {
      const request = this.#send({ method: 'POST', path, json: body, signal: this.#abort.signal });
      if (split) this.#pump();
      await request;
      if (batch.abandoned) return;
      this.#sending.delete(batch);
      this.#counts.inFlight -= count;
      this.#counts.sent += count;
      this.#reporter.authenticated();
      this.#refusedInARow = 0;
      if (this.#failedRounds > 0 || this.#credentialsRefused) {
        // The API answers again: everything waiting goes, at full concurrency.
        this.#failedRounds = 0;
        this.#closedUntil = 0;
        this.#credentialsRefused = false;
        this.#pump();
      }
      this.#release(batch.seqs, true);
      if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] delivered ${count} ${kind}${count === 1 ? '' : 's'} to POST ${path} in ${Date.now() - started} ms`);
    } catch (error) {
      if (batch.abandoned) return;
      this.#sending.delete(batch);
      this.#counts.inFlight -= count;
      this.#failed(batch, error as PirschError);
    } finally {
      // The request has ended: its body's memory takes the next batch (a retry writes its own).
      this.#writer?.release(body);
    }
  };

  /**
   * The request body of a batch, serialised now. A batch whose JSON turns out longer than
   * `maxBatchBytes` (the estimate at enqueue counts characters, and multi-byte text takes more)
   * keeps the older items that fit and puts the newer ones back at the head of the ready batches,
   * until it fits or holds one item.
   */
  #bodyOf(batch: Batch): Uint8Array | undefined {
    for (;;) {
      if (this.#writer !== undefined && !batch.single && batch.items.length > 1) {
        const written = this.#writer.write(stampedWithTime(batch.items));
        if (typeof written === 'number') {
          this.#splitAt(batch, written);
          continue;
        }
        if (written !== undefined) return written;
        // An item JSON cannot carry, or a first part larger than the bound: found as below.
      }
      const text = this.#serialize(batch);
      if (text === undefined) return undefined;
      // One item goes alone whatever its size (one larger than the bound too): encoded once.
      if (batch.items.length <= 1) return utf8Bytes(text);
      const bytes = this.#encode(text);
      if (typeof bytes !== 'number') return bytes;
      // Cut where the bytes ran out (items are about the same size), a little before: most batches
      // then fit at the second try, where halving took several for text of 3 bytes a character.
      const fits = Math.floor((batch.items.length * bytes * 0.95) / text.length);
      this.#splitAt(batch, Math.min(batch.items.length - 1, Math.max(1, fits)));
    }
  }

  /** Keeps the batch's first `middle` items and puts the rest back at the head of the ready batches. */
  #splitAt(batch: Batch, middle: number): void {
    this.#ready.unshift({ kind: batch.kind, seqs: batch.seqs.splice(middle), items: batch.items.splice(middle), evicted: 0, single: false, attempts: batch.attempts });
  }

  /**
   * A batch's JSON. Single endpoints take the object itself; batch items carry the time they
   * happened. An item JSON cannot carry (a BigInt, a cycle, a throwing getter) is dropped as
   * invalid on its own instead of failing its batch: undefined when none is left.
   */
  #serialize(batch: Batch): string | undefined {
    const { items } = batch;
    try {
      return JSON.stringify(batch.single ? (items[0] as Item).data : stampedWithTime(items));
    } catch {
      // one of them cannot be serialised: found below
    }
    const parts: string[] = [];
    const good: Item[] = [];
    const bad: number[] = [];
    for (const item of items) {
      try {
        parts.push(JSON.stringify(item.data));
        good.push(item);
      } catch {
        bad.push(item.seq);
      }
    }
    batch.items = good;
    batch.seqs = good.map((item) => item.seq);
    this.#dropHeld(bad, 'invalid');
    if (good.length === 0) return undefined;
    return batch.single ? (parts[0] as string) : `[${parts.join(',')}]`;
  }

  #failed(batch: Batch, error: PirschError): void {
    if (isRefusedAsInvalid(error)) return this.#split(batch, error);
    if (isRefusedCredentials(error)) return this.#pauseForCredentials(batch, error);
    const count = batch.seqs.length;
    const retryable = isRetryableError(error);
    const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs;
    if (batch.attempts < this.#options.maxRetries && retryable) {
      // A connection that cannot even be made (a wrong port or host in baseUrl, no network) is
      // said at its first failure, not only when the retries run out about 15 s later.
      if (batch.attempts === 0 && this.#failedRounds === 0 && isUnreachable(error)) this.#reporter.failure(error);
      batch.attempts++;
      this.#counts.retried++;
      const delay = this.#backOff(retryAfterMs);
      if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] ${error.message}; retry ${batch.attempts} of ${this.#options.maxRetries} in ${Math.round(delay)} ms`);
      this.#requeue(batch);
      return;
    }
    this.#counts.failed += count;
    this.#release(batch.seqs, false);
    this.#reporter.failure(error);
    // Given up on this batch, not on the API: the others wait out a backoff all the same.
    if (retryable) this.#backOff(retryAfterMs);
    else this.#pump();
  }

  /**
   * The API refused the credentials, and renewing the token (in the authorized send) did not help:
   * a revoked access key, a wrong client secret, a deleted client. Asking again for every batch
   * would only flood the API and the logs, and giving the items up would lose them to a key that
   * may be fixed in a minute. So the whole queue backs off as in an outage, without using up this
   * batch's retries, and one batch per backoff tries again; the first success ends the pause.
   */
  #pauseForCredentials(batch: Batch, error: PirschApiError): void {
    this.#counts.retried++;
    this.#requeue(batch);
    const delay = this.#backOff(undefined);
    if (!this.#credentialsRefused) {
      this.#credentialsRefused = true;
      this.#reporter.failure(error);
    }
    if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] ${error.message}; delivery paused, next try in ${Math.round(delay)} ms`);
  }

  /**
   * The API refused the batch as invalid. Several items: split in halves and send each (not a
   * retry, and no backoff: the API answered, and will take the good half). One item: it is the
   * refused one, dropped and reported with the API's message.
   */
  #split(batch: Batch, error: PirschApiError): void {
    if (this.#credentialsRefused) {
      // The API read the batch: the credentials work again, and the pause is over.
      this.#credentialsRefused = false;
      this.#failedRounds = 0;
      this.#closedUntil = 0;
      this.#reporter.authenticated();
    }
    const { items, seqs } = batch;
    // Bisecting one batch whose items are all bad takes 2n - 1 refusals; a run of bad items in a
    // good batch (a bot on one bad URL) takes fewer. Only more refusals than that without a single
    // success mean the API refuses every item (a rule this client does not know): splitting would
    // only double the requests, so batches go whole until one is accepted.
    const everythingRefused = ++this.#refusedInARow > 2 * this.#options.batchSize;
    if (batch.single || items.length <= 1 || everythingRefused) {
      this.#counts.dropped += seqs.length;
      this.#reporter.refused(seqs.length, error);
      this.#release(seqs, false);
      this.#pump(); // the others go on: this request was the only one in flight during a pause
      return;
    }
    const middle = Math.ceil(items.length / 2);
    for (const [from, to] of [[0, middle], [middle, items.length]] as const) {
      const half: Batch = { kind: batch.kind, seqs: seqs.slice(from, to), items: items.slice(from, to), evicted: 0, single: false, attempts: batch.attempts };
      this.#requeue(half);
    }
    if (this.#options.debug) this.#options.logger?.debug?.(`[pirsch] ${error.message}; sending the ${seqs.length} ${batch.kind}s in two halves to find the refused ones`);
    this.#pump();
  }

  /** Items leave the queue (delivered, failed or dropped): update holdings and flush waiters. */
  #release(seqs: readonly number[], delivered: boolean): void {
    this.#held -= seqs.length;
    for (const waiter of this.#waiters) {
      let mine = 0;
      for (const seq of seqs) if (seq <= waiter.target) mine++;
      if (mine === 0) continue;
      waiter.remaining -= mine;
      if (!delivered) waiter.ok = false;
      if (waiter.remaining <= 0) waiter.resolve(waiter.ok);
    }
  }
}

/** 400 or 422 (the API's validation) or 413 (too large) to an ingest request: one of its items is refused, maybe not all. */
function isRefusedAsInvalid(error: PirschError): error is PirschApiError {
  return error instanceof PirschApiError && (error.status === 400 || error.status === 413 || error.status === 422) && error.request !== TOKEN_REQUEST;
}

/**
 * 401 or 403 that reached the queue: the authorized send already renewed an OAuth token once, so
 * the credentials themselves are refused (or the token request was).
 */
function isRefusedCredentials(error: PirschError): error is PirschApiError {
  return error instanceof PirschApiError && (error.status === 401 || error.status === 403);
}

const TOKEN_REQUEST = 'POST /api/v1/token';

/** setTimeout fires at once for values over 2^31-1 ms (and Infinity): clamp instead. NaN or negative: 0. */
function clampTimeout(ms: number): number {
  if (Number.isNaN(ms) || ms < 0) return 0;
  return Math.min(ms, 2 ** 31 - 1);
}

/**
 * The batch's objects, each with its `time` set on it, so the batch is one JSON.stringify (about
 * twice as fast as one call per item). The queue owns every object it holds (the client copies
 * what callers pass, the tracker's hits are its own). Items of the same millisecond share one
 * date string.
 */
function stampedWithTime(items: readonly Item[]): object[] {
  let lastT = Number.NaN;
  let lastTime = '';
  // Filled with push, not map(): in the running app the optimised map() made a holey array, which
  // JSON.stringify walks on its slow, element-by-element path (perf showed every batch there).
  const stamped: object[] = [];
  for (const item of items) {
    if (item.t !== lastT) {
      lastT = item.t;
      lastTime = isoTime(item.t);
    }
    (item.data as { time?: string }).time = lastTime;
    stamped.push(item.data);
  }
  return stamped;
}

/** `000Z` to `999Z`: the end of an ISO time for each millisecond. */
const MILLIS_Z: readonly string[] = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);
let isoSecond = Number.NaN;
let isoPrefix = '';

/**
 * `new Date(t).toISOString()`, with the date and time up to the second formatted once per second
 * and the milliseconds taken from a table: a batch's items carry the times of many milliseconds of
 * the same second, and formatting a date took a tenth of the queue's own time per hit in the
 * running app's profiles. Years outside 0000 to 9999 (an ISO string of another length) and times
 * that are no whole milliseconds are formatted whole.
 */
export function isoTime(t: number): string {
  const second = Math.floor(t / 1000);
  const end = MILLIS_Z[t - second * 1000];
  if (end === undefined) return new Date(t).toISOString();
  if (second !== isoSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== 24) return new Date(t).toISOString();
    isoSecond = second;
    isoPrefix = iso.slice(0, 20);
  }
  return isoPrefix + end;
}

/**
 * About the bytes an item takes in a batch's JSON, without serialising it: its keys and string
 * values by length (one level into an object: tags, meta), numbers and booleans as 8, plus the
 * quotes, colons, commas and the batch's `time`. UTF-8 and escapes can make the real JSON longer;
 * the serialised batch is checked against `maxBatchBytes` before it is sent.
 */
function approxJsonBytes(data: object): number {
  try {
    return jsonBytesOf(data);
  } catch {
    // A getter or Proxy inside an unknown field threw: the item goes alone, and serialising it
    // finds it invalid (dropped and counted as such, never lost in silence).
    return Number.MAX_SAFE_INTEGER;
  }
}

function jsonBytesOf(data: object): number {
  let bytes = 40;
  for (const key in data) {
    const value: unknown = (data as Record<string, unknown>)[key];
    if (value === undefined) continue;
    bytes += key.length + 4;
    if (typeof value === 'string') bytes += value.length;
    else if (typeof value === 'object' && value !== null) {
      for (const inner in value) {
        const innerValue: unknown = (value as Record<string, unknown>)[inner];
        bytes += inner.length + 6 + (typeof innerValue === 'string' ? innerValue.length : 8);
      }
    } else bytes += 8;
  }
  return bytes;
}

/** Codes of a connection that could not be made at all: the host or port is wrong, or there is no route. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isUnreachable(error: PirschError): boolean {
  return error instanceof PirschNetworkError && error.code !== undefined && UNREACHABLE_CODES.has(error.code);
}

/**
 * Every request in flight listens on the queue's one signal: more than 10 of them (concurrency
 * above 10) would print a MaxListenersExceededWarning for what is no leak.
 */
function unlimitedAbortController(): AbortController {
  const controller = new AbortController();
  allowManyListeners(controller.signal);
  return controller;
}
