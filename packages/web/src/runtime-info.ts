import type { WebRequestInfo } from '@pirsch-node/core/web';

type Bag = Record<string, unknown>;
const isBag = (value: unknown): value is Bag => (typeof value === 'object' || typeof value === 'function') && value !== null;

/**
 * What the runtime passed besides the `Request`, read by shape (no runtime is imported or
 * sniffed): Deno's `info.remoteAddr.hostname`, Bun's `server.requestIP(request)` and, on Node,
 * `@hono/node-server`'s `incoming.socket.remoteAddress` give the peer's IP; a `waitUntil` on the second argument (Vercel Edge's and Netlify's `context`, Next.js'
 * `event`) or on the third (Cloudflare Workers' `ctx`) keeps the invocation alive for delivery.
 * On Workers the IP is then `CF-Connecting-IP`, which core reads when no IP is given. Never throws.
 */
export function requestInfoOf(request: Request, rest: readonly unknown[]): WebRequestInfo {
  let ip: string | undefined;
  let waitUntil: WebRequestInfo['waitUntil'];
  let nodeHeaders: WebRequestInfo['nodeHeaders'];
  try {
    const [second, third] = rest;
    if (isBag(second)) {
      const remote = second['remoteAddr'];
      const incoming = second['incoming'];
      if (isBag(incoming) && isBag(incoming['socket']) && isBag(incoming['headers'])) {
        // @hono/node-server passes { incoming, outgoing }: Node's request, its socket's peer and its
        // headers (the Request's it builds only when asked, from every raw header).
        const address = incoming['socket']['remoteAddress'];
        if (typeof address === 'string') ip = address;
        nodeHeaders = incoming['headers'] as WebRequestInfo['nodeHeaders'];
      } else if (isBag(remote) && typeof remote['hostname'] === 'string') {
        ip = remote['hostname'];
      } else if (typeof second['requestIP'] === 'function') {
        const address: unknown = (second['requestIP'] as (request: Request) => unknown).call(second, request);
        if (isBag(address) && typeof address['address'] === 'string') ip = address['address'];
      }
      waitUntil = waitUntilOf(second);
    }
    if (isBag(third)) waitUntil = waitUntilOf(third) ?? waitUntil;
  } catch {
    // a getter that throws, a server already stopped: the request is tracked without what it hid
  }
  const info: WebRequestInfo = {};
  if (ip !== undefined && ip !== '') info.ip = ip;
  if (waitUntil !== undefined) info.waitUntil = waitUntil;
  if (nodeHeaders !== undefined) info.nodeHeaders = nodeHeaders;
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
