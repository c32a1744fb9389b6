import type { PirschDelivery, RequestHelper } from '@pirsch-node/core';
import type { PirschAdapterOptions } from '@pirsch-node/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Options of the Fastify plugin: the tracking options (`enabled`, `respectDnt`, `methods`, `exclude`,
 * `filter`, `title`, `tags`, `hostname`, `protocol`, `bots`, `disableBotFilter`, `clientHints`,
 * `stripQuery`, `beforeSend`) plus either a ready `client` or the options to create one
 * (`accessKey`, or `clientId` and `clientSecret`, ...). `filter`, `title`, `tags` and
 * `beforeSend` receive Fastify's request (and `filter` the reply).
 */
export type PirschFastifyOptions = PirschAdapterOptions<FastifyRequest, FastifyReply>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Manual tracking for this request: `request.pirsch.event('Signup', { meta: { plan: 'pro' } })`. */
    pirsch: RequestHelper;
  }
  interface FastifyInstance {
    /**
     * The client hits go to: the one given as `client`, or the `PirschClient` the plugin created
     * (and closes when the app closes). `await app.pirsch.flush()` waits for delivery.
     */
    pirsch: PirschDelivery;
  }
}
