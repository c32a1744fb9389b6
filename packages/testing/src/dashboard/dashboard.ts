import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { PirschEmulator } from '../emulator.js';
import type { Fault } from '../faults.js';
import { readRequestBody } from '../request-body.js';
import type { ReceivedEvent, ReceivedHit, ReceivedSession, RecordedRequest } from '../store.js';
import { parseUserAgent } from '../user-agent.js';
import { DASHBOARD_CSS, DASHBOARD_HTML, DASHBOARD_ICON, DASHBOARD_JS } from './assets.js';
import { LiveFeed, type FeedEntry } from './feed.js';
import { DASHBOARD_RANGES, dashboardStatistics, type DashboardRange, type DashboardStatistics } from './statistics.js';

/**
 * The fault switches of the dashboard: `none`, every API request answered with `status` (`fail`),
 * read and never answered (`hang`), or the emulator unreachable (`unavailable`, which is
 * `emulator.setAvailable(false)`). Scripted faults (`failNext`, ...) go first.
 */
export const FAULT_MODES = ['none', 'fail', 'hang', 'unavailable'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
/** The statuses the `fail` switch can answer with. */
export const FAIL_STATUSES = [503, 500, 502, 504, 429] as const;

/** What the page shows on its switches. */
export interface FaultState {
  mode: FaultMode;
  /** The status of `fail`. */
  status: number;
  /** Faults still planned by `failNext`, `hangNext` and `resetNext`. */
  pendingFaults: number;
}

/** Where the dashboard lives: `/`, and everything below this prefix. No API path starts with it. */
export const DASHBOARD_PREFIX = '/_dashboard/';

/**
 * A restrictive policy: nothing but the page's own script, style, icon and its two JSON/event
 * routes; no inline script or style, no frames, no forms, no other origin.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  [`${DASHBOARD_PREFIX}app.js`]: { type: 'text/javascript; charset=utf-8', body: DASHBOARD_JS },
  [`${DASHBOARD_PREFIX}app.css`]: { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
  [`${DASHBOARD_PREFIX}icon.svg`]: { type: 'image/svg+xml', body: DASHBOARD_ICON },
};

/** True for the paths the dashboard answers: `/` and below `/_dashboard/`. */
export function isDashboardPath(pathname: string | undefined): boolean {
  if (pathname === undefined) return false;
  return pathname === '/' || pathname.startsWith(DASHBOARD_PREFIX);
}

/**
 * The dashboard of an emulator created with `dashboard: true`: serves the page, its statistics
 * and the live feed, and holds the fault switches. The emulator asks it which requests are its own
 * (`isDashboardPath`) before anything else (auth, faults, rate limit, recording), and which fault
 * a request of the API gets (`fault`).
 */
export class Dashboard {
  readonly #emulator: PirschEmulator;
  readonly #feed = new LiveFeed();
  #mode: Exclude<FaultMode, 'unavailable'> = 'none';
  #status = 503;
  /** The state last sent to the pages, so that one change is told once. */
  #lastState = '';
  /** Counts what was received (and resets): figures computed at one count hold until the next. */
  #version = 0;
  /** The figures per range: the last ones computed, and the computation under way. */
  readonly #figures = new Map<string, { version: number; pending: boolean; data: Promise<DashboardStatistics> }>();
  readonly #stopListening: () => void;

  constructor(emulator: PirschEmulator) {
    this.#emulator = emulator;
    const listeners = {
      hit: (hit: ReceivedHit) => {
        this.#version++;
        this.#feed.publish({ type: 'hit', data: describeHit(hit) });
      },
      event: (event: ReceivedEvent) => {
        this.#version++;
        this.#feed.publish({ type: 'event', data: describeEvent(event) });
      },
      session: (session: ReceivedSession) => {
        this.#version++;
        this.#feed.publish({ type: 'session', data: describeSession(session) });
      },
      request: (request: RecordedRequest) => {
        if (request.status !== 200) this.#feed.publish({ type: 'refused', data: describeRefusal(request) });
      },
    };
    emulator.on('hit', listeners.hit);
    emulator.on('event', listeners.event);
    emulator.on('session', listeners.session);
    emulator.on('request', listeners.request);
    this.#stopListening = () => {
      emulator.off('hit', listeners.hit);
      emulator.off('event', listeners.event);
      emulator.off('session', listeners.session);
      emulator.off('request', listeners.request);
    };
  }

  /** The fault for a request of the API while a switch is on. */
  fault(): Fault | undefined {
    if (this.#mode === 'fail') return { kind: 'fail', status: this.#status, retryAfter: undefined };
    if (this.#mode === 'hang') return { kind: 'hang' };
    return undefined;
  }

  /** How the switches stand. */
  get state(): FaultState {
    return { mode: this.#emulator.available ? this.#mode : 'unavailable', status: this.#status, pendingFaults: this.#emulator.pendingFaults };
  }

  /** Tells the open pages how the switches stand (after `setAvailable` or `reset`, say). */
  stateChanged(): void {
    const state = this.state;
    const text = JSON.stringify(state);
    if (text === this.#lastState) return;
    this.#lastState = text;
    this.#feed.publish({ type: 'state', data: { ...state } });
  }

  /** Turns the switches back off (the emulator's `reset()`). */
  reset(): void {
    this.#mode = 'none';
    this.#status = 503;
    this.#version++;
  }

  /** Answers a request for a dashboard path. Never throws: a failure is a 500 for that request. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    this.#route(request, response).catch((error: unknown) => {
      if (response.headersSent) response.destroy();
      else send(response, 500, 'text/plain; charset=utf-8', `dashboard failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Ends the live feed's streams and stops listening to the emulator. */
  close(): void {
    this.#feed.close();
    this.#stopListening();
  }

  /**
   * The figures of a range: computed again only after something arrived, one computation at a
   * time per range (pages asking meanwhile share it), so open dashboards cost the emulator a pass
   * per change at most, however many there are and however often they ask.
   */
  async #statistics(range: DashboardRange): Promise<DashboardStatistics> {
    const today = new Date().toISOString().slice(0, 10);
    const key = `${range} ${today}`;
    for (const old of this.#figures.keys()) if (!old.endsWith(today)) this.#figures.delete(old);
    const known = this.#figures.get(key);
    if (known && known.version === this.#version) return known.data;
    if (known?.pending) return known.data;
    const entry = { version: this.#version, pending: true, data: dashboardStatistics(this.#emulator.store, range) };
    entry.data.finally(() => (entry.pending = false)).catch(() => this.#figures.delete(key));
    this.#figures.set(key, entry);
    return entry.data;
  }

  /**
   * The Host a request names must be the emulator's: a loopback name, the host it listens on, or
   * any when it listens on every interface. A web page whose own name was pointed at 127.0.0.1
   * (DNS rebinding) would otherwise be the dashboard's origin, read it and flip its switches.
   */
  #trustedHost(host: string | undefined): boolean {
    const listening = this.#emulator.host;
    if (listening === '0.0.0.0' || listening === '::') return true;
    if (host === undefined) return false;
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
    const lower = name.toLowerCase();
    return lower === 'localhost' || lower === '127.0.0.1' || lower === '[::1]' || lower === listening.toLowerCase() || `[${listening.toLowerCase()}]` === lower;
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.#trustedHost(request.headers.host)) {
      return sendJson(response, 403, { error: "the dashboard answers only on localhost or the emulator's own host name" });
    }
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://emulator.invalid');
    const asset = ASSETS[url.pathname];
    const route = url.pathname.slice(DASHBOARD_PREFIX.length);
    const reading = method === 'GET' || method === 'HEAD';

    if (asset) {
      if (!reading) return methodNotAllowed(response, 'GET, HEAD');
      return send(response, 200, asset.type, method === 'HEAD' ? undefined : asset.body, Buffer.byteLength(asset.body));
    }
    if (route === 'stats') {
      if (!reading) return methodNotAllowed(response, 'GET, HEAD');
      const range = url.searchParams.get('range') ?? 'today';
      if (!DASHBOARD_RANGES.includes(range as DashboardRange)) {
        return sendJson(response, 400, { error: `range must be one of ${DASHBOARD_RANGES.join(', ')}` });
      }
      return sendJson(response, 200, { ...(await this.#statistics(range as DashboardRange)), faults: this.state });
    }
    if (route === 'feed') {
      if (method !== 'GET') return methodNotAllowed(response, 'GET');
      return this.#feed.open(request, response, SECURITY_HEADERS, { type: 'state', data: { ...this.state } });
    }
    if (route === 'faults') {
      if (method === 'GET' || method === 'HEAD') return sendJson(response, 200, this.state);
      if (method !== 'POST') return methodNotAllowed(response, 'GET, POST');
      return this.#switchFaults(request, response);
    }
    return send(response, 404, 'text/plain; charset=utf-8', `not found: ${method} ${url.pathname}`);
  }

  /**
   * `POST /_dashboard/faults` with `{"mode": "fail", "status": 503}`. Only as JSON and only from
   * the dashboard's own origin: a form or a script on another site cannot send this without a
   * preflight that the emulator never allows, so no web page can flip a developer's switches.
   */
  async #switchFaults(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}`) {
      return sendJson(response, 403, { error: 'the fault switches answer only the dashboard itself' });
    }
    if (!/^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      return sendJson(response, 415, { error: 'send the switches as application/json' });
    }
    const body = await readRequestBody(request, 1024);
    let parsed: unknown;
    try {
      parsed = body.tooLarge ? undefined : JSON.parse(body.text);
    } catch {
      parsed = undefined;
    }
    const wanted = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const mode = wanted.mode;
    const status = wanted.status ?? this.#status;
    if (!FAULT_MODES.includes(mode as FaultMode)) return sendJson(response, 400, { error: `mode must be one of ${FAULT_MODES.join(', ')}` });
    if (!FAIL_STATUSES.includes(status as (typeof FAIL_STATUSES)[number])) {
      return sendJson(response, 400, { error: `status must be one of ${FAIL_STATUSES.join(', ')}` });
    }
    this.#status = status as number;
    if (mode === 'unavailable') {
      this.#mode = 'none';
      this.#emulator.setAvailable(false);
    } else {
      this.#mode = mode as Exclude<FaultMode, 'unavailable'>;
      if (!this.#emulator.available) this.#emulator.setAvailable(true);
    }
    this.stateChanged();
    sendJson(response, 200, this.state);
  }
}

function send(response: ServerResponse, status: number, type: string, body: string | undefined, length = Buffer.byteLength(body ?? '')): void {
  if (response.destroyed) return;
  const headers: OutgoingHttpHeaders = { ...SECURITY_HEADERS, 'content-type': type, 'content-length': length };
  response.writeHead(status, headers);
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function methodNotAllowed(response: ServerResponse, allow: string): void {
  response.setHeader('allow', allow);
  send(response, 405, 'text/plain; charset=utf-8', 'method not allowed');
}

// --- what the feed says about each item ---------------------------------------------------------

/** `Chrome 91.0 / Windows`, or the start of an unrecognised user agent. */
function shortUserAgent(userAgent: string): { agent: string; bot: boolean } {
  const parsed = parseUserAgent(userAgent);
  const browser = [parsed.browser, parsed.browserVersion].filter(Boolean).join(' ');
  const described = [browser, parsed.os].filter(Boolean).join(' / ');
  return { agent: described || String(userAgent).slice(0, 40), bot: parsed.bot };
}

function pathOf(url: unknown): string {
  try {
    const parsed = new URL(String(url));
    return parsed.pathname + parsed.search;
  } catch {
    return String(url ?? '');
  }
}

/** The feed keeps 50 entries: each string cut, so 50 entries stay small whatever a hit carries. */
const FEED_TEXT = 300;
function cut(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  return text.length > FEED_TEXT ? `${text.slice(0, FEED_TEXT)}…` : text;
}

function describeHit(hit: ReceivedHit): FeedEntry['data'] {
  return { time: hit.time, url: cut(hit.url), path: cut(pathOf(hit.url)), title: cut(hit.title), referrer: cut(hit.referrer), ip: cut(hit.ip), tags: hit.tags ?? {}, ...shortUserAgent(hit.user_agent) };
}

function describeEvent(event: ReceivedEvent): FeedEntry['data'] {
  return { time: event.time, name: cut(event.event_name), meta: event.event_meta ?? {}, url: cut(event.url), path: cut(pathOf(event.url)), ip: cut(event.ip), ...shortUserAgent(event.user_agent) };
}

function describeSession(session: ReceivedSession): FeedEntry['data'] {
  return { time: session.time, url: cut(session.url), path: session.url ? cut(pathOf(session.url)) : '', ip: cut(session.ip), ...shortUserAgent(session.user_agent) };
}

function describeRefusal(request: RecordedRequest): FeedEntry['data'] {
  return { time: request.time.toISOString(), method: request.method, path: request.path, status: request.status };
}
