// Micro-benchmarks, in their own process (pinned, with --expose-gc):
//  1. the work on a request's path, per request: the skip decision, hit extraction, enqueue, and
//     all three together as an adapter runs them (tracker.track), in ns/op;
//  2. the floor of in-process delivery at the client's old batch size (50) and at its default now:
//     serialising a batch, and one POST of it with undici alone (no queue, no client), in CPU time per hit;
//  3. the delivery queue under a burst of 100k hits: POSTs per 1000 hits, delivered, dropped, peak memory.
// argv: <apiUrl> <accessKey>. Sends { type: 'ready' }, then { type: 'result', ... } and exits.
// Told { cmd: 'start', only: 'floor' }: only the floor at the client's default batch size (with
// tracker.track() for its first part), for a tool that sets it beside what it measured in an app.
import { IncomingMessage } from 'node:http';
import { setImmediate as turn } from 'node:timers/promises';
import { createClient, hitFromRequest } from '@pirsch-node/core';
import { createTracker } from '@pirsch-node/core/adapter';
import { Pool } from 'undici';
import { clientBatchSize } from './apps.mjs';
import { batchSerialiser } from './least.mjs';
import { BROWSER_HEADERS } from './http.mjs';
import { LOAD_CORE, exited, startChild } from './processes.mjs';

const [apiUrl, accessKey] = process.argv.slice(2);
const CHUNK = 1000;
/** The client's default batch size before batches grew with the traffic: the floor is measured at it too. */
const OLD_BATCH_SIZE = 50;

/** A real IncomingMessage as Node's parser leaves it, for a page view with browser headers. */
function pageRequest(i, path = `/products/${i % 100}?utm_source=newsletter`) {
  const req = new IncomingMessage({ remoteAddress: `203.0.113.${i % 250}`, encrypted: false });
  req.method = 'GET';
  req.url = path;
  req.headers = { host: 'shop.example.com', ...BROWSER_HEADERS, connection: 'keep-alive' };
  return req;
}

/**
 * Times `op` over `chunks` chunks of CHUNK fresh requests each (built outside the timing). Between
 * chunks, untimed, `settle` lets the client deliver what the chunk enqueued, so every chunk meets
 * the queue as a server under sustainable load would (not full, not evicting).
 * Returns ns/op: the median of the chunks and the mean.
 */
async function timePerOp(op, { chunks = 300, warmup = 50, path, settle = turn, withMicrotasks = false } = {}) {
  const perChunk = [];
  let totalNs = 0n;
  for (let c = 0; c < warmup + chunks; c++) {
    const reqs = Array.from({ length: CHUNK }, (_, i) => pageRequest(c * CHUNK + i, path));
    const start = process.hrtime.bigint();
    for (let i = 0; i < CHUNK; i++) op(reqs[i]);
    // The microtasks the calls queued (the client serialises cut batches there) run before this resumes.
    if (withMicrotasks) await null;
    const ns = process.hrtime.bigint() - start;
    if (c >= warmup) {
      perChunk.push(Number(ns) / CHUNK);
      totalNs += ns;
    }
    await settle();
  }
  perChunk.sort((a, b) => a - b);
  return { median: perChunk[Math.floor(perChunk.length / 2)], mean: Number(totalNs) / (chunks * CHUNK) };
}

async function requestPath() {
  const client = createClient({ baseUrl: apiUrl, accessKey });
  const tracker = createTracker({ client });
  const ctx = (req) => ({ raw: req, req, res: undefined, ip: req.socket.remoteAddress });
  const hit = hitFromRequest(pageRequest(1));

  const settle = () => client.flush(30_000);
  const results = {
    decision: await timePerOp((req) => tracker.track(ctx(req), 200), { path: '/static/app.css' }),
    extraction: await timePerOp((req) => hitFromRequest(req, { ip: req.socket.remoteAddress })),
    enqueue: await timePerOp(() => client.hit(hit), { settle }),
    track: await timePerOp((req) => tracker.track(ctx(req), 200), { settle }),
    trackAndBatch: await timePerOp((req) => tracker.track(ctx(req), 200), { settle, withMicrotasks: true }),
  };
  const delivered = await client.close(30_000);
  results.client = { delivered, ...client.metrics, skipped: { ...tracker.skipped }, tracked: tracker.tracked };
  return results;
}

/**
 * What any in-process delivery of these hits costs at least, without our queue, at each batch size
 * of `sizes` (the client's old default of 50 and its default now), in this one process: JSON of
 * a batch (each hit with its `time`) in UTF-8, as the queue does (a hundred items per
 * JSON.stringify, into memory taken back for the next body: bench/least.mjs's batchSerialiser;
 * `Buffer.from(JSON.stringify(batch))` until 4dfa3ee), and one POST of those bytes with undici alone (4
 * connections, 4 in flight, keep-alive, response body read) to a server that answers at once
 * (sink-process.mjs, on the other core); both as this process's CPU time (all threads, kernel
 * included), per hit and per POST. Every size serialises and POSTs the same number of hits (`hits`,
 * after `warmupHits` untimed), the sizes taking turns in `passes` passes so neither gets the
 * warmer or quieter machine. Every POST's answer is checked.
 */
async function deliveryFloors(sizes, { hits = 200_000, warmupHits = 25_000, serialiseHits = 500_000, passes = 2 } = {}) {
  const distinct = 10_000; // hits built, each batch size cutting them into its own batches
  const time = new Date().toISOString();
  const stamped = Array.from({ length: distinct }, (_, i) => ({ ...hitFromRequest(pageRequest(i)), time }));
  const serialised = (items) => Buffer.from(JSON.stringify(items));
  const floors = sizes.map((batch) => {
    const batches = [];
    for (let at = 0; at + batch <= distinct; at += batch) batches.push(stamped.slice(at, at + batch));
    const bodies = batches.map(serialised);
    return {
      batch,
      batches,
      bodies,
      bytesPerHit: bodies.reduce((sum, body) => sum + body.length, 0) / (batches.length * batch),
      serialiseNsTotal: 0,
      serialised: 0,
      cpuUs: 0,
      posts: 0,
      failed: 0,
    };
  });
  // Serialising: the same batches over and over, `n` hits' worth, the least costly way known
  // (bench/least.mjs: in parts, into memory taken back once its body is done with, as our queue
  // does): what the floor allows for it is what it costs at least.
  const { serialiseBatch, release } = batchSerialiser();
  const serialise = (floor, n) => {
    let done = 0;
    while (done < n) {
      for (const items of floor.batches) {
        release(serialiseBatch(items));
        done += items.length;
      }
    }
    return done;
  };
  for (const floor of floors) serialise(floor, warmupHits);
  // As CPU time, like the POSTs: a slice the scheduler gives another process (the machine is
  // shared) is not counted; the garbage the bodies leave is.
  for (let pass = 0; pass < passes; pass++) {
    for (const floor of floors) {
      const cpu = process.cpuUsage();
      floor.serialised += serialise(floor, serialiseHits / passes);
      const used = process.cpuUsage(cpu);
      floor.serialiseNsTotal += (used.user + used.system) * 1000;
    }
  }

  const { child: sink, ready } = await startChild('sink-process.mjs', [], { core: LOAD_CORE });
  const pool = new Pool(ready.url, { connections: 4 });
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${accessKey}` };
  const send = async (floor, n) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < n) {
          const body = floor.bodies[next++ % floor.bodies.length];
          const response = await pool.request({ method: 'POST', path: '/api/v1/hit/batch', headers, body });
          await response.body.text();
          if (response.statusCode !== 200) floor.failed++;
        }
      }),
    );
  };
  for (const floor of floors) await send(floor, Math.round(warmupHits / floor.batch));
  for (let pass = 0; pass < passes; pass++) {
    for (const floor of floors) {
      const posts = Math.round(hits / passes / floor.batch);
      const cpu = process.cpuUsage();
      await send(floor, posts);
      const used = process.cpuUsage(cpu);
      floor.cpuUs += used.user + used.system;
      floor.posts += posts;
    }
  }
  await pool.close();
  sink.disconnect();
  await exited(sink);
  return floors.map((floor) => ({
    batch: floor.batch,
    serialiseNs: floor.serialiseNsTotal / floor.serialised,
    bytesPerHit: floor.bytesPerHit,
    postUs: floor.cpuUs / floor.posts,
    postNsPerHit: (floor.cpuUs * 1000) / (floor.posts * floor.batch),
    posts: floor.posts,
    hits: floor.posts * floor.batch,
    failed: floor.failed,
  }));
}

/** Samples memory on every event-loop turn while `work` runs; returns its result and the peaks over the baseline. */
async function withPeakMemory(client, work) {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  let peakHeld = 0;
  let sampling = true;
  const sample = () => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
    const { queued, inFlight } = client.metrics;
    peakHeld = Math.max(peakHeld, queued + inFlight);
  };
  const sampler = (async () => {
    while (sampling) {
      sample();
      await turn();
    }
  })();
  const result = await work(sample);
  sampling = false;
  await sampler;
  return { ...result, peakHeld, peakHeapMiB: (peakHeap - base.heapUsed) / 2 ** 20, peakRssMiB: (peakRss - base.rss) / 2 ** 20 };
}

/**
 * 100k distinct hits into one client with default options, CHUNK per event-loop turn (`perTurn`)
 * or all in one synchronous loop; then flush. `postsBefore`/`postsAfter` read the API's count.
 */
async function burst({ total = 100_000, perTurn, spacingMs = 0 }) {
  const client = createClient({ baseUrl: apiUrl, accessKey });
  const hits = Array.from({ length: total }, (_, i) => hitFromRequest(pageRequest(i)));
  const started = performance.now();
  const measured = await withPeakMemory(client, async (sample) => {
    for (let i = 0; i < total; i++) {
      client.hit(hits[i]);
      if (perTurn !== undefined && (i + 1) % perTurn === 0) {
        sample();
        // Paced bursts keep to their schedule (no drift when a timer fires late).
        const due = started + ((i + 1) / perTurn) * spacingMs;
        const wait = due - performance.now();
        if (spacingMs > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        else await turn();
      }
    }
    sample();
    const enqueuedMs = performance.now() - started;
    const flushed = await client.flush(60_000);
    return { enqueuedMs, flushed };
  });
  const seconds = (performance.now() - started) / 1000;
  await client.close(1000);
  return { total, perTurn: perTurn ?? total, spacingMs, seconds, ...measured, ...client.metrics };
}

process.send({ type: 'ready' });
const message = await new Promise((resolve) => process.once('message', resolve));
const reset = async () => {
  process.send({ type: 'reset' });
  await new Promise((resolve) => process.once('message', resolve));
};
const counts = async () => {
  process.send({ type: 'counts' });
  return new Promise((resolve) => process.once('message', resolve));
};
const batchSize = await clientBatchSize();
const perRequest = await requestPath();
if (message?.only === 'floor') {
  const floors = await deliveryFloors([batchSize]);
  process.send({ type: 'result', batchSize, perRequest, floors }, () => process.exit(0));
  await new Promise(() => {});
}
const floors = await deliveryFloors([...new Set([OLD_BATCH_SIZE, batchSize])]);
const bursts = [];
for (const shape of [
  { perTurn: CHUNK }, // as fast as the loop can go, the event loop turning every 1000 hits
  { perTurn: 100, spacingMs: 5 }, // 20k hits per second, a busy server
  { perTurn: undefined }, // 100k in one synchronous loop: past maxQueueSize the oldest are dropped
]) {
  await reset();
  const result = await burst(shape);
  const received = await counts();
  bursts.push({ ...result, posts: received.ingestPosts, received: received.hits });
}
process.send({ type: 'result', batchSize, oldBatchSize: OLD_BATCH_SIZE, perRequest, floors, bursts }, () => process.exit(0));
