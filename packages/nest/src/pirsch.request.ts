import type { IncomingMessage, ServerResponse } from 'node:http';
import { expressTrustsNoProxy, type RequestContext } from '@pirsch-node/core/adapter';
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
  if (!isNodeRequest(raw)) return undefined;
  return new NestRequestContext(raw, req);
}

/** A class with prototype getters: one small object per request; ip and protocol read only when a hit is built. */
class NestRequestContext implements Omit<RequestContext<PirschMiddlewareRequest, ServerResponse>, 'res'> {
  readonly raw: PirschMiddlewareRequest;
  readonly req: PirschMiddlewareRequest;
  readonly #source: object;

  constructor(raw: PirschMiddlewareRequest, source: object) {
    this.raw = raw;
    this.req = raw;
    this.#source = source;
  }

  /** On Express with no proxy trusted: undefined, the socket's in core (what `req.ip` gives then, without its parsing). */
  get ip(): string | undefined {
    return expressTrustsNoProxy(this.#source) ? undefined : stringOf(this.#source, 'ip');
  }

  get protocol(): string | undefined {
    return expressTrustsNoProxy(this.#source) ? undefined : stringOf(this.#source, 'protocol');
  }
}

function isNodeRequest(value: unknown): value is IncomingMessage {
  return typeof value === 'object' && value !== null && typeof (value as IncomingMessage).headers === 'object';
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
