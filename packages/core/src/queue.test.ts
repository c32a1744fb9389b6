import { describe, expect, it } from 'vitest';
import { DeliveryQueue, isoTime } from './queue.js';
import { resolveClientOptions } from './options.js';
import { ErrorReporter } from './reporter.js';
import { PirschApiError, PirschNetworkError } from './errors.js';
import { createClient } from './client.js';

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
