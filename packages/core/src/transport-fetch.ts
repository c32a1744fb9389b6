import { PirschNetworkError } from './errors.js';
import { onAbort, signalAborted } from './runtime.js';
import { parseBody, readsBytes, requestParts, requestPath, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

/**
 * HTTP to the Pirsch API with the runtime's global `fetch`: workerd (Cloudflare Workers), Vercel
 * Edge, Deno, Bun, and Node where the web entry is used. `timeoutMs` bounds each request whole
 * (connecting, headers and body). Failures become `PirschNetworkError`s whose messages hold no
 * header (so no token); a refused connection keeps its `ECONNREFUSED`-style code where the
 * runtime gives one. `close()` aborts what is in flight. The runtime pools connections itself; the
 * delivery queue's `concurrency` bounds how many requests are in flight.
 */
export class FetchTransport implements Transport {
  readonly #origin: string;
  readonly #basePath: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  /** One controller per request in flight, aborted by `close()`. */
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(baseUrl: URL, timeoutMs: number, fetchImpl: typeof fetch = globalThis.fetch) {
    if (typeof fetchImpl !== 'function') throw new TypeError('this runtime has no global fetch');
    this.#origin = baseUrl.origin;
    this.#basePath = baseUrl.pathname.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
    // Called unbound: workerd throws "Illegal invocation" for a fetch called as a method of another object.
    this.#fetch = (input, init) => fetchImpl(input, init);
  }

  async send(request: TransportRequest): Promise<TransportResponse> {
    const label = `${request.method} ${request.path}`;
    if (this.#closed) throw new PirschNetworkError(label, 'CLIENT_CLOSED', false, 'the client is closed');
    const { headers, payload } = requestParts(request);
    // Made here, for this request only: on workerd a signal may only be used by the request (of
    // the app) that created it, and the client outlives every request.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const unlisten = onAbort(request.signal, () => controller.abort());
    this.#inFlight.add(controller);
    try {
      if (signalAborted(request.signal)) controller.abort();
      const response = await this.#fetch(this.#origin + requestPath(this.#basePath, request), {
        method: request.method,
        headers,
        body: payload as RequestInit['body'],
        signal: controller.signal,
        redirect: 'manual',
      });
      const responseHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        responseHeaders[name] = value;
      });
      if (readsBytes(request, response.status)) return { status: response.status, headers: responseHeaders, body: new Uint8Array(await response.arrayBuffer()) };
      return { status: response.status, headers: responseHeaders, body: parseBody(await response.text()) };
    } catch (error) {
      if (this.#closed) throw new PirschNetworkError(label, 'CLIENT_CLOSED', false, 'the client was closed');
      if (signalAborted(request.signal)) throw new PirschNetworkError(label, 'ABORTED', false, 'the request was aborted');
      if (timedOut) throw new PirschNetworkError(label, 'ETIMEDOUT', true, `no answer within ${this.#timeoutMs} ms`);
      throw new PirschNetworkError(label, networkCode(error), false, messageOf(error));
    } finally {
      clearTimeout(timer);
      unlisten();
      this.#inFlight.delete(controller);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#inFlight) {
      try {
        controller.abort();
      } catch {
        // another workerd request's: it ends with that request
      }
    }
    this.#inFlight.clear();
  }
}

/** The system error code of a failed fetch (Node's undici puts it on `cause`), if any. */
function networkCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== null && typeof current === 'object' && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  // Deno and workerd give only a message: name the usual cases by it.
  const message = messageOf(error).toLowerCase();
  if (message.includes('connection refused')) return 'ECONNREFUSED';
  if (message.includes('dns error') || message.includes('name or service not known')) return 'ENOTFOUND';
  return undefined;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== '' && cause.message !== error.message ? `${error.message}: ${cause.message}` : error.message;
}
