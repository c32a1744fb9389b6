import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '@pirsch-node/core';
import type { PirschMiddlewareRequest, PirschRequest } from './pirsch.types.js';

/**
 * What core needs to know about a request, from whichever form Nest hands out: an Express
 * request (a Node request with `ip` and `originalUrl`), a `FastifyRequest` (`raw` and `ip`), or
 * the raw Node request a middleware gets on `platform-fastify` (with `ip` and `originalUrl` from
 * @fastify/middie). The URL comes from `originalUrl ?? url` of the raw request (core reads it),
 * so a mount path and the global prefix stay in it; the IP is the one the platform resolved
 * with its trust-proxy setting, else core falls back to the socket's address.
 * Returns undefined for anything that is not a request.
 */
export function requestContextOf(req: PirschRequest): Omit<RequestContext<PirschMiddlewareRequest>, 'res'> | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  const fastifyRaw = (req as { raw?: unknown }).raw;
  const raw = (isNodeRequest(fastifyRaw) ? fastifyRaw : req) as PirschMiddlewareRequest;
  if (!isNodeRequest(raw)) return undefined;
  const ip = (req as { ip?: unknown }).ip;
  return { raw, req: raw, ip: typeof ip === 'string' && ip !== '' ? ip : undefined };
}

function isNodeRequest(value: unknown): value is IncomingMessage {
  return typeof value === 'object' && value !== null && typeof (value as IncomingMessage).headers === 'object';
}
