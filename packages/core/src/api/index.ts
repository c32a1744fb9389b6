import type { ApiRequester } from '../types.js';
import { createManagementApi, type ManagementApi } from './management.js';
import { createStatisticsApi, type StatisticsApi } from './statistics.js';

export type * from './types.js';
export type { StatisticsApi, StatisticsCall } from './statistics.js';
export type { AccessLinksApi, ClientsApi, DomainsApi, GoalsApi, ManagementApi, MembersApi, ReportsApi } from './management.js';

/**
 * The read and management half of the client: `statistics` plus the management namespaces
 * (`domains`, `accessLinks`, `members`, `clients`, `reports`, `goals`). Needs client credentials;
 * a client built with an access key rejects these calls.
 *
 * @example
 * const [domain] = await client.domains.list();
 * const total = await client.statistics.total({ id: domain.id, from: '2024-01-01', to: new Date() });
 */
export interface PirschApi extends ManagementApi {
  statistics: StatisticsApi;
}

/**
 * Builds the API namespaces on top of a requester that handles auth, timeouts and retries.
 * Each call only maps its arguments onto method, path, query and body.
 */
export function createApi(request: ApiRequester): PirschApi {
  return { statistics: createStatisticsApi(request), ...createManagementApi(request) };
}
