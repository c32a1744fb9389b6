import { describe, expect, it, vi } from 'vitest';
import { DeliveryQueue, isoTime } from './queue.js';
import { resolveClientOptions } from './options.js';
import { ErrorReporter } from './reporter.js';
import { PirschApiError, PirschNetworkError } from './errors.js';
import { createClient } from './client.js';
import { collectGarbageUntilGone } from './test-support.js';

const hit = (n: number, extra: object = {}) => ({ url: `https://x.example/${n}`, ip: '10.0.0.1', user_agent: 'UA', ...extra });
const text = (body: unknown) => new TextDecoder().decode(body as Uint8Array);

function harness(options: object, answer: (body: unknown[], i: number) => Promise<void>) {
  const opts = resolveClientOptions({ accessKey: 'pa_x', minRetryDelayMs: 20, maxRetryDelayMs: 40, ...options } as never);
  const sent: unknown[][] = [];
  const send = async (req: { json?: unknown }) => {
    const body = JSON.parse(text(req.json));
    const i = sent.push(Array.isArray(body) ? body : [body]) - 1;
    await answer(sent[i]!, i);
    return { status: 200, headers: {}, body: undefined } as never;
  };
  const queue = new DeliveryQueue(opts, send as never, new ErrorReporter(() => {}, undefined));
  return { queue, sent };
}

// The queue on its own, with a send function of the test's (the seam the client's authorized
// send fills): the order requests start in and how many run at once, which the emulator, across
// several connections, cannot tell apart.
describe('DeliveryQueue', () => {
  it('an item whose nested getter throws is held and then dropped as invalid, counted, never lost in silence', async () => {
    const pirsch = createClient({ accessKey: 'pa_x', baseUrl: 'http://127.0.0.1:9', allowHttp: true } as never);
    pirsch.hit(hit(1, { extra: { get boom() { throw new Error('x'); } } }) as never);
    expect(pirsch.metrics.queued + pirsch.metrics.dropped).toBe(1);
    await pirsch.close(10);
  });

  it('a full queue drops its oldest item for a new one, not a whole ready batch', async () => {
    // API down: every request fails with a network error, the batches wait out the backoff.
    const { queue } = harness({ maxQueueSize: 1000, concurrency: 1, maxRetries: 100 }, async () => {
      throw new PirschNetworkError('POST /api/v1/hit/batch', 'ECONNRESET', false);
    });
    for (let i = 0; i < 1000; i++) queue.enqueue('hit', hit(i));
    await new Promise((r) => setTimeout(r, 5));
    const before = queue.metrics.dropped;
    queue.enqueue('hit', hit(1000));
    expect(queue.metrics.dropped - before).toBe(1);
    queue.stop();
  });

  // While the API is down a full queue evicts the head of the oldest ready batch for every item
  // the app adds: O(1), the evicted slots cut off once, when the batch leaves the line.
  function outage(options: object = {}) {
    let down = true;
    const delivered: number[] = [];
    const { queue } = harness({ maxQueueSize: 1000, concurrency: 1, maxRetries: 100, ...options }, async (body) => {
      if (down) throw new PirschNetworkError('POST /api/v1/hit/batch', 'ECONNRESET', false);
      for (const item of body as Array<{ url: string }>) delivered.push(Number(item.url.split('/').pop()));
    });
    return { queue, delivered, answer: () => (down = false) };
  }

  it('a full queue keeps the newest items while the API is down; once it answers they are delivered, oldest first, each once', async () => {
    const { queue, delivered, answer } = outage();
    // 2,250 items: the batch of items 1000 to 1499 loses its first 250 to eviction and is the
    // first sent afterwards, so what it sends must be only what is left of it.
    for (let i = 0; i < 2250; i++) queue.enqueue('hit', hit(i));
    expect(queue.metrics.dropped).toBe(1250);
    await vi.waitFor(() => expect(queue.metrics.retried).toBeGreaterThan(0));
    answer();
    expect(await queue.flush(5000)).toBe(true);
    expect(delivered).toEqual(Array.from({ length: 1000 }, (_, i) => 1250 + i));
    expect(queue.metrics).toMatchObject({ queued: 0, inFlight: 0, sent: 1000, dropped: 1250, failed: 0 });
    queue.stop();
  });

  it('stopped after evictions, every item is counted dropped once', () => {
    const { queue } = outage();
    for (let i = 0; i < 2250; i++) queue.enqueue('hit', hit(i));
    queue.stop();
    expect(queue.metrics).toMatchObject({ queued: 0, inFlight: 0, sent: 0, dropped: 2250 });
  });

  it('an evicted item is let go at once, not held until its batch is sent', async () => {
    // A long backoff: after the first failure the batch waits among the ready ones.
    const { queue } = outage({ minRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    let first: WeakRef<object> | undefined;
    for (let i = 0; i < 500; i++) {
      const item = hit(i);
      first ??= new WeakRef(item);
      queue.enqueue('hit', item);
    }
    await vi.waitFor(() => expect(queue.metrics.retried).toBe(1));
    for (let i = 500; i < 1001; i++) queue.enqueue('hit', hit(i));
    expect(queue.metrics).toMatchObject({ queued: 1000, dropped: 1 });
    await collectGarbageUntilGone(first);
    expect(first?.deref()).toBeUndefined();
    queue.stop();
  });

  it('a batch split for its size: its older part is requested first', async () => {
    const { queue, sent } = harness({ maxBatchBytes: 1024, concurrency: 4 }, async () => {});
    // Multi-byte text: estimate about 1 byte a character, real 3.
    for (let i = 0; i < 8; i++) queue.enqueue('hit', hit(i, { title: '漢'.repeat(100) }));
    expect(await queue.flush(1000)).toBe(true);
    const order = sent.map((b) => (b as Array<{ url: string }>).map((h) => Number(h.url.split('/').pop())));
    expect(order.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    queue.stop();
  });

  it('refused credentials, with batches split for their size: after the first refusal, one probe at a time', async () => {
    let inFlight = 0;
    let refused = false;
    let probes = 0;
    let most = 0;
    const { queue } = harness({ maxBatchBytes: 1024, concurrency: 4, flushIntervalMs: 10 }, async () => {
      inFlight++;
      // Before the first refusal the batches go at full concurrency; after it, one at a time.
      if (refused) {
        probes++;
        most = Math.max(most, inFlight);
      }
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      refused = true;
      throw new PirschApiError(401, { error: ['no'] }, 'POST /api/v1/hit/batch');
    });
    for (let i = 0; i < 8; i++) queue.enqueue('hit', hit(i, { title: '漢'.repeat(100) }));
    await new Promise((r) => setTimeout(r, 300));
    expect(probes).toBeGreaterThan(1);
    expect(most).toBe(1);
    queue.stop();
  });
});

// A batch's body is written into memory the queue lends it until its request ends, then writes
// a later batch there: no new memory of a few hundred KB for every batch.
describe('DeliveryQueue: the memory of batch bodies', () => {
  /** A queue whose requests wait until the test ends them, one by one. */
  function held(options: object) {
    const opts = resolveClientOptions({ accessKey: 'pa_x', minRetryDelayMs: 1, maxRetryDelayMs: 2, flushIntervalMs: 5, ...options } as never);
    const requests: { body: Uint8Array; bytesThen: string; end: (ok: boolean) => void }[] = [];
    const send = (req: { json?: Uint8Array }) =>
      new Promise((resolve, reject) => {
        const body = req.json!;
        requests.push({
          body,
          bytesThen: text(body),
          end: (ok) => (ok ? resolve({ status: 200, headers: {}, body: undefined }) : reject(new PirschNetworkError('POST /api/v1/hit/batch', 'ECONNRESET', false))),
        });
      });
    const queue = new DeliveryQueue(opts, send as never, new ErrorReporter(() => {}, undefined));
    const until = async (count: number) => {
      for (let i = 0; i < 200 && requests.length < count; i++) await new Promise((r) => setTimeout(r, 2));
      expect(requests.length).toBeGreaterThanOrEqual(count);
    };
    return { queue, requests, until };
  }
  const batch = (queue: DeliveryQueue, from: number) => {
    for (let i = from; i < from + 3; i++) queue.enqueue('hit', hit(i));
  };

  it('bodies in flight at once have memory of their own, each unchanged until its request ends', async () => {
    const { queue, requests, until } = held({ batchSize: 3, concurrency: 2 });
    batch(queue, 0);
    batch(queue, 3);
    await until(2);
    const [first, second] = requests;
    expect(second!.body.buffer).not.toBe(first!.body.buffer);
    expect(text(first!.body)).toBe(first!.bytesThen);
    first!.end(true);
    second!.end(true);
    expect(await queue.flush(1000)).toBe(true);
    queue.stop();
  });

  it("a request that ended, delivered or failed, gives its body's memory to the next batch", async () => {
    const { queue, requests, until } = held({ batchSize: 3, concurrency: 1, maxRetries: 3 });
    batch(queue, 0);
    await until(1);
    requests[0]!.end(true);
    await queue.flush(1000);
    batch(queue, 3);
    await until(2);
    // the same memory, now holding the second batch: the first's request had ended
    expect(requests[1]!.body.buffer).toBe(requests[0]!.body.buffer);
    expect(JSON.parse(text(requests[1]!.body)).map((h: { url: string }) => h.url)).toEqual([3, 4, 5].map((n) => `https://x.example/${n}`));
    // failed: its retry is written again, into the same memory
    requests[1]!.end(false);
    await until(3);
    expect(requests[2]!.body.buffer).toBe(requests[0]!.body.buffer);
    expect(text(requests[2]!.body)).toBe(requests[1]!.bytesThen);
    requests[2]!.end(true);
    expect(await queue.flush(1000)).toBe(true);
    queue.stop();
  });
});

describe('isoTime', () => {
  it('gives what toISOString gives: across seconds, back and forth, at their edges, before 1970 and outside years 0000 to 9999', () => {
    const times: number[] = [];
    const base = Date.UTC(2026, 11, 3, 18, 59, 59, 998);
    for (let ms = 0; ms < 3000; ms += 1) times.push(base + ms);
    // back and forth between two seconds, as items of a batch can be (a requeued batch before newer ones)
    for (let i = 0; i < 20; i++) times.push(base + (i % 2 === 0 ? 0 : 1500) + i);
    times.push(0, -1, -999, -1000, -1001, Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1, 0, 0, 0, 5), 8.64e15, -8.64e15);
    // times that are no whole millisecond: formatted whole, as toISOString truncates them
    times.push(base + 0.5, base + 1.25);
    for (const t of times) expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor((Math.random() * 2 - 1) * 8.64e15);
      expect(isoTime(t), String(t)).toBe(new Date(t).toISOString());
    }
  });
});
