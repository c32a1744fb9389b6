// A request through an app's request listener without a socket: a real IncomingMessage and
// ServerResponse over a stream that discards what is written, so neither the network nor a load
// generator is in what is timed. Used by bench/adapter-time.mjs and bench/request-time.mjs.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { BROWSER_HEADERS } from './http.mjs';

/** The browser headers of the HTTP benchmarks, as Node hands them over (lower-case names), with a Host. */
export const SOCKETLESS_HEADERS = Object.freeze(
  Object.fromEntries(Object.entries({ ...BROWSER_HEADERS, host: 'shop.example.com' }).map(([key, value]) => [key.toLowerCase(), value])),
);

/**
 * One GET / through `handler` from 203.0.113.7. Resolves once the response finished and every
 * 'finish' listener (an adapter's too) has run: with the ns from the call to then.
 */
export function socketlessRequest(handler) {
  return new Promise((done) => {
    const socket = new Duplex({ read() {}, write: (_chunk, _encoding, callback) => callback(), writev: (_chunks, callback) => callback() });
    socket.remoteAddress = '203.0.113.7';
    const req = new IncomingMessage(socket);
    Object.assign(req, { method: 'GET', url: '/', httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1, complete: true });
    req.headers = { ...SOCKETLESS_HEADERS };
    req.push(null);
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    let start = 0n;
    // First of the 'finish' listeners; the immediate runs after all of them.
    res.once('finish', () => setImmediate(() => done(Number(process.hrtime.bigint() - start))));
    start = process.hrtime.bigint();
    handler(req, res);
  });
}
