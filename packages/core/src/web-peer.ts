import type { WebRequestInfo } from './web-tracker.js';

type Bag = Record<string, unknown>;
const isBag = (value: unknown): value is Bag => (typeof value === 'object' || typeof value === 'function') && value !== null;

/** What a runtime's server passed tells of the visitor: the peer's IP and, on Node, the request's own headers. */
export type PeerInfo = Pick<WebRequestInfo, 'ip' | 'nodeHeaders'>;

/**
 * `@hono/node-server`'s `{ incoming }`, as it passes it to the app's fetch: Node's request, its
 * socket's peer as the IP and its headers (read instead of the `Request`'s, which the server
 * builds from every raw header only when asked). Undefined for anything else. Property reads
 * only, so it may probe Workers' bindings; never throws.
 */
export function nodeRequestInfo(passed: unknown): PeerInfo | undefined {
  try {
    if (!isBag(passed)) return undefined;
    const incoming = passed.incoming;
    if (!isBag(incoming) || !isBag(incoming.socket) || !isBag(incoming.headers)) return undefined;
    const address = incoming.socket.remoteAddress;
    const nodeHeaders = incoming.headers as WebRequestInfo['nodeHeaders'];
    return typeof address === 'string' && address !== '' ? { ip: address, nodeHeaders } : { nodeHeaders };
  } catch {
    return undefined;
  }
}

/**
 * What a server passed to the app's fetch besides the `Request`, read by shape (no runtime is
 * imported): `@hono/node-server`'s `{ incoming }` (see nodeRequestInfo), `Deno.serve`'s handler
 * info (`remoteAddr.hostname`) or `Bun.serve`'s server (`requestIP(request)`, called on the
 * server). Undefined when `passed` is none of them or gives no address (Node's still gives its
 * headers). Calls `requestIP`, so not for Workers' bindings; may throw (a getter, a stopped server).
 */
export function peerInfoOf(passed: unknown, request: Request): PeerInfo | undefined {
  if (!isBag(passed)) return undefined;
  const node = nodeRequestInfo(passed);
  if (node !== undefined) return node;
  const remote = passed.remoteAddr;
  if (isBag(remote) && typeof remote.hostname === 'string') return remote.hostname === '' ? undefined : { ip: remote.hostname };
  if (typeof passed.requestIP === 'function') {
    const address: unknown = (passed.requestIP as (request: Request) => unknown).call(passed, request);
    if (isBag(address) && typeof address.address === 'string' && address.address !== '') return { ip: address.address };
  }
  return undefined;
}
