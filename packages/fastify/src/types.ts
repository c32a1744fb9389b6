import type { PirschDelivery, RequestHelper, SkipReason } from '@pirsch-node/core';
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

/** `app.pirschTracking`: what the plugin tracked and did not, per reason (live counters). */
export interface PirschTrackingCounts {
  /** Responses tracked (page views handed to the client). */
  readonly tracked: number;
  /** Responses not tracked, per reason (`SKIP_REASONS`: `aborted`, `method`, `status`, ...). */
  readonly skipped: Readonly<Record<SkipReason, number>>;
}

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
    /**
     * What the plugin tracked, and did not per reason: `app.pirschTracking.skipped.bot`. For
     * debugging "why is this page not counted".
     */
    pirschTracking: PirschTrackingCounts;
  }
}
