import type { IncomingMessage, ServerResponse } from 'node:http';
import { expressTrustsNoProxy, readOnceView, type RequestContext } from '@pirsch-node/core/adapter';
import type { PirschMiddlewareRequest, PirschRequest } from './pirsch.types.js';

/**
 * What core needs to know about a request, from whichever form Nest hands out: an Express
 * request (a Node request with `ip`, `protocol` and `originalUrl`), a `FastifyRequest` (`raw`,
 * `ip`, `protocol`), or the raw Node request a middleware gets on `platform-fastify` (where
 * @fastify/middie copies `ip`, `protocol` and `originalUrl` onto it). The URL comes from
 * `originalUrl ?? url` of the Node request (core reads it), so the global prefix stays in it; the
 * IP and protocol are the ones the platform resolved with its trust-proxy setting, read only when
 * a hit is built; without them core uses the socket's. Undefined for anything not a request.
 */
export function requestContextOf(req: PirschRequest): Omit<RequestContext<PirschMiddlewareRequest, ServerResponse>, 'res'> | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  const fastifyRaw = (req as { raw?: unknown }).raw;
  const raw = (isNodeRequest(fastifyRaw) ? fastifyRaw : req) as PirschMiddlewareRequest;
  const headers = headersOf(raw);
  if (headers === undefined) return undefined;
  return new NestRequestContext(raw, req, headers);
}

/**
 * A class with prototype getters: one small object per request; ip and protocol read only when a
 * hit is built. Core reads the request through `readOnceView`: on platform-express every property
 * read on the request misses V8's caches (see there).
 */
class NestRequestContext implements Omit<RequestContext<PirschMiddlewareRequest, ServerResponse>, 'res'> {
  readonly raw: PirschMiddlewareRequest;
  readonly req: PirschMiddlewareRequest;
  readonly #source: object;
  /** expressTrustsNoProxy(source), asked once for ip and protocol together (each call asks the request twice for an own property). */
  #trustsNoProxy: boolean | undefined;

  constructor(raw: PirschMiddlewareRequest, source: object, headers: IncomingMessage['headers']) {
    this.raw = readOnceView(raw, headers) as PirschMiddlewareRequest;
    this.req = raw;
    this.#source = source;
  }

  #noProxy(): boolean {
    return (this.#trustsNoProxy ??= expressTrustsNoProxy(this.#source));
  }

  /** On Express with no proxy trusted: undefined, the socket's in core (what `req.ip` gives then, without its parsing). */
  get ip(): string | undefined {
    return this.#noProxy() ? undefined : stringOf(this.#source, 'ip');
  }

  get protocol(): string | undefined {
    return this.#noProxy() ? undefined : stringOf(this.#source, 'protocol');
  }
}

function isNodeRequest(value: unknown): value is IncomingMessage {
  return headersOf(value) !== undefined;
}

/** A Node request's headers object (read once: see readOnceView), or undefined for anything not a request. */
function headersOf(value: unknown): IncomingMessage['headers'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const headers = (value as IncomingMessage).headers as unknown;
  return typeof headers === 'object' && headers !== null ? (headers as IncomingMessage['headers']) : undefined;
}

/** A non-empty string property (Express computes `ip` and `protocol` in getters); undefined if reading it fails. */
function stringOf(source: object, key: 'ip' | 'protocol'): string | undefined {
  try {
    const value: unknown = (source as Record<string, unknown>)[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}
