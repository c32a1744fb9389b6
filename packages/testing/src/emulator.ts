import { EventEmitter } from 'node:events';
import { STATUS_CODES, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { apiError } from './api-error.js';
import { handleApiRoute } from './api-routes.js';
import { Dashboard, isDashboardPath } from './dashboard/dashboard.js';
import { FaultPlan, failFault, type FailOptions, type Fault, type FaultOptions, type RequestScope } from './faults.js';
import { ingestRouteOf, readIngest, type IngestResult, type RefuseItem } from './ingest.js';
import { isObject, parseBody, type ParsedBody } from './json.js';
import { isManagementPath, resetManagement } from './management.js';
import { isMoreManagementPath } from './management-more.js';
import { isStatisticsPath } from './statistics.js';
import { estimateBytes, RecordedBudget } from './recorded-budget.js';
import { readRequestBody } from './request-body.js';
import {
  clearEmulatorStore,
  createEmulatorStore,
  type EmulatorStore,
  type ReceivedEvent,
  type ReceivedHit,
  type ReceivedSession,
  type RecordedRequest,
} from './store.js';
import { TokenRegistry } from './tokens.js';

/** Options of `createPirschEmulator`. Every one has a default. */
export interface PirschEmulatorOptions {
  /** Port to listen on. Default 0: a free port chosen by the system (read it from `emulator.port`). */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The client ID `POST /api/v1/token` accepts. Default `test-client-id`. */
  clientId?: string;
  /** The client secret `POST /api/v1/token` accepts. Default `test-client-secret`. */
  clientSecret?: string;
  /** The access key accepted as a bearer token on ingest endpoints. Default `pa_test_access_key`. */
  accessKey?: string;
  /** How long an issued access token lives, in ms. Default one hour. */
  tokenTtlMs?: number;
  /**
   * How far the emulator's clock is from this machine's, in ms: its `Date` header, the
   * `expires_at` of its tokens, when they expire, arrival times and the rate limit's windows all
   * use `Date.now() + clockOffsetMs`. Negative puts the API behind, as if the client's clock ran
   * ahead. Default 0.
   *
   * @example
   * await createPirschEmulator({ clockOffsetMs: -2 * 3600_000 }); // the client's clock is 2 h ahead
   */
  clockOffsetMs?: number;
  /** `false` answers without a `Date` header (Node's server sends one by default). Default `true`. */
  sendDate?: boolean;
  /** Larger request bodies are answered with 413. Default 10 MiB. */
  maxBodyBytes?: number;
  /**
   * How many entries each recorded list (`hits`, `events`, `sessions`, `requests`) keeps; the oldest
   * go first. Default unlimited, which suits tests; a long-running emulator (the CLI) should set it.
   */
  maxRecorded?: number;
  /**
   * How many bytes each recorded list (`hits`, `events`, `sessions`, `requests`) keeps, counted as
   * the length of each entry's JSON; past it the oldest go first (the newest always stays). Bounds
   * memory whatever the entries hold: a 9 MB user agent counts for 9 MB, not for one entry.
   * Default 64 MiB per list.
   *
   * @example
   * await createPirschEmulator({ maxRecordedBytes: 8 * 1024 * 1024 });
   */
  maxRecordedBytes?: number;
  /**
   * A rate limit like the API's: at most `requests` requests (token requests included) per window
   * of `windowMs` (default one minute), counted from the window's first request. Every answer then
   * carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix time in
   * seconds when the window ends); past the limit the answer is 429 with `Retry-After` and nothing
   * is recorded as received. Default: no limit and no such headers.
   *
   * @example
   * await createPirschEmulator({ rateLimit: { requests: 5, windowMs: 1000 } });
   */
  rateLimit?: { requests: number; windowMs?: number };
  /**
   * Refuses items the API's own validation would accept, the way it refuses invalid ones: return a
   * message to refuse the item (400, with the message under the field `item`, e.g.
   * `{"validation": {"3.item": "..."}}` in a batch, which is then refused whole), or undefined to
   * accept it. For testing what a client does with an item only the API knows to be bad.
   *
   * @example
   * await createPirschEmulator({ refuseItem: (item) => (String(item.url).includes('/blocked') ? 'url is blocked' : undefined) });
   */
  refuseItem?: RefuseItem;
  /**
   * Serves a dashboard at `/` (open `emulator.url` in a browser): the statistics of what was
   * received, a live feed of hits and events, and switches for faults (fail, hang, unavailable).
   * Its paths (`/` and `/_dashboard/*`) need no token, are not recorded, counted by the rate limit
   * or faulted, and stay up during an outage. Default `false` (the `pirsch-emulator` CLI turns it on).
   *
   * @example
   * const emulator = await createPirschEmulator({ dashboard: true });
   * console.log(`dashboard: ${emulator.url}/`);
   */
  dashboard?: boolean;
}

/** The events a `PirschEmulator` emits, with their payloads. */
export interface PirschEmulatorEvents {
  /** A hit was recorded (one event per item of a batch). */
  hit: [hit: ReceivedHit];
  /** An event was recorded. */
  event: [event: ReceivedEvent];
  /** A session keep-alive was recorded. */
  session: [session: ReceivedSession];
  /** A request was answered, faulted or hung (after its items were recorded). */
  request: [request: RecordedRequest];
}

/**
 * A Pirsch API on loopback: token, ingest (single and batch) and, through `handleApiRoute`,
 * statistics and management. Everything it receives is recorded; faults are scripted by tests.
 * Create one with `createPirschEmulator`.
 */
export interface PirschEmulator extends EventEmitter<PirschEmulatorEvents> {
  /** The base URL to hand to the client, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessKey: string;
  /** Everything recorded; the lists below are the same arrays. */
  readonly store: EmulatorStore;
  /** Hits received, in arrival order (live array). */
  readonly hits: ReceivedHit[];
  /** Events received (live array). */
  readonly events: ReceivedEvent[];
  /** Session keep-alives received (live array). */
  readonly sessions: ReceivedSession[];
  /** Every request answered, faulted or hung (live array). */
  readonly requests: RecordedRequest[];
  /** Tokens handed out by `POST /api/v1/token` since start or `reset()`. */
  readonly tokensIssued: number;
  /** False during an outage set with `setAvailable(false)`. */
  readonly available: boolean;
  /** Requests that will still be faulted by `failNext`, `hangNext` and `resetNext`. */
  readonly pendingFaults: number;

  /**
   * The next `count` requests of the scope (default `ingest`) are answered with `status` (default 503)
   * and the error JSON, with a `Retry-After` header when `retryAfter` is given. Their items are not recorded.
   *
   * @example
   * emulator.failNext(2, { status: 429, retryAfter: 1 });
   * emulator.failNext(1, { scope: 'token' });
   */
  failNext(count: number, options?: FailOptions): void;
  /**
   * The next `count` requests of the scope are read and then never answered, until `reset()` or
   * `close()`. Use it to test client timeouts.
   */
  hangNext(count: number, options?: FaultOptions): void;
  /** The next `count` requests of the scope are read and then the connection is reset (ECONNRESET). */
  resetNext(count: number, options?: FaultOptions): void;
  /** Every token issued so far is answered with 401 from now on; tokens issued later work. */
  expireTokens(): void;
  /**
   * `false` revokes the credentials, as deleting the client or the access key in the dashboard
   * would: the access key and every token issued so far are answered with 401, and so is
   * `POST /api/v1/token` with the client ID and secret. `true` accepts the key and the client
   * again (tokens issued before stay revoked; the client gets a new one).
   *
   * @example
   * emulator.setCredentialsValid(false); // the client's requests get 401 from now on
   */
  setCredentialsValid(valid: boolean): void;
  /** False while the credentials are revoked with `setCredentialsValid(false)`. */
  readonly credentialsValid: boolean;
  /**
   * `false` starts an outage: open connections are destroyed and every new one is destroyed as soon
   * as it arrives, before any request is read (nothing is recorded). `true` ends it.
   */
  setAvailable(available: boolean): void;
  /**
   * Resolves once `predicate` holds, checking now and after every recorded request; rejects after
   * `timeoutMs` (default 5000) or when the emulator closes.
   *
   * @example
   * await emulator.waitFor((e) => e.hits.length === 3);
   */
  waitFor(predicate: (emulator: PirschEmulator) => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Clears recorded data, the management state (domains, goals, ... back to the default domain),
   * planned faults and tokens, ends an outage, accepts revoked credentials again, drops hanging
   * requests and starts a new rate-limit window; keeps listening.
   */
  reset(): void;
  /** Stops listening and destroys every open connection (hanging and keep-alive ones too). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a Pirsch API emulator on loopback and resolves once it listens.
 *
 * @example
 * const emulator = await createPirschEmulator();
 * const client = createClient({ baseUrl: emulator.url, clientId: emulator.clientId, clientSecret: emulator.clientSecret });
 * client.hit({ url: 'https://example.com/', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' });
 * await client.flush();
 * expect(emulator.hits).toHaveLength(1);
 * await emulator.close();
 */
export async function createPirschEmulator(options: PirschEmulatorOptions = {}): Promise<PirschEmulator> {
  const emulator = new Emulator(resolveOptions(options));
  await emulator.listen();
  return emulator;
}

/** The rate limit's window unless `rateLimit.windowMs` says otherwise: one minute. */
export const DEFAULT_RATE_LIMIT_WINDOW_MS = 60_000;

type ResolvedOptions = Required<Omit<PirschEmulatorOptions, 'rateLimit' | 'refuseItem'>> & {
  rateLimit: { requests: number; windowMs: number } | undefined;
  refuseItem: RefuseItem | undefined;
};

const MiB = 1024 * 1024;

/** Each recorded list keeps this many bytes unless `maxRecordedBytes` says otherwise: 64 MiB. */
export const DEFAULT_MAX_RECORDED_BYTES = 64 * MiB;

/**
 * A refused request (status 400 and up) is recorded with its body only up to this size: enough to
 * see why a batch was refused, and a flood of large refused bodies costs nothing.
 */
export const MAX_REFUSED_BODY_BYTES = 64 * 1024;

function resolveOptions(options: PirschEmulatorOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clientId: options.clientId ?? 'test-client-id',
    clientSecret: options.clientSecret ?? 'test-client-secret',
    accessKey: options.accessKey ?? 'pa_test_access_key',
    tokenTtlMs: options.tokenTtlMs ?? 60 * 60 * 1000,
    clockOffsetMs: options.clockOffsetMs ?? 0,
    sendDate: options.sendDate ?? true,
    maxBodyBytes: options.maxBodyBytes ?? 10 * MiB,
    maxRecorded: options.maxRecorded ?? Number.POSITIVE_INFINITY,
    maxRecordedBytes: options.maxRecordedBytes ?? DEFAULT_MAX_RECORDED_BYTES,
    rateLimit: options.rateLimit === undefined ? undefined : { requests: options.rateLimit.requests, windowMs: options.rateLimit.windowMs ?? DEFAULT_RATE_LIMIT_WINDOW_MS },
    refuseItem: options.refuseItem,
    dashboard: options.dashboard ?? false,
  };
  const problem = (option: string, message: string) => new RangeError(`createPirschEmulator: option "${option}" ${message}`);
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    throw problem('port', 'must be an integer from 0 to 65535');
  }
  for (const option of ['host', 'clientId', 'clientSecret', 'accessKey'] as const) {
    if (typeof resolved[option] !== 'string' || resolved[option] === '') throw problem(option, 'must be a non-empty string');
  }
  if (!(resolved.tokenTtlMs > 0) || !Number.isFinite(resolved.tokenTtlMs)) throw problem('tokenTtlMs', 'must be a positive number');
  if (typeof resolved.clockOffsetMs !== 'number' || !Number.isFinite(resolved.clockOffsetMs)) throw problem('clockOffsetMs', 'must be a finite number');
  if (typeof resolved.sendDate !== 'boolean') throw problem('sendDate', 'must be a boolean');
  if (typeof resolved.dashboard !== 'boolean') throw problem('dashboard', 'must be a boolean');
  if (!Number.isInteger(resolved.maxBodyBytes) || resolved.maxBodyBytes < 0) {
    throw problem('maxBodyBytes', 'must be a non-negative integer');
  }
  if (!(resolved.maxRecorded >= 1)) throw problem('maxRecorded', 'must be at least 1');
  if (!(resolved.maxRecordedBytes >= 1)) throw problem('maxRecordedBytes', 'must be at least 1');
  if (resolved.refuseItem !== undefined && typeof resolved.refuseItem !== 'function') throw problem('refuseItem', 'must be a function');
  if (resolved.rateLimit !== undefined) {
    const { requests, windowMs } = resolved.rateLimit;
    if (!Number.isInteger(requests) || requests < 1) throw problem('rateLimit', 'needs `requests`, an integer of at least 1');
    if (!(windowMs > 0) || !Number.isFinite(windowMs)) throw problem('rateLimit', 'needs `windowMs`, a positive number');
  }
  return resolved;
}

/** How the emulator answers a request that was not faulted. */
interface Answer {
  status: number;
  body?: unknown;
  /** A body that is not JSON (the statistics export's zip). */
  binary?: { contentType: string; data: Buffer };
  /** Items to record when the request is answered. */
  received?: Extract<IngestResult, { ok: true }>;
}

const TOKEN_PATH = '/api/v1/token';

class Emulator extends EventEmitter<PirschEmulatorEvents> implements PirschEmulator {
  readonly host: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accessKey: string;
  readonly store = createEmulatorStore();
  readonly #options: ResolvedOptions;
  readonly #server: Server;
  readonly #tokens: TokenRegistry;
  readonly #faults = new FaultPlan();
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<ServerResponse>();
  readonly #waiters = new Set<() => void>();
  readonly #budget: RecordedBudget;
  readonly #dashboard: Dashboard | undefined;
  /** Connections whose last request was for the dashboard: an outage leaves them open. */
  readonly #dashboardSockets = new WeakSet<Socket>();
  #port = 0;
  /** The current rate-limit window: when it ends (ms since epoch) and the requests it counted. */
  #window = { endsAt: 0, used: 0 };
  #available = true;
  #credentialsValid = true;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: ResolvedOptions) {
    super();
    this.#options = options;
    this.host = options.host;
    this.clientId = options.clientId;
    this.clientSecret = options.clientSecret;
    this.accessKey = options.accessKey;
    this.#tokens = new TokenRegistry(options.tokenTtlMs);
    this.#budget = new RecordedBudget(options.maxRecorded, options.maxRecordedBytes);
    this.#server = createServer();
    this.#server.on('connection', (socket) => this.#onConnection(socket));
    this.#server.on('request', (request, response) => this.#onRequest(request, response));
    this.#dashboard = options.dashboard ? new Dashboard(this) : undefined;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        this.#port = typeof address === 'object' && address ? address.port : this.#options.port;
        resolve();
      });
    });
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get hits(): ReceivedHit[] {
    return this.store.hits;
  }

  get events(): ReceivedEvent[] {
    return this.store.events;
  }

  get sessions(): ReceivedSession[] {
    return this.store.sessions;
  }

  get requests(): RecordedRequest[] {
    return this.store.requests;
  }

  get tokensIssued(): number {
    return this.#tokens.issued;
  }

  get available(): boolean {
    return this.#available;
  }

  get pendingFaults(): number {
    return this.#faults.pending;
  }

  failNext(count: number, options: FailOptions = {}): void {
    this.#faults.add(failFault(options), count, options);
  }

  hangNext(count: number, options: FaultOptions = {}): void {
    this.#faults.add({ kind: 'hang' }, count, options);
  }

  resetNext(count: number, options: FaultOptions = {}): void {
    this.#faults.add({ kind: 'reset' }, count, options);
  }

  expireTokens(): void {
    this.#tokens.expireAll();
  }

  get credentialsValid(): boolean {
    return this.#credentialsValid;
  }

  setCredentialsValid(valid: boolean): void {
    this.#credentialsValid = valid;
    if (!valid) this.#tokens.expireAll();
  }

  setAvailable(available: boolean): void {
    this.#available = available;
    if (!available) for (const socket of this.#sockets) if (!this.#dashboardSockets.has(socket)) resetSocket(socket);
    this.#dashboard?.stateChanged();
  }

  waitFor(predicate: (emulator: PirschEmulator) => boolean, timeoutMs = 5000): Promise<void> {
    try {
      if (predicate(this)) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.#closed) return Promise.reject(new Error('waitFor: the emulator is closed'));
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (error) reject(error);
        else resolve();
      };
      // Runs inside request handling: a throwing predicate must reject this wait, not the request.
      const check = () => {
        try {
          if (this.#closed) done(new Error('waitFor: the emulator closed before the condition held'));
          else if (predicate(this)) done();
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const timer = setTimeout(() => {
        const { hits, events, sessions, requests } = this.store;
        done(
          new Error(
            `waitFor: the condition did not hold within ${timeoutMs} ms ` +
              `(${hits.length} hits, ${events.length} events, ${sessions.length} sessions, ${requests.length} requests)`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  reset(): void {
    clearEmulatorStore(this.store);
    resetManagement(this.store);
    this.#faults.clear();
    this.#tokens.clear();
    this.#available = true;
    this.#credentialsValid = true;
    this.#window = { endsAt: 0, used: 0 };
    for (const response of this.#hanging) response.socket?.destroy();
    this.#hanging.clear();
    this.#dashboard?.reset();
    this.#dashboard?.stateChanged();
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#dashboard?.close();
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      this.#server.closeAllConnections();
      this.#hanging.clear();
      for (const check of [...this.#waiters]) check();
    });
    return this.#closing;
  }

  #onConnection(socket: Socket): void {
    // With the dashboard, a connection during an outage is let in and reset once its request shows
    // it is not the dashboard's (#onRequest): which it is cannot be known before that.
    if ((!this.#available && !this.#dashboard) || this.#closed) {
      resetSocket(socket);
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #onRequest(request: IncomingMessage, response: ServerResponse): void {
    response.sendDate = this.#options.sendDate;
    if (this.#dashboard && isDashboardPath(pathnameOf(request.url))) {
      this.#dashboardSockets.add(request.socket);
      this.#dashboard.handle(request, response);
      return;
    }
    this.#dashboardSockets.delete(request.socket);
    if (!this.#available) {
      resetSocket(request.socket);
      return;
    }
    this.#handle(request, response).catch(() => {
      // Only reached when answering failed (the client went away mid-response); nothing to tell anyone.
      response.destroy();
    });
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const arrival = new Date(this.#now());
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const scope = scopeOf(url.pathname);
    // Known before the body: such a request is refused whatever it carries, so its body is not kept.
    const early = this.#refuseEarly(method, url, scope, request.headers.authorization, arrival);
    let raw;
    try {
      raw = await readRequestBody(request, this.#options.maxBodyBytes, early === undefined);
    } catch {
      return; // The client gave up before sending the whole request.
    }
    if (this.#closed || !this.#available) return;
    const body = raw.tooLarge ? undefined : parseBody(raw.text);
    const record = (status: number, faulted = false): RecordedRequest => {
      const keepBody = faulted || status < 400 || raw.bytes <= MAX_REFUSED_BODY_BYTES;
      return {
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        body: body === undefined || !keepBody ? undefined : body.json ? body.value : body.raw,
        bodyBytes: raw.bytes,
        status,
        time: arrival,
      };
    };

    const fault = this.#faults.take(scope) ?? this.#dashboard?.fault();
    if (fault) {
      this.#applyFault(fault, request, response, record);
      return;
    }
    const limit = this.#rateLimit(arrival.getTime());
    const answer: Answer = limit.exceeded
      ? { status: 429, body: apiError('rate limit exceeded (emulated)') }
      : body
        ? (early ?? this.#answer(method, url, scope, body, arrival))
        : { status: 413, body: apiError(`request body larger than ${this.#options.maxBodyBytes} bytes`) };
    if (answer.received) this.#keep(answer.received);
    const recorded = record(answer.status);
    this.#record(recorded);
    send(response, answer.status, answer.binary ?? answer.body, { ...this.#dateHeader(), ...limit.headers });
    if (answer.received) this.#emitReceived(answer.received);
    this.emit('request', recorded);
  }

  /** Counts a request against the rate limit; the headers to answer with, and whether it is past the limit. */
  #rateLimit(now: number): { exceeded: boolean; headers: OutgoingHttpHeaders } {
    const limit = this.#options.rateLimit;
    if (limit === undefined) return { exceeded: false, headers: {} };
    if (now >= this.#window.endsAt) this.#window = { endsAt: now + limit.windowMs, used: 0 };
    const exceeded = this.#window.used >= limit.requests;
    if (!exceeded) this.#window.used++;
    const headers: OutgoingHttpHeaders = {
      'x-ratelimit-limit': String(limit.requests),
      'x-ratelimit-remaining': String(limit.requests - this.#window.used),
      'x-ratelimit-reset': String(Math.ceil(this.#window.endsAt / 1000)),
    };
    if (exceeded) headers['retry-after'] = String(Math.max(1, Math.ceil((this.#window.endsAt - now) / 1000)));
    return { exceeded, headers };
  }

  #applyFault(fault: Fault, request: IncomingMessage, response: ServerResponse, record: (status: number, faulted: boolean) => RecordedRequest): void {
    const recorded = record(fault.kind === 'fail' ? fault.status : 0, true);
    this.#record(recorded);
    switch (fault.kind) {
      case 'fail': {
        const reason = STATUS_CODES[fault.status] ?? 'error';
        const headers: OutgoingHttpHeaders = { ...this.#dateHeader(), ...(fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter }) };
        send(response, fault.status, apiError(`${reason} (emulated fault)`), headers);
        break;
      }
      case 'hang':
        this.#hanging.add(response);
        response.once('close', () => this.#hanging.delete(response));
        break;
      case 'reset':
        resetSocket(request.socket);
        break;
    }
    this.emit('request', recorded);
  }

  /**
   * The answer to a request that does not depend on its body: 404 for a path the API does not have
   * (whoever asks, before auth, as the README's table says), 401 without valid credentials, 403 for
   * an access key outside ingest. Undefined when the body decides.
   */
  #refuseEarly(method: string, url: URL, scope: RequestScope, authorization: string | undefined, arrival: Date): Answer | undefined {
    if (scope === 'token') return method === 'POST' ? undefined : notFound(method, url);
    if (scope === 'api' && !isApiPath(url.pathname)) return notFound(method, url);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    const viaAccessKey = bearer === this.accessKey && this.#credentialsValid;
    if (bearer === undefined || (!viaAccessKey && !this.#tokens.isLive(bearer, arrival.getTime()))) {
      return { status: 401, body: apiError('unauthorized: send a valid access token or access key as "Authorization: Bearer <token>"') };
    }
    if (viaAccessKey && scope !== 'ingest') {
      return { status: 403, body: apiError('access keys are write-only: they can send hits, events and sessions only') };
    }
    if (scope === 'ingest' && method !== 'POST') return notFound(method, url);
    return undefined;
  }

  /** The answer to a request `#refuseEarly` let through. */
  #answer(method: string, url: URL, scope: RequestScope, body: ParsedBody, arrival: Date): Answer {
    if (scope === 'token') return this.#issueToken(body);
    if (!body.json) return { status: 400, body: apiError('the request body is not valid JSON') };
    const route = ingestRouteOf(url.pathname);
    if (route) {
      const result = readIngest(route, body.value, arrival, this.#options.refuseItem);
      return result.ok ? { status: 200, received: result } : { status: 400, body: result.body };
    }
    let routed;
    try {
      routed = handleApiRoute(this.store, method, url, body.value);
    } catch (error) {
      return { status: 500, body: apiError(`emulator route failed: ${error instanceof Error ? error.message : String(error)}`) };
    }
    return routed ?? notFound(method, url);
  }

  #issueToken(body: ParsedBody): Answer {
    if (!body.json) return { status: 400, body: apiError('the request body is not valid JSON') };
    const credentials = isObject(body.value) ? body.value : {};
    const validation: Record<string, string> = {};
    for (const field of ['client_id', 'client_secret']) {
      if (typeof credentials[field] !== 'string' || credentials[field] === '') validation[field] = 'required';
    }
    if (Object.keys(validation).length > 0) return { status: 400, body: apiError([], validation) };
    if (credentials.client_id !== this.clientId || credentials.client_secret !== this.clientSecret || !this.#credentialsValid) {
      return { status: 401, body: apiError('unauthorized: wrong client ID or secret') };
    }
    return { status: 200, body: this.#tokens.issue(this.#now()) };
  }

  /** The emulator's clock: this machine's, moved by `clockOffsetMs`. */
  #now(): number {
    return Date.now() + this.#options.clockOffsetMs;
  }

  /** The `Date` header by the emulator's clock; none with `sendDate: false` (then Node adds none either). */
  #dateHeader(): OutgoingHttpHeaders {
    return this.#options.sendDate ? { date: new Date(this.#now()).toUTCString() } : {};
  }

  #keep(received: Extract<IngestResult, { ok: true }>): void {
    switch (received.kind) {
      case 'hit':
        this.#budget.append(this.store.hits, received.items);
        break;
      case 'event':
        this.#budget.append(this.store.events, received.items);
        break;
      case 'session':
        this.#budget.append(this.store.sessions, received.items);
        break;
    }
  }

  #record(recorded: RecordedRequest): void {
    this.#budget.append(this.store.requests, [recorded], requestBytes);
    for (const check of [...this.#waiters]) check();
  }

  #emitReceived(received: Extract<IngestResult, { ok: true }>): void {
    switch (received.kind) {
      case 'hit':
        for (const hit of received.items) this.emit('hit', hit);
        break;
      case 'event':
        for (const event of received.items) this.emit('event', event);
        break;
      case 'session':
        for (const session of received.items) this.emit('session', session);
        break;
    }
  }
}

function isApiPath(path: string): boolean {
  return isStatisticsPath(path) || isManagementPath(path) || isMoreManagementPath(path);
}

function scopeOf(path: string): RequestScope {
  if (path === TOKEN_PATH) return 'token';
  return ingestRouteOf(path) ? 'ingest' : 'api';
}

function notFound(method: string, url: URL): Answer {
  return { status: 404, body: apiError(`not found: ${method} ${url.pathname}`) };
}

function send(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (response.destroyed) return;
  if (isBinary(body)) {
    response.writeHead(status, { ...headers, 'content-type': body.contentType, 'content-length': body.data.length });
    response.end(body.data);
    return;
  }
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function isBinary(body: unknown): body is { contentType: string; data: Buffer } {
  return typeof body === 'object' && body !== null && Buffer.isBuffer((body as { data?: unknown }).data) && typeof (body as { contentType?: unknown }).contentType === 'string';
}

/** What a recorded request costs: its body when kept (as received), plus its path, query and headers. */
function requestBytes(request: RecordedRequest): number {
  const body = request.body === undefined ? 0 : typeof request.body === 'string' ? request.body.length : request.bodyBytes;
  return body + estimateBytes({ path: request.path, query: request.query, headers: request.headers });
}

/** Ends the connection with a TCP RST, so the client sees ECONNRESET rather than a clean close. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * The path of a request target, or undefined when it is none a URL can have (`//`, `//[`): such a
 * request is the API's to refuse, and a throw in the server's 'request' listener would end the process.
 */
function pathnameOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://emulator.invalid').pathname;
  } catch {
    return undefined;
  }
}
