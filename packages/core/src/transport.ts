import { PirschApiError } from './errors.js';
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
  /** Read a 2xx answer as bytes (a `Uint8Array` in `body`) instead of JSON: the statistics export is a zip. */
  binary?: boolean;
  /** An already serialised JSON body, as text or UTF-8 bytes (wins over `body`). */
  json?: string | Uint8Array;
  token?: string;
  /** Aborts the request (waiting for a connection or in flight); it then rejects with code `ABORTED`. */
  signal?: AbortSignal;
}

/**
 * What a client sends its requests with: `UndiciTransport` on Node, `FetchTransport` elsewhere.
 * `send` resolves with any status (the body read whole) and rejects with `PirschNetworkError`
 * only, whose message holds no header (so no token). `close()` aborts what is in flight.
 */
export interface Transport {
  send(request: TransportRequest): Promise<TransportResponse>;
  close(): Promise<void>;
}

/** The request's path below the base URL's, with its query (undefined values left out). */
export function requestPath(basePath: string, request: TransportRequest): string {
  let path = basePath + request.path;
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
  return path;
}

/**
 * The headers and body of a request: JSON (an already serialised `json` wins over `body`), the
 * token as a bearer, and `accept` anything for bytes (the statistics export), else JSON.
 */
export function requestParts(request: TransportRequest): { headers: Record<string, string>; payload: string | Uint8Array | undefined } {
  const headers: Record<string, string> = { accept: request.binary ? '*/*' : 'application/json', 'user-agent': 'pirsch-node' };
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  let payload: string | Uint8Array | undefined;
  if (request.json !== undefined || request.body !== undefined) {
    payload = request.json ?? JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  return { headers, payload };
}

/** Whether the answer to `request` is read as bytes: a 2xx to a binary request. */
export function readsBytes(request: TransportRequest, status: number): boolean {
  return request.binary === true && status >= 200 && status < 300;
}

/** The parsed JSON of a body, the text itself when it is not JSON, undefined when empty. */
export function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Fails when the status is not 2xx, with the API's error JSON on a PirschApiError. */
export function checkResponse(label: string, response: TransportResponse): TransportResponse {
  if (response.status >= 200 && response.status < 300) return response;
  const body = typeof response.body === 'object' && response.body !== null ? (response.body as { validation?: Record<string, string>; error?: string[] }) : undefined;
  const error = body && (Array.isArray(body.error) || typeof body.validation === 'object') ? body : { error: typeof response.body === 'string' ? [response.body.slice(0, 500)] : [] };
  throw new PirschApiError(response.status, error, label, parseRetryAfter(response.headers['retry-after']));
}

