import type { ApiRequester } from '../types.js';
import { createManagementApi, type ManagementApi } from './management.js';
import { paginate, type PageFilter } from './pagination.js';
import { createStatisticsApi, type StatisticsApi } from './statistics.js';

export type * from './types.js';
export type { FilterOptionsApi, StatisticsApi, StatisticsCall, StatisticsCalls } from './statistics.js';
export type { PageFilter } from './pagination.js';
export type {
  AccessLinksApi,
  AlternativeDomainsApi,
  ClientsApi,
  DomainsApi,
  FunnelsApi,
  GoalsApi,
  InvitationsApi,
  ManagementApi,
  MembersApi,
  ReportsApi,
  ShortLinksApi,
  SnippetsApi,
  TrafficFiltersApi,
  TrafficNotificationApi,
  ViewsApi,
  WebhooksApi,
} from './management.js';

/**
 * The read and management half of the client: `statistics` plus the management namespaces
 * (`domains`, `accessLinks`, `members`, `invitations`, `clients`, `reports`, `goals`, `funnels`,
 * `webhooks`, `trafficFilters`, `trafficSpikes`, `trafficWarnings`, `alternativeDomains`,
 * `snippets`, `views`, `shortLinks`) and `paginate`. Needs client credentials;
 * a client built with an access key rejects these calls.
 *
 * @example
 * const [domain] = await client.domains.list();
 * const total = await client.statistics.total({ id: domain.id, from: '2024-01-01', to: new Date() });
 */
export interface PirschApi extends ManagementApi {
  statistics: StatisticsApi;
  /**
   * Walks every page of a list call that takes `offset` and `limit` (`limit`, at most 100, is the
   * page size), yielding the results one by one; see `paginate` in `api/pagination.ts`.
   *
   * @example
   * for await (const session of client.paginate(client.statistics.sessions, { id: domain.id, from: '2024-01-01', to: new Date() })) {
   *   console.log(session.entry_path, session.duration_seconds);
   * }
   */
  paginate<T, F extends PageFilter>(call: (filter: F) => Promise<readonly T[]>, filter: F): AsyncGenerator<T, void, undefined>;
}

/**
 * Builds the API namespaces on top of a requester that handles auth, timeouts and retries.
 * Each call only maps its arguments onto method, path, query and body.
 */
export function createApi(request: ApiRequester): PirschApi {
  return { statistics: createStatisticsApi(request), ...createManagementApi(request), paginate };
}
