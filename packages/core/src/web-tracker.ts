import type { IncomingMessage } from 'node:http';
import { DELIVER_NOW, type ImmediateSink, type PirschClient } from './client-core.js';
import { mergeAcceptCh, mergePermissionsPolicy } from './client-hints.js';
import { PirschConfigError } from './errors.js';
import { splitWebUrl, webHeaders } from './extract.js';
import { createTrackerWith, type RequestHelper, type TrackerHandle, type TrackingOptions } from './tracking.js';
import type { PirschClientOptions, PirschDelivery } from './types.js';

/**
 * Tracking options for Fetch API requests (Hono, `@pirsch-node/web`, Next.js, workers): the
 * adapters' options, with `filter`, `title`, `tags` and `beforeSend` receiving the `Request` (and
 * `filter` the `Response`), plus how to find the visitor's IP behind a proxy.
 */
export interface WebTrackingOptions extends TrackingOptions<Request, Response> {
  /**
   * Whether the IP comes from `X-Forwarded-For` instead of the runtime. Default `false`: the IP the
   * runtime gives (the socket's peer on Node, Bun and Deno; on Cloudflare Workers the
   * `CF-Connecting-IP` header, which Cloudflare sets itself). A number is how many proxies of
   * yours stand in front of the app (`1` for one nginx or load balancer): the visitor is that many
   * entries from the right of `X-Forwarded-For`, so an entry the visitor forged on the left is
   * never used. `true` takes the leftmost entry: only when every proxy on the way is yours.
   */
  trustProxy?: boolean | number;
}

/** Web tracking options plus either a ready `client` or the options to create one (never both). */
export type PirschWebOptions = WebTrackingOptions & ({ client: PirschDelivery } | (PirschClientOptions & { client?: undefined }));

/** What the runtime tells about one request besides the `Request` itself. */
export interface WebRequestInfo {
  /** The peer's address from the runtime (Deno `info.remoteAddr.hostname`, Bun `server.requestIP(req)`, Hono `getConnInfo`). */
  ip?: string;
  /**
   * The platform's way to keep an invocation alive after its response (Workers `ctx.waitUntil`,
   * Vercel's `waitUntil`, Next.js `after`): what the request tracks is sent at once, in its own
   * request started by this invocation, and that delivery is handed to it, so it finishes after
   * the response without holding it.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * The headers of the Node request the `Request` stands for, where a server made one from it
   * (`@hono/node-server`'s `c.env.incoming.headers`): read instead of the Request's `headers`,
   * which such a server builds only when asked (a Fetch `Headers` from every raw header, which the
   * app alone never pays for).
   */
  nodeHeaders?: Readonly<Record<string, string | string[] | undefined>>;
}

/** The core of the Fetch API integrations: decides, extracts and enqueues, like the Node adapters' tracker. */
export interface WebTracker<C extends PirschDelivery = PirschDelivery> extends TrackerHandle<C> {
  /**
   * Decides on a finished response (its status, or the `Response`) and enqueues its page view:
   * the same rules as the adapters (methods, 2xx, user agent, DNT, prefetch, assets, `exclude`,
   * bots, `filter`, `beforeSend`). With `info.waitUntil`, hands the delivery to it. Never throws.
   */
  track(request: Request, response: Response | number, info?: WebRequestInfo): void;
  /** The per-request helper (`event()`, `session()`); with `info.waitUntil`, each call hands its delivery to it. Never throws. */
  helper(request: Request, info?: WebRequestInfo): RequestHelper;
  /**
   * With `clientHints` on, the response with `Accept-CH` and `Permissions-Policy` merged into its
   * headers (a copy when its headers are immutable, as a fetched response's are); else the
   * response itself. Never throws.
   */
  prepareResponse(response: Response): Response;
}

const WEB_OPTION_NAMES: ReadonlySet<string> = new Set(['trustProxy']);

/**
 * The tracker behind `@pirsch-node/hono`, `@pirsch-node/web` and `@pirsch-node/next`, built on the
 * Node adapters' tracker over a small request view, so both make the same decisions.
 */
export function createWebTrackerWith(options: PirschWebOptions, makeClient: (options: PirschClientOptions) => PirschClient): WebTracker {
  if (options === null || typeof options !== 'object') {
    throw new PirschConfigError('options', 'must be an object: { accessKey } or { clientId, clientSecret } or { client }, plus tracking options');
  }
  const trustProxy = resolveTrustProxy(options.trustProxy);
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(options)) if (!WEB_OPTION_NAMES.has(key)) rest[key] = (options as Record<string, unknown>)[key];
  const tracker = createTrackerWith<Request, Response>(rest as PirschWebOptions, makeClient);
  const clientHints = options.clientHints === true;
  const client = tracker.client;

  const contextOf = (request: Request, response: Response | undefined, info: WebRequestInfo | undefined) => {
    const view = requestView(request, ipOf(request, info, trustProxy), info?.nodeHeaders);
    return { raw: view.raw, req: request, res: response as Response, ip: view.raw.socket.remoteAddress, path: view.path, protocol: view.protocol, host: view.host };
  };
  const deliverNow = typeof (client as Partial<ImmediateSink>)[DELIVER_NOW] === 'function' ? (client as unknown as ImmediateSink)[DELIVER_NOW] : undefined;
  /**
   * Runs a tracking call. With `info.waitUntil` and our client, what the call tracks is sent at
   * once, from this request's own context, and that delivery is handed to `waitUntil`: on workerd
   * a request started by another invocation (a shared queue's next batch) dies with that
   * invocation and never settles. Else (no waitUntil: a long-running server) it is queued; a
   * client of another kind gets its `flush()` handed over.
   */
  const run = (info: WebRequestInfo | undefined, work: () => boolean): void => {
    const waitUntil = info?.waitUntil;
    if (typeof waitUntil !== 'function') {
      work();
      return;
    }
    let delivery: Promise<unknown> | undefined;
    if (deliverNow !== undefined) {
      delivery = deliverNow.call(client, () => void work());
    } else if (work()) {
      delivery = client.flush().catch(() => false);
    }
    if (delivery === undefined) return;
    try {
      waitUntil(delivery);
    } catch {
      // a platform that refuses (the invocation already ended): the delivery goes on without its wait
    }
  };

  return {
    get client() {
      return client;
    },
    ownsClient: tracker.ownsClient,
    get tracked() {
      return tracker.tracked;
    },
    skipped: tracker.skipped,
    shutdown: (timeoutMs) => tracker.shutdown(timeoutMs),

    track(request, response, info) {
      try {
        const status = typeof response === 'number' ? response : response.status;
        run(info, () => {
          const before = tracker.tracked;
          tracker.track(contextOf(request, typeof response === 'number' ? undefined : response, info), status);
          return tracker.tracked !== before;
        });
      } catch {
        // never into the app
      }
    },

    helper(request, info) {
      let inner: RequestHelper | undefined;
      const page = (): RequestHelper => (inner ??= tracker.helper(contextOf(request, undefined, info)));
      return {
        event(name, eventOptions) {
          try {
            run(info, () => {
              page().event(name, eventOptions);
              return true;
            });
          } catch {
            // never into the app
          }
        },
        session() {
          try {
            run(info, () => {
              page().session();
              return true;
            });
          } catch {
            // never into the app
          }
        },
      };
    },

    prepareResponse(response) {
      if (!clientHints) return response;
      try {
        const acceptCh = mergeAcceptCh(response.headers.get('accept-ch') ?? undefined);
        const policy = mergePermissionsPolicy(response.headers.get('permissions-policy') ?? undefined);
        try {
          response.headers.set('Accept-CH', acceptCh);
          response.headers.set('Permissions-Policy', policy);
          return response;
        } catch {
          // immutable headers (a fetched or redirect response): a copy carries them
          const copy = new Response(response.body, response);
          copy.headers.set('Accept-CH', acceptCh);
          copy.headers.set('Permissions-Policy', policy);
          return copy;
        }
      } catch {
        return response;
      }
    },
  };
}

function resolveTrustProxy(value: unknown): boolean | number {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100) return value;
  throw new PirschConfigError('trustProxy', `must be true, false or the number of proxies in front of the app (an integer, e.g. 1), got ${typeof value === 'number' ? value : typeof value}`);
}

/**
 * The visitor's IP: from `X-Forwarded-For` as `trustProxy` says, else the runtime's, else (on
 * Cloudflare Workers, where a request carries no peer address) `CF-Connecting-IP`.
 */
function ipOf(request: Request, info: WebRequestInfo | undefined, trustProxy: boolean | number): string {
  const nodeHeaders = info?.nodeHeaders;
  if (trustProxy !== false && trustProxy !== 0) {
    const forwarded = headerOf(request, nodeHeaders, 'x-forwarded-for');
    if (forwarded !== null) {
      const hops = forwarded.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
      // `n` proxies appended n entries; the visitor's is the one the first of them appended.
      const picked = trustProxy === true ? hops[0] : hops[Math.max(0, hops.length - trustProxy)];
      if (picked !== undefined) return picked;
    }
  }
  if (typeof info?.ip === 'string' && info.ip !== '') return info.ip;
  return headerOf(request, nodeHeaders, 'cf-connecting-ip') ?? '';
}

/**
 * A header as the Fetch API's `get()` gives it (repeated values joined with ", ", null when
 * absent), from the Node request's own headers where the info has them, else the Request's.
 */
function headerOf(request: Request, nodeHeaders: WebRequestInfo['nodeHeaders'], name: string): string | null {
  if (nodeHeaders === undefined) return request.headers.get(name);
  const value = nodeHeaders[name];
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(', ');
}

/** The parts of a Node request the tracker reads, from a Fetch API `Request`. */
interface RequestView {
  raw: IncomingMessage & { socket: { remoteAddress: string } };
  path: string;
  protocol: 'http' | 'https';
  host: string | undefined;
}

function requestView(request: Request, ip: string, nodeHeaders: WebRequestInfo['nodeHeaders']): RequestView {
  const url = splitWebUrl(String(request.url));
  let path = url.host === undefined ? String(request.url) : url.target;
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  if (path === '' || path[0] === '?') path = `/${path}`;
  const protocol = url.scheme === 'https' ? 'https' : 'http';
  const raw = { method: request.method, url: path, headers: nodeHeaders ?? webHeaders(request.headers), socket: { remoteAddress: ip, encrypted: protocol === 'https' } };
  return { raw: raw as unknown as RequestView['raw'], path, protocol, host: url.host };
}
