// The least in-process delivery and tracking, for the bench's `naive`, `serialise` and `least`
// variants (bench/apps.mjs). In a file of their own so a profile can tell their samples apart
// (bench/shares-analysis.mjs counts this file's frames as tracking's, like our packages'):
// `serialiseBatch` is the serialise phase, `postBatch` the post phase, the rest track.
//
//   leastDelivery   every `batchSize` hits serialised in a microtask (JSON, UTF-8) and POSTed with
//                   undici alone: no queue, no retries, no bounds, no timer. With `post: false` each
//                   body is built and thrown away.
//   leastTracker    the least any adapter must do per request to send Pirsch a correct page view:
//                   hear the response's end to know its status, then read the five fields a hit
//                   needs (url, ip, user agent, language, referrer) straight from Node's request.
//                   No filter, no bot or proxy handling, no client hints: less than a correct
//                   adapter does, so what it costs is at most what any in-process design costs.
import { Pool } from 'undici';

/**
 * Batch bodies written the least costly way known: the items stamped with one time, as JSON in
 * UTF-8, a hundred items per `JSON.stringify`, straight into memory of `limit` bytes that is
 * taken back once the body's request has ended (`release`) and written again, so no batch needs
 * new memory (as our queue does since 4dfa3ee; `Buffer.from(JSON.stringify(batch))` took about
 * four times as long, most of it in the new memory). `serialiseBatch` returns a Buffer view.
 */
export function batchSerialiser(limit = 262_144) {
  const free = [];
  const lent = new WeakMap();
  return {
    serialiseBatch(items) {
      const time = new Date().toISOString();
      for (const item of items) item.time = time;
      const block = free.pop() ?? Buffer.allocUnsafeSlow(limit);
      let end = 0;
      for (let start = 0; start < items.length; start += 100) {
        const written = block.write(JSON.stringify(items.slice(start, start + 100)), end, limit - end, 'utf8');
        // A part that filled the rest of the block may have been cut: no body rather than a wrong one.
        if (written === limit - end) throw new Error(`a batch of ${items.length} hits does not fit in ${limit} bytes`);
        if (start > 0) block[end] = 0x2c;
        end += written - 1;
      }
      block[end] = 0x5d;
      lent.set(block.buffer, block);
      return block.subarray(0, end + 1);
    },
    release(body) {
      const block = lent.get(body.buffer);
      if (block === undefined) return;
      lent.delete(body.buffer);
      free.push(block);
    },
  };
}

/**
 * A client with `hit(hit)` that batches straight to undici (see the top of this file), and
 * `finish()` that sends what is left and resolves once every POST has been answered.
 */
export function leastDelivery(apiUrl, accessKey, batchSize, { post }) {
  const url = new URL(apiUrl);
  const pool = new Pool(url.origin, { connections: 6 });
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${accessKey}` };
  const pending = new Set();
  let batch = [];
  let serialisedBytes = 0;
  const { serialiseBatch, release } = batchSerialiser();
  function postBatch(body) {
    const request = pool
      .request({ method: 'POST', path: '/api/v1/hit/batch', headers, body })
      .then(
        (response) => response.body.text(),
        () => {},
      )
      .finally(() => release(body));
    pending.add(request);
    void request.finally(() => pending.delete(request));
  }
  const send = (items) => {
    const body = serialiseBatch(items);
    if (post) postBatch(body);
    else {
      serialisedBytes += body.length;
      release(body);
    }
  };
  return {
    hit(hit) {
      batch.push(hit);
      if (batch.length < batchSize) return;
      const items = batch;
      batch = [];
      queueMicrotask(() => send(items));
    },
    async finish() {
      if (batch.length > 0) send(batch);
      await Promise.all(pending);
      await pool.close();
      return post ? {} : { serialisedBytes };
    },
  };
}

/**
 * `track(req, res)` for Node's request and response: once the response has gone out with a
 * status below 400, one hit of the five fields into `client`.
 */
export function leastTracker(client) {
  return function track(req, res) {
    const ended = () => {
      res.removeListener('finish', ended);
      if (res.statusCode >= 400) return;
      const headers = req.headers;
      client.hit({
        url: `http://${headers.host}${req.url}`,
        ip: req.socket.remoteAddress,
        user_agent: headers['user-agent'] ?? '',
        accept_language: headers['accept-language'],
        referrer: headers.referer,
      });
    };
    res.on('finish', ended);
  };
}
