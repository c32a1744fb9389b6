import type { EmulatorStore } from './store.js';

/** The answer of a route: a status and a JSON body (or none). */
export interface RouteResult {
  status: number;
  body?: unknown;
}

/**
 * Statistics and management routes (`/api/v1/statistics/*`, `/api/v1/domain*`, `/member`, `/client`,
 * `/report`, `/goal`). Called by the server for authenticated requests that are not ingest or token
 * calls; returns undefined for a path it does not know (the server answers 404).
 */
export function handleApiRoute(_store: EmulatorStore, _method: string, _url: URL, _body: unknown): RouteResult | undefined {
  return undefined;
}
