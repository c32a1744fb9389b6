import type { Socket } from 'node:net';
import { Pool, buildConnector } from 'undici';
import { PirschApiError, PirschNetworkError } from './errors.js';
import { parseRetryAfter } from './retry.js';

/** One HTTP answer of the API, with the body already read (every body is consumed). */
export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

/** One value of a query parameter. */
export type QueryValue = string | number | boolean;

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** An array is sent as the parameter repeated, once per value (`?path=/a&path=/b`). */
  query?: Record<string, QueryValue | readonly QueryValue[] | undefined>;
  body?: unknown;
  /** Read a 2xx answer as bytes (a `Buffer` in `body`) instead of JSON: the statistics export is a zip. */
  binary?: boolean;
  /** An already serialised JSON body, as text or UTF-8 bytes (wins over `body`). */
  json?: string | Buffer;
  token?: string;
  /** Aborts the request (waiting for a connection or in flight); it then rejects with code `ABORTED`. */
  signal?: AbortSignal;
}

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
export class Transport {
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
    const headers: Record<string, string> = { accept: request.binary ? '*/*' : 'application/json', 'user-agent': 'pirsch-node' };
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    let payload: string | Buffer | undefined;
    if (request.json !== undefined || request.body !== undefined) {
      payload = request.json ?? JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    let path = this.#basePath + request.path;
    if (request.query) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(request.query)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value as readonly QueryValue[]) search.append(key, String(item));
        else search.append(key, String(value));
      }
      const qs = search.toString();
      if (qs) path += `?${qs}`;
    }
    try {
      const response = await this.#pool.request({ method: request.method, path, headers, body: payload, signal: request.signal });
      if (request.binary && response.statusCode >= 200 && response.statusCode < 300) {
        return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
      }
      const text = await response.body.text();
      let body: unknown;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: response.statusCode, headers: response.headers, body };
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

  /** Fails when the status is not 2xx, with the API's error JSON on a PirschApiError. */
  static check(label: string, response: TransportResponse): TransportResponse {
    if (response.status >= 200 && response.status < 300) return response;
    const body = typeof response.body === 'object' && response.body !== null ? (response.body as { validation?: Record<string, string>; error?: string[] }) : undefined;
    const error = body && (Array.isArray(body.error) || typeof body.validation === 'object') ? body : { error: typeof response.body === 'string' ? [response.body.slice(0, 500)] : [] };
    throw new PirschApiError(response.status, error, label, parseRetryAfter(response.headers['retry-after']));
  }

  /** Closes the pool: in-flight requests are aborted (rejecting with `CLIENT_CLOSED`) and every connection is closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.destroy().catch(() => {});
  }
}
