import { peerInfoOf, type WebRequestInfo } from '@pirsch-node/core/web';

type Bag = Record<string, unknown>;
const isBag = (value: unknown): value is Bag => (typeof value === 'object' || typeof value === 'function') && value !== null;

/**
 * What the runtime passed besides the `Request`, read by shape (no runtime is imported or
 * sniffed): the peer's IP from the second argument as core's `peerInfoOf` reads it (Deno's
 * `info.remoteAddr.hostname`, Bun's `server.requestIP(request)`, on Node `@hono/node-server`'s
 * `incoming`, with its headers); a `waitUntil` on the second argument (Vercel Edge's and
 * Netlify's `context`, Next.js' `event`) or on the third (Cloudflare Workers' `ctx`) keeps the
 * invocation alive for delivery. On Workers the IP is then `CF-Connecting-IP`, which core reads
 * when no IP is given. Never throws.
 */
export function requestInfoOf(request: Request, rest: readonly unknown[]): WebRequestInfo {
  const info: WebRequestInfo = {};
  try {
    const [second, third] = rest;
    let waitUntil: WebRequestInfo['waitUntil'];
    if (isBag(second)) {
      Object.assign(info, peerInfoOf(second, request));
      waitUntil = waitUntilOf(second);
    }
    if (isBag(third)) waitUntil = waitUntilOf(third) ?? waitUntil;
    if (waitUntil !== undefined) info.waitUntil = waitUntil;
  } catch {
    // a getter that throws, a server already stopped: the request is tracked without what it hid
  }
  return info;
}

/** `owner.waitUntil`, called on its owner (Workers' `ctx.waitUntil` throws "Illegal invocation" when detached). */
function waitUntilOf(owner: Bag): WebRequestInfo['waitUntil'] {
  const waitUntil = owner['waitUntil'];
  if (typeof waitUntil !== 'function') return undefined;
  return (promise) => {
    (waitUntil as (promise: Promise<unknown>) => void).call(owner, promise);
  };
}
