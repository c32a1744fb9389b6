import type { EventOptions, PirschClientOptions, PirschDelivery, SkipReason, WebTrackingOptions } from '@pirsch-node/core/web';
import type { NextFetchEvent, NextRequest, NextResponse } from 'next/server.js';

/**
 * Options of `createPirsch()`, `pirschProxy()` and `pirschMiddleware()`: the tracking options of
 * `@pirsch-node/core/web` (`exclude`, `filter`, `title`, `tags`, `stripQuery`, `beforeSend`,
 * `bots`, `clientHints`, `trustProxy`, ...) plus either a ready `client` or client options. Every
 * client option may be left out: the credentials, `baseUrl` and `enabled` come from the
 * environment (see `optionsFromEnv`), and what is given here wins over it.
 */
export type PirschNextOptions = WebTrackingOptions & ({ client: PirschDelivery } | (PirschClientOptions & { client?: undefined }));

/**
 * Why a request was not tracked: the core's reasons, plus `not-navigation` for a request the
 * proxy sees that is no document navigation of a browser (an RSC or data fetch of the router, a
 * `fetch()` from a page, a request that accepts no HTML).
 */
export type NextSkipReason = SkipReason | 'not-navigation';

/** What keeps a request alive after its response: Next's `NextFetchEvent` in middleware and proxy. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/** Options of a server-side `event()`: the core's event options plus the request it belongs to. */
export interface NextEventOptions extends EventOptions {
  /**
   * The request of a route handler: its URL is the event's page, and its headers give the IP and
   * user agent. Without it the headers come from `headers()` of `next/headers`, and the page is
   * the one that called the server action (its `Referer`, when on the same host).
   */
  request?: Request;
}

/** The function `pirschProxy()` returns: a Next.js `proxy` (16) or `middleware` (15) that tracks page views. */
export type PirschProxy = (request: NextRequest, event: NextFetchEvent) => NextResponse;

/** One configured Pirsch for a Next.js app: the proxy, the call for your own proxy, and server-side events. */
export interface PirschNext<C extends PirschDelivery = PirschDelivery> {
  /** `export const proxy = pirsch.proxy` in `proxy.ts` (Next 16). Tracks the page view, then lets the request through. */
  readonly proxy: PirschProxy;
  /** `export const middleware = pirsch.middleware` in `middleware.ts` (Next 15): the same function as `proxy`. */
  readonly middleware: PirschProxy;
  /**
   * Tracks a page view from inside your own proxy or middleware. Pass your `response` when you
   * answer with something else than `NextResponse.next()` or a rewrite: a redirect (3xx) or an
   * error is then not tracked. Delivery goes to `event.waitUntil`. Never throws.
   */
  trackPageView(request: Request, event?: WaitUntil, response?: Response): void;
  /**
   * Sends an event from a route handler, a server action or a server component, delivered with
   * `after()` of `next/server` so the response does not wait; where `after` cannot be used (outside
   * a request), the returned promise waits for the delivery. Never rejects.
   */
  event(name: string, options?: NextEventOptions): Promise<void>;
  /** The client hits go to (`await pirsch.client.flush()` waits for delivery). */
  readonly client: C;
  /** True when `createPirsch` created the client (and `shutdown` closes it). */
  readonly ownsClient: boolean;
  /** Page views tracked so far. */
  readonly tracked: number;
  /** Requests not tracked so far, per reason. */
  readonly skipped: Readonly<Record<NextSkipReason, number>>;
  /** Closes the client if it was created here (delivering what is queued first), else flushes it. Never rejects. */
  shutdown(timeoutMs?: number): Promise<void>;
}
