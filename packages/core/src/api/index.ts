import type { ApiRequester } from '../types.js';

/** The read and management half of the client (statistics, domains, ...). Filled in by the API issue. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PirschApi {}

/** Builds the API namespaces on top of a requester that handles auth, timeouts and retries. */
export function createApi(_request: ApiRequester): PirschApi {
  return {};
}
