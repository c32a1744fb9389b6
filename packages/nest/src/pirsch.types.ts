import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PirschAdapterOptions } from '@pirsch-node/core/adapter';

/**
 * The request a Nest middleware sees: Express's request on `platform-express`, the raw Node
 * request on `platform-fastify` (where @fastify/middie sets `ip`, `protocol` and `originalUrl` on
 * it). The `filter`, `title`, `tags` and `beforeSend` options receive it.
 */
export type PirschMiddlewareRequest = IncomingMessage & { originalUrl?: string; ip?: string; protocol?: string };

/** A Fastify request as `PirschService` reads it: the raw request, and the IP and protocol Fastify resolved. */
export interface PirschFastifyRequestLike {
  raw: IncomingMessage;
  ip?: string;
  protocol?: string;
}

/** What `PirschService` accepts: an Express request, a `FastifyRequest`, or a raw `IncomingMessage`. */
export type PirschRequest = PirschMiddlewareRequest | PirschFastifyRequestLike;

/**
 * Options of `PirschModule.forRoot` (and what `forRootAsync`'s factory returns): a ready client
 * (`client`) or the options to create one (`accessKey`, or `clientId` and `clientSecret`, ...),
 * plus the tracking options (`enabled`, `respectDnt`, `methods`, `exclude`, `filter`, `title`, `tags`,
 * `hostname`, `protocol`, `bots`, `disableBotFilter`, `clientHints`, `stripQuery`, `beforeSend`).
 */
export type PirschModuleOptions = PirschAdapterOptions<PirschMiddlewareRequest, ServerResponse>;
