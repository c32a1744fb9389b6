import { handleManagementRoute } from './management.js';
import { handleMoreManagementRoute } from './management-more.js';
import { handleStatisticsRoute } from './statistics.js';
import { handleExportRoute } from './statistics-export.js';
import type { EmulatorStore } from './store.js';

/** The answer of a route: a status and a JSON body (or none), or a binary body such as the export's zip. */
export interface RouteResult {
  status: number;
  body?: unknown;
  binary?: { contentType: string; data: Buffer };
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
  const verb = method.toUpperCase();
  return (
    handleExportRoute(store, verb, url, body) ??
    handleStatisticsRoute(store, verb, url) ??
    handleManagementRoute(store, verb, url, body) ??
    handleMoreManagementRoute(store, verb, url, body)
  );
}
