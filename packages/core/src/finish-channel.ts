import { subscribe } from 'node:diagnostics_channel';
import { ServerResponse } from 'node:http';
import { Server } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Hears that a response of a Node HTTP server has been written completely, or that its socket
 * closed first (the visitor left), without a listener of its own on the response.
 *
 * Node publishes every response of its HTTP servers on the diagnostics channel
 * `http.server.response.finish`, from its own `finish` listener, before any other. A listener per
 * response costs EventEmitter's bookkeeping twice (adding it turns the response's one `finish`
 * listener into an array, emitting copies that array, removing it splices it), and on an Express
 * response, whose hidden class is its own, every one of those property reads misses V8's caches:
 * in the split bench's profiles the listener was 17 % of what Express's adapter cost per request.
 * Here the response waits on its socket instead (a plain Node socket, one shape for all): one
 * field per socket, written once per request, read once when the channel speaks; and one `close`
 * listener per socket, shared by every socket, for a response still waiting when it closes.
 *
 * Only where it is known to work: Node itself (Bun and Deno emulate `node:http` and need not
 * publish the channel), an HTTP/1 response (`http.ServerResponse`; HTTP/2's are not published),
 * and a socket a Node server accepted (a test's injected request, such as Fastify's `inject`, has
 * none). Everything else gets the listeners (`finish` and `close`), as does a response whose
 * socket something else still waits on (pipelined requests, a second tracker of the same response).
 */
const PENDING = Symbol('pirsch.finishPending');

interface Pending {
  readonly res: ServerResponse;
  /** `left`: the socket closed before the response had been written (the visitor left). */
  readonly done: (left: boolean) => void;
}

type WaitingSocket = Socket & { [PENDING]?: Pending | undefined; server?: unknown };

let state: 'unknown' | 'on' | 'off' = 'unknown';

function channelReady(): boolean {
  if (state === 'unknown') {
    state = 'off';
    try {
      const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
      if (versions?.node !== undefined && versions.bun === undefined && versions.deno === undefined) {
        subscribe('http.server.response.finish', onResponseFinish);
        state = 'on';
      }
    } catch {
      // no channel here: every response gets a listener
    }
  }
  return state === 'on';
}

function onResponseFinish(message: unknown): void {
  try {
    const { response, socket } = message as { response?: unknown; socket?: WaitingSocket | null };
    const pending = socket?.[PENDING];
    if (pending === undefined || pending.res !== response) return;
    (socket as WaitingSocket)[PENDING] = undefined;
    pending.done(false);
  } catch {
    // never into Node's finish handling
  }
}

/**
 * The socket closed: a response still waiting on it was never written completely (its visitor
 * left before it ended, or while its body was being written, where Node 24 publishes nothing).
 * One listener per socket, added with its first waiting response, shared by all: no closure.
 */
function onSocketClose(this: WaitingSocket): void {
  try {
    const pending = this[PENDING];
    if (pending === undefined) return;
    this[PENDING] = undefined;
    pending.done(true);
  } catch {
    // never into Node's socket handling
  }
}

/**
 * Calls `done(false)` once `res` has been written completely, or `done(true)` if its socket closes
 * first, and returns true; or returns false, having done nothing, where the channel cannot tell
 * (see above): the caller listens for `finish` and `close` then.
 */
export function whenResponseFinished(res: ServerResponse, socket: Socket | null | undefined, done: (left: boolean) => void): boolean {
  if (!channelReady() || socket == null) return false;
  // HTTP/1 only: Node publishes no HTTP/2 response (whose socket is its session's, on a server too).
  if (!(res instanceof ServerResponse)) return false;
  const waiting = socket as WaitingSocket;
  if (!(waiting.server instanceof Server)) return false;
  // Something still waits on this socket until the channel has spoken for it: another tracker for
  // this very response (two middlewares), or a response before it (pipelined requests: one ended
  // at once counts as written before its message comes, on the next tick). This one gets the
  // listener. (A response Node never publishes would keep later ones on its socket to the
  // listener too: slower, never lost.)
  if (waiting[PENDING] !== undefined) return false;
  // The slot is made with the socket's first waiting response, and with it the socket's one
  // `close` listener; later requests on the connection find both.
  // `on`, not `once` (a socket closes once; `once` wraps the listener, four times the cost to add).
  if (!(PENDING in waiting)) waiting.on('close', onSocketClose);
  waiting[PENDING] = { res, done };
  return true;
}
