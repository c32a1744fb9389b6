import { handleManagementRoute } from './management.js';
import { handleStatisticsRoute } from './statistics.js';
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
 *
 * Management calls change an in-memory account kept per store (see `managementState`); statistics
 * are computed from the store's hits and events (see STATISTICS.md).
 */
export function handleApiRoute(store: EmulatorStore, method: string, url: URL, body: unknown): RouteResult | undefined {
  return handleStatisticsRoute(store, method.toUpperCase(), url) ?? handleManagementRoute(store, method.toUpperCase(), url, body);
}
