import type { Socket } from 'node:net';
import { Pool, buildConnector } from 'undici';
import { PirschNetworkError } from './errors.js';
import { parseBody, readsBytes, requestParts, requestPath, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Lets a socket never hold the process open. undici refs a socket while it has requests and
 * unrefs it when idle; here the ref is a no-op, so delivery in flight does not keep a finished
 * script alive: the exit drain's ref'd timer bounds how long it may wait (and an API call, which
 * its caller awaits, holds the process itself while it runs).
 */
function neverHoldsTheProcess(socket: Socket): void {
  socket.unref();
  socket.ref = () => socket;
}

/**
 * HTTP to the Pirsch API over one keep-alive undici pool. `timeoutMs` bounds connecting, the
 * response headers and the body. Network failures become `PirschNetworkError`s whose messages
 * hold no header (so no token). Its sockets never keep the process alive (see
 * `neverHoldsTheProcess`); `close()` aborts what is in flight and closes every connection.
 */
export class UndiciTransport implements Transport {
  readonly #pool: Pool;
  readonly #basePath: string;
  #closed = false;

  constructor(baseUrl: URL, timeoutMs: number, connections: number) {
    this.#basePath = baseUrl.pathname.replace(/\/+$/, '');
    const connect = buildConnector({ timeout: timeoutMs });
    this.#pool = new Pool(baseUrl.origin, {
      connections,
      connect: (options, callback) => {
        // undici's connector returns the socket it is connecting, though its type says void.
        const socket = (connect as (...args: Parameters<typeof connect>) => Socket | undefined)(options, callback);
        if (socket) neverHoldsTheProcess(socket);
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 30_000,
    });
    // An emitted 'error' without listener would crash the process.
    this.#pool.on('connectionError', () => {});
  }

  /** Sends a request and reads its whole body. Rejects with PirschNetworkError only; any status resolves. */
  async send(request: TransportRequest): Promise<TransportResponse> {
    const label = `${request.method} ${request.path}`;
    if (this.#closed) throw new PirschNetworkError(label, 'CLIENT_CLOSED', false, 'the client is closed');
    const { headers, payload } = requestParts(request);
    const path = requestPath(this.#basePath, request);
    try {
      const response = await this.#pool.request({ method: request.method, path, headers, body: payload, signal: request.signal });
      if (readsBytes(request, response.statusCode)) {
        return { status: response.statusCode, headers: response.headers, body: new Uint8Array(await response.body.arrayBuffer()) };
      }
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, body: parseBody(text) };
    } catch (error) {
      // Ended on purpose: by close(), or by the caller's signal (the exit drain's deadline). Final either way.
      if (this.#closed) throw new PirschNetworkError(label, 'CLIENT_CLOSED', false, 'the client was closed');
      if (request.signal?.aborted) throw new PirschNetworkError(label, 'ABORTED', false, 'the request was aborted');
      const code = (error as { code?: unknown }).code;
      const codeText = typeof code === 'string' ? code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      throw new PirschNetworkError(label, codeText, codeText !== undefined && TIMEOUT_CODES.has(codeText), message);
    }
  }

  /** Closes the pool: in-flight requests are aborted (rejecting with `CLIENT_CLOSED`) and every connection is closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy().catch(() => {});
  }
}
