import { createApi, type PirschApi } from './api/index.js';
import { createTokenSource } from './auth.js';
import { copyMap, copyOf, fixFields, hasRequiredFields, normalizeItem } from './normalize.js';
import { PirschConfigError } from './errors.js';
import { CLIENT_ENABLED, resolveClientOptions, type ClientAuth, type ResolvedClientOptions } from './options.js';
import { DeliveryQueue, type ItemKind } from './queue.js';
import { ErrorReporter } from './reporter.js';
import { createApiRequester, createAuthorizedSend, type AuthorizedSend } from './requester.js';
import { allowManyListeners, nodeProcess, unrefTimer } from './runtime.js';
import type { Transport } from './transport.js';
import type { ApiRequester, ClientMetrics, EventOptions, EventPayload, Hit, PirschClientOptions, PirschDelivery, SessionData } from './types.js';

/** The whole client: non-blocking delivery plus the typed read and management API. */
export interface PirschClient extends PirschDelivery, PirschApi {}

/**
 * Internal: enqueue a hit `hitFromRequest` or `hitFromWebRequest` built, which the caller will not
 * touch again: no defensive copy, and no check of the fields' limits (extraction keeps to them).
 */
export const ENQUEUE_OWNED_HIT: unique symbol = Symbol('pirsch.enqueueOwnedHit');
/**
 * Internal: runs `work` (a tracker's synchronous call) and sends every item it hands this client
 * now, each in its own request from this call's context, instead of queueing it; resolves when
 * all are delivered or given up, or is undefined when `work` handed over nothing. The web tracker
 * gives the promise to the platform's `waitUntil` (see `DeliveryQueue.deliverNow`).
 */
export const DELIVER_NOW: unique symbol = Symbol('pirsch.deliverNow');
/** Internal: what a client created by `createClient` offers the web tracker. */
export interface ImmediateSink {
  [DELIVER_NOW](work: () => void): Promise<unknown> | undefined;
}

/** Internal: what a client created by `createClient` offers the tracker. */
export interface OwnedHitSink {
  [ENQUEUE_OWNED_HIT](hit: Hit): void;
}

/**
 * How long `flush()` and `close()` wait when no timeout is given, and how long a finished script
 * waits to deliver: the exit drain's bound, whatever `timeoutMs` is.
 */
export const DEFAULT_FLUSH_TIMEOUT_MS = 10_000;

/**
 * Builds the body of an event from a hit and the event's options, within the API's limits (see
 * `normalizeItem`). The hit is not changed.
 */
export function eventPayload(name: string, hit: Hit, options: EventOptions = {}): EventPayload {
  const payload = Object.assign(copyOf(hit), eventFields(name, options));
  fixFields(payload);
  return payload as unknown as EventPayload;
}

/** The event's own fields, as the API names them; the options' undefined ones are left out. */
function eventFields(name: string, options: EventOptions | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = { event_name: name };
  if (typeof options !== 'object' || options === null) return fields;
  const { duration, meta, nonInteractive } = options;
  if (duration !== undefined) fields.event_duration = duration;
  if (meta !== undefined) fields.event_meta = copyMap(meta);
  if (nonInteractive !== undefined) fields.non_interactive = nonInteractive;
  return fields;
}

/** Clients with items left when the event loop empties: they deliver before the process exits. */
const liveQueues = new Map<DeliveryQueue, { drainedAt: number }>();
function drainOnExit(): void {
  // After every 'beforeExit' listener, not before: one of the app's own may queue more (Node runs
  // the tick queue before it decides whether the loop is alive again).
  nodeProcess()?.nextTick(drainNow);
}
function drainNow(): void {
  for (const [queue, state] of liveQueues) {
    // Only when something was queued since the last drain, so a dead API cannot keep a script alive forever.
    if (queue.held === 0 || state.drainedAt === queue.lastSeq) continue;
    state.drainedAt = queue.lastSeq;
    // The flush's timer is all that keeps the process alive (the sockets do not). At its deadline
    // what is left is dropped and reported, and requests in flight are aborted, so the process
    // exits then. The client is not closed: a script that goes on can still use it. A flush that
    // ends early and false only had an item fail; what was queued since gets its own drain.
    // Set before the flush's own timer of the same length, so it fires first.
    let timedOut = false;
    const deadline = unrefTimer(setTimeout(() => (timedOut = true), DEFAULT_FLUSH_TIMEOUT_MS));
    void queue.flush(DEFAULT_FLUSH_TIMEOUT_MS).then((delivered) => {
      clearTimeout(deadline);
      if (!delivered && timedOut) queue.abandon('exiting');
    });
  }
}

/** What an enabled client talks to the API with. */
interface Connection {
  transport: Transport;
  send: AuthorizedSend;
  requester: ApiRequester;
}

/**
 * Opens what a client sends its requests with: undici's pool on Node (`createClient` of the main
 * entry), the global `fetch` elsewhere (`@pirsch-node/core/web`).
 */
export type OpenTransport = (baseUrl: URL, timeoutMs: number, connections: number) => Transport;

function connect(resolved: ResolvedClientOptions, auth: ClientAuth, closed: AbortSignal, openTransport: OpenTransport): Connection {
  const transport = openTransport(resolved.baseUrl, resolved.timeoutMs, resolved.concurrency + 2);
  const tokens = createTokenSource(auth, transport);
  const send = createAuthorizedSend(transport, tokens);
  return { transport, send, requester: createApiRequester(send, tokens, resolved, closed) };
}

/** A disabled client's API calls: refused before any request, naming the switch that explains why. */
const refuseWhileDisabled: ApiRequester = (request) =>
  Promise.reject(new PirschConfigError('enabled', `is false, so ${request.call} made no request: a disabled client never calls the API`));

/** A disabled client's delivery never reaches its send; this only gives the queue one. */
const sendNothing: AuthorizedSend = () => Promise.reject(new PirschConfigError('enabled', 'is false: a disabled client sends nothing'));

/** Says once, when a disabled client is created, that nothing will be sent and where the counts are. */
function announceDisabled(resolved: ResolvedClientOptions): void {
  try {
    const logger = resolved.logger;
    (logger?.info ?? console.info).call(
      logger ?? console,
      '[pirsch] disabled (enabled: false): nothing is sent to Pirsch. Hits, events and sessions are counted in client.metrics.disabled; ' +
        "a middleware's page views also in its tracked counter",
    );
  } catch {
    // a logger that throws must not stop the app from starting
  }
}

/**
 * The client of both entries: `createClient` of `@pirsch-node/core` (undici) and of
 * `@pirsch-node/core/web` (fetch) differ only in `openTransport`.
 */
export function createClientWith(options: PirschClientOptions, openTransport: OpenTransport): PirschClient {
  const resolved = resolveClientOptions(options);
  /** Aborted at close()'s deadline: API calls waiting to retry reject then. */
  const closed = new AbortController();
  allowManyListeners(closed.signal); // every API call waiting to retry listens on it
  // A disabled client has no transport, no token source, no exit hook: nothing it could hold the process with.
  const connection = resolved.enabled && resolved.auth !== undefined ? connect(resolved, resolved.auth, closed.signal, openTransport) : undefined;
  const reporter = new ErrorReporter(resolved.onError, resolved.logger);
  const queue = new DeliveryQueue(resolved, connection?.send ?? sendNothing, reporter);
  const api = createApi(connection?.requester ?? refuseWhileDisabled);
  let closing: Promise<boolean> | undefined;

  if (connection === undefined) {
    announceDisabled(resolved);
  } else {
    // Only where a process can end with items queued; a worker's invocation uses waitUntil instead.
    const host = nodeProcess();
    if (host !== undefined) {
      try {
        if (liveQueues.size === 0) host.on('beforeExit', drainOnExit);
        liveQueues.set(queue, { drainedAt: 0 });
      } catch {
        // a runtime's stand-in for `process` that refuses the hook: it has no exit to deliver before
      }
    }
  }

  /**
   * Every item's way in: dropped as closed or invalid (counted and reported), else brought within
   * the API's limits (a copy, unless `owned`: an object the caller hands over) and queued. Never
   * throws into the caller's request path.
   */
  /** While a `DELIVER_NOW` call runs: the deliveries it started. */
  let sendingNow: Array<Promise<boolean>> | undefined;
  const accept = (kind: ItemKind, data: unknown, owned: boolean): void => {
    try {
      if (closing) return queue.drop('closed', 1);
      queueChecked(kind, normalizeItem(kind, data, owned));
    } catch {
      // never into the caller's request path
    }
  };
  /** Queues an item already within the API's limits; undefined (one that cannot be sent) is dropped as invalid. */
  const queueChecked = (kind: ItemKind, item: Record<string, unknown> | undefined): void => {
    if (item === undefined) return queue.drop('invalid', 1);
    if (sendingNow !== undefined) sendingNow.push(queue.deliverNow(kind, item));
    else queue.enqueue(kind, item);
  };

  const delivery: PirschDelivery = {
    hit(hit: Hit): void {
      // A copy within the API's limits: the caller may reuse or change its object before the batch goes out.
      accept('hit', hit, false);
    },
    event(name: string, hit: Hit, eventOptions?: EventOptions): void {
      try {
        if (closing) return queue.drop('closed', 1);
        // " Signup " is the event "Signup"; a name of nothing but spaces is none (the dashboard
        // would show an empty row), and says so instead of being sent or dropped in silence.
        const eventName = typeof name === 'string' ? name.trim() : '';
        if (eventName === '') {
          return queue.dropInvalid(`an event needs a name: got ${typeof name === 'string' ? JSON.stringify(name.slice(0, 20)) : typeof name}`, { event_name: 'required' });
        }
        // A copy with the event's fields, brought within the API's limits in place.
        accept('event', typeof hit === 'object' && hit !== null ? Object.assign(copyOf(hit), eventFields(eventName, eventOptions)) : undefined, true);
      } catch {
        // Never into the caller's request path.
      }
    },
    session(data: SessionData): void {
      accept('session', data, false);
    },
    flush(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<boolean> {
      return queue.flush(timeoutMs);
    },
    close(timeoutMs = DEFAULT_FLUSH_TIMEOUT_MS): Promise<boolean> {
      closing ??= (async () => {
        const delivered = await queue.flush(timeoutMs);
        // The deadline (or everything delivered): nothing of this client outlives it. What waits
        // is dropped, API calls waiting to retry reject, requests in flight are aborted and every
        // connection is closed.
        closed.abort();
        queue.stop();
        if (liveQueues.delete(queue) && liveQueues.size === 0) nodeProcess()?.off('beforeExit', drainOnExit);
        await connection?.transport.close();
        return delivered;
      })();
      return closing;
    },
    get metrics(): ClientMetrics {
      return queue.metrics;
    },
    get closed(): boolean {
      return closing !== undefined;
    },
  };
  Object.defineProperty(delivery, CLIENT_ENABLED, { value: connection !== undefined });
  Object.defineProperty(delivery, DELIVER_NOW, {
    value(work: () => void): Promise<unknown> | undefined {
      const outer = sendingNow;
      const started: Array<Promise<boolean>> = [];
      sendingNow = started;
      try {
        work();
      } finally {
        sendingNow = outer;
      }
      return started.length === 0 ? undefined : Promise.all(started);
    },
  });
  Object.defineProperty(delivery, ENQUEUE_OWNED_HIT, {
    value(hit: Hit): void {
      try {
        if (closing) return queue.drop('closed', 1);
        // Neither copied nor fixed: extraction built the hit within every field's limit. Only the
        // required fields are checked (an empty IP cannot be sent).
        const item = hit as unknown as Record<string, unknown>;
        queueChecked('hit', hasRequiredFields('hit', item) ? item : undefined);
      } catch {
        // never into the caller's request path
      }
    },
  });
  return Object.assign(delivery, api) as PirschClient;
}
