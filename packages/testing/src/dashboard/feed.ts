import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One entry of the live feed, as the page receives it (the `data` of a server-sent event). */
export interface FeedEntry {
  /** `hit`, `event`, `session`, `refused` (a request answered other than 200) or `state` (faults). */
  type: string;
  data: Record<string, unknown>;
}

/** How many entries a page that connects (or reconnects) is sent from before it came. */
const BACKLOG = 50;
/** Pages connected at once; more get 503, so a forgotten loop of tabs cannot grow the server. */
const MAX_CLIENTS = 32;
/** A page that reads slower than this much unsent data is cut off (it reconnects and catches up). */
const MAX_BUFFERED_BYTES = 256 * 1024;
/** A comment line this often keeps proxies and idle timeouts from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * The live feed: server-sent events to every open dashboard. Bounded on every side: a backlog of
 * the last entries (sent again after `Last-Event-ID` on a reconnect), a number of clients, and
 * the bytes waiting for each.
 */
export class LiveFeed {
  readonly #clients = new Set<ServerResponse>();
  readonly #backlog: { id: number; text: string }[] = [];
  #lastId = 0;
  /** Starts every entry's id, so that a page reconnecting to a restarted emulator gets its whole backlog. */
  readonly #epoch = randomBytes(4).toString('hex');
  #timer: NodeJS.Timeout | undefined;

  /** Answers `GET /_dashboard/feed` with an event stream that stays open, starting with `current`. */
  open(request: IncomingMessage, response: ServerResponse, headers: Record<string, string>, current?: FeedEntry): void {
    if (this.#clients.size >= MAX_CLIENTS) {
      response.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      response.end('too many dashboards are open');
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    response.write('retry: 1000\n\n');
    const [epoch, seen] = String(request.headers['last-event-id'] ?? '').split('-');
    const since = epoch === this.#epoch ? Number(seen) : 0;
    for (const entry of this.#backlog) if (!(entry.id <= since)) response.write(entry.text);
    // How things stand now (the fault switches): not part of the backlog, always the latest.
    if (current) response.write(`event: ${current.type}\ndata: ${JSON.stringify(current.data)}\n\n`);
    this.#clients.add(response);
    response.once('close', () => {
      this.#clients.delete(response);
      if (this.#clients.size === 0) this.#stopKeepAlive();
    });
    this.#timer ??= setInterval(() => this.#broadcast(': keep-alive\n\n'), KEEP_ALIVE_MS).unref();
  }

  /** Sends an entry to every open page and keeps it in the backlog. */
  publish(entry: FeedEntry): void {
    const id = ++this.#lastId;
    const text = `id: ${this.#epoch}-${id}\nevent: ${entry.type}\ndata: ${JSON.stringify(entry.data)}\n\n`;
    if (entry.type !== 'state') {
      this.#backlog.push({ id, text });
      if (this.#backlog.length > BACKLOG) this.#backlog.shift();
    }
    this.#broadcast(text);
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    this.#stopKeepAlive();
    for (const client of this.#clients) client.destroy();
    this.#clients.clear();
  }

  #broadcast(text: string): void {
    for (const client of this.#clients) {
      if (client.destroyed || client.writableLength > MAX_BUFFERED_BYTES) {
        client.destroy();
        this.#clients.delete(client);
        continue;
      }
      client.write(text);
    }
  }

  #stopKeepAlive(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
