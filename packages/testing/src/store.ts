import type { IncomingHttpHeaders } from 'node:http';
import type { EventPayload, Hit, SessionData } from '@pirsch-node/core';

/** A hit as the emulator received it; `time` is the batch item's time or the arrival time. */
export type ReceivedHit = Hit & { time: string };
/** An event as the emulator received it. */
export type ReceivedEvent = EventPayload & { time: string };
/** A session keep-alive as the emulator received it. */
export type ReceivedSession = SessionData & { time: string };

/** Every request the emulator answered (ingest, token, statistics, management). */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /**
   * Parsed JSON body, or the raw text when it was not JSON, or undefined when empty. Also undefined
   * for a request refused before its body mattered (unknown path, no valid credentials: the body is
   * not even kept while reading), and for a refused request whose body was over 64 KiB.
   */
  body: unknown;
  /** How many bytes of body arrived, whether or not `body` kept them. */
  bodyBytes: number;
  /** The status the emulator answered with (0 when it hung up or reset the connection). */
  status: number;
  time: Date;
}

/** What the emulator holds; management and statistics routes read and change it. */
export interface EmulatorStore {
  hits: ReceivedHit[];
  events: ReceivedEvent[];
  sessions: ReceivedSession[];
  requests: RecordedRequest[];
}

/** An empty store. Lists added to `EmulatorStore` start empty here too. */
export function createEmulatorStore(): EmulatorStore {
  return { hits: [], events: [], sessions: [], requests: [] };
}

/**
 * Empties every list in place, so arrays handed out earlier (`emulator.hits`) stay live.
 * Lists added to `EmulatorStore` must be cleared here too.
 */
export function clearEmulatorStore(store: EmulatorStore): void {
  store.hits.length = 0;
  store.events.length = 0;
  store.sessions.length = 0;
  store.requests.length = 0;
}
