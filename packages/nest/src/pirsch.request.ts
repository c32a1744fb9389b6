import { IncomingMessage, type ServerResponse } from 'node:http';
import { ResolvedAddressContext, readOnceView, type RequestContext } from '@pirsch-node/core/adapter';
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
export function requestContextOf(req: PirschRequest): NestRequestContext | undefined;
export function requestContextOf(req: PirschRequest, res: ServerResponse): (NestRequestContext & { readonly res: ServerResponse }) | undefined;
export function requestContextOf(req: PirschRequest, res?: ServerResponse): NestRequestContext | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  // A Node request (Express's, or the raw one a middleware gets on platform-fastify) is not asked
  // for a `raw` it does not have: on an Express request that lookup misses V8's caches at every
  // step of its prototype chain (about 1 µs a request).
  const fastifyRaw = req instanceof IncomingMessage ? undefined : (req as { raw?: unknown }).raw;
  // A FastifyRequest's Node request, or the request itself; its headers read once.
  const fastifyHeaders = headersOf(fastifyRaw);
  const raw = (fastifyHeaders !== undefined ? fastifyRaw : req) as PirschMiddlewareRequest;
  const headers = fastifyHeaders ?? headersOf(raw);
  if (headers === undefined) return undefined;
  return new NestRequestContext(raw, req, headers, res);
}

/**
 * One small object per request; ip and protocol are the platform's, read only when a hit is built
 * (ResolvedAddressContext). Core reads the request through `readOnceView`: on platform-express
 * every property read on the request misses V8's caches (see there).
 */
class NestRequestContext extends ResolvedAddressContext implements Omit<RequestContext<PirschMiddlewareRequest, ServerResponse>, 'res'> {
  readonly raw: PirschMiddlewareRequest;
  readonly req: PirschMiddlewareRequest;
  /** The response the middleware tracks; none for the service's events. */
  readonly res: ServerResponse | undefined;

  constructor(raw: PirschMiddlewareRequest, source: object, headers: IncomingMessage['headers'], res: ServerResponse | undefined) {
    super(source);
    this.raw = readOnceView(raw, headers) as PirschMiddlewareRequest;
    this.req = raw;
    this.res = res;
  }
}

/** A Node request's headers object (read once: see readOnceView), or undefined for anything not a request. */
function headersOf(value: unknown): IncomingMessage['headers'] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const headers = (value as IncomingMessage).headers as unknown;
  return typeof headers === 'object' && headers !== null ? (headers as IncomingMessage['headers']) : undefined;
}
