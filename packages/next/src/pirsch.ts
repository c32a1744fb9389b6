import { createWebTracker, type PirschDelivery, type WebTracker } from '@pirsch-node/core/web';
import { headers as requestHeaders } from 'next/headers.js';
import { after, NextResponse } from 'next/server.js';
import { withEnvDefaults } from './env.js';
import { navigationSkipReason } from './navigation.js';
import { publicOrigin, withPublicUrl } from './url.js';
import type { NextEventOptions, NextSkipReason, PirschNext, PirschNextOptions, PirschProxy, WaitUntil } from './types.js';

/**
 * Configures Pirsch for a Next.js app: page views from `proxy.ts` (Next 16) or `middleware.ts`
 * (Next 15) and events from route handlers and server actions, all sent after the response.
 * Options default to the environment (`PIRSCH_ACCESS_KEY`, or `PIRSCH_CLIENT_ID` and
 * `PIRSCH_CLIENT_SECRET`, and `PIRSCH_BASE_URL`); without a key nothing is sent (`enabled: false`).
 * Behind Next.js the visitor's IP is read from `X-Forwarded-For` (`trustProxy: 1` by default: the
 * entry your platform's proxy wrote; bare `next start` only fills it in when the request has none,
 * so there a visitor can choose it). A bad option throws a `PirschConfigError`.
 *
 * @example
 * // lib/pirsch.ts
 * export const pirsch = createPirsch({ exclude: ['/admin'] });
 * // proxy.ts
 * export const proxy = pirsch.proxy;
 */
export function createPirsch(options?: PirschNextOptions): PirschNext {
  const resolved = withEnvDefaults(options);
  const tracker: WebTracker = createWebTracker({ ...resolved, trustProxy: resolved.trustProxy ?? 1 });
  const ownSkipped = { prefetch: 0, 'not-navigation': 0 };

  const trackPageView = (request: Request, event?: WaitUntil, response?: Response): void => {
    try {
      const reason = navigationSkipReason(request);
      if (reason !== undefined) {
        ownSkipped[reason]++;
        return;
      }
      // The proxy runs before the page renders: the status is unknown, so a request it lets
      // through counts as a page view (200), as a page the app then answers with 404 would too.
      tracker.track(withPublicUrl(request), response ?? 200, { waitUntil: waitUntilOf(event) });
    } catch {
      // never into the app
    }
  };

  const proxy: PirschProxy = (request, event) => {
    trackPageView(request, event);
    return tracker.prepareResponse(NextResponse.next()) as NextResponse;
  };

  const event = async (name: string, eventOptions?: NextEventOptions): Promise<void> => {
    try {
      const { request: given, ...rest } = eventOptions ?? {};
      const request = given !== undefined ? withPublicUrl(given) : await requestFromHeaders();
      if (request === undefined) return;
      let pending: Promise<unknown> | undefined;
      const waitUntil = (promise: Promise<unknown>): void => {
        try {
          after(promise);
        } catch {
          // outside a request scope (a script, a test, an older runtime): wait here instead
          pending = promise;
        }
      };
      tracker.helper(request, { waitUntil }).event(name, rest);
      if (pending !== undefined) await pending;
    } catch {
      // never into the app
    }
  };

  return {
    proxy,
    middleware: proxy,
    trackPageView,
    event,
    get client(): PirschDelivery {
      return tracker.client;
    },
    ownsClient: tracker.ownsClient,
    get tracked() {
      return tracker.tracked;
    },
    get skipped(): Readonly<Record<NextSkipReason, number>> {
      return { ...tracker.skipped, prefetch: tracker.skipped.prefetch + ownSkipped.prefetch, 'not-navigation': ownSkipped['not-navigation'] };
    },
    shutdown: (timeoutMs) => tracker.shutdown(timeoutMs),
  };
}

function waitUntilOf(event: WaitUntil | undefined): ((promise: Promise<unknown>) => void) | undefined {
  if (event === undefined || event === null || typeof event.waitUntil !== 'function') return undefined;
  return (promise) => event.waitUntil(promise);
}

/**
 * The request of a server action or server component, from `headers()`: its page is the one
 * that called it (the `Referer`, when on the same host; else the site's root), and the
 * `Referer` is not sent as the referrer of that page. Undefined outside a request.
 */
async function requestFromHeaders(): Promise<Request | undefined> {
  let incoming: Headers;
  try {
    incoming = new Headers(await requestHeaders());
  } catch {
    return undefined;
  }
  const origin = publicOrigin(incoming, undefined);
  if (origin === undefined) return undefined;
  const host = origin.host;
  let url = `${origin.protocol}://${host}/`;
  const referer = incoming.get('referer');
  if (referer !== null) {
    try {
      const page = new URL(referer);
      if (page.host === host) url = page.href;
    } catch {
      // not a URL: the root stands for the page
    }
  }
  incoming.delete('referer');
  return new Request(url, { headers: incoming });
}

let defaultPirsch: PirschNext | undefined;

/** The `createPirsch()` of the functions below, made on first use with the options from the environment. */
function fromEnv(): PirschNext {
  return (defaultPirsch ??= createPirsch());
}

/**
 * A Next.js 16 `proxy` that tracks page views; the options default to the environment.
 *
 * @example
 * // proxy.ts
 * import { pirschProxy } from '@pirsch-node/next';
 * export const proxy = pirschProxy({ exclude: ['/admin'] });
 * export const config = { matcher: ['/((?!api|_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)'] };
 */
export function pirschProxy(options?: PirschNextOptions): PirschProxy {
  return createPirsch(options).proxy;
}

/** A Next.js 15 `middleware` that tracks page views: `pirschProxy` under the name of the file it goes in. */
export function pirschMiddleware(options?: PirschNextOptions): PirschProxy {
  return createPirsch(options).middleware;
}

/**
 * Tracks a page view from inside your own proxy or middleware, with the options from the
 * environment (use `createPirsch(options).trackPageView` for others). Never throws.
 *
 * @example
 * export function proxy(request: NextRequest, event: NextFetchEvent) {
 *   const response = NextResponse.next();
 *   trackPageView(request, event, response);
 *   return response;
 * }
 */
export function trackPageView(request: Request, event?: WaitUntil, response?: Response): void {
  try {
    fromEnv().trackPageView(request, event, response);
  } catch {
    // a bad environment (e.g. an invalid PIRSCH_BASE_URL) never breaks a request
  }
}

/**
 * Sends an event from a route handler, server action or server component, with the options from
 * the environment, delivered with `after()`. Never rejects.
 *
 * @example
 * 'use server';
 * export async function signup(form: FormData) {
 *   await event('Signup', { meta: { plan: String(form.get('plan')) } });
 * }
 */
export async function event(name: string, options?: NextEventOptions): Promise<void> {
  try {
    await fromEnv().event(name, options);
  } catch {
    // a bad environment never breaks a request
  }
}
