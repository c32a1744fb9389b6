import { PirschConfigError, PirschError } from '../errors.js';

/** What a paginated call's filter has: where a page starts and how long it is. */
export interface PageFilter {
  offset?: number;
  limit?: number;
}

/** The API's largest page (`limit` is capped at 100). */
export const MAX_PAGE_SIZE = 100;

/**
 * Walks every page of a list endpoint that takes `offset` and `limit`, yielding the results one by
 * one: `limit` (default 100, the API's largest) is the page size, `offset` (default 0) where to
 * start. It asks for the next page only when the loop wants more, and stops at the first page
 * shorter than `limit`. A page that repeats the one before in full means the server ignores
 * `offset`; that rejects with a `PirschError` instead of looping forever.
 *
 * @example
 * for await (const page of client.paginate(client.statistics.pages, { id: domain.id, from: '2024-01-01', to: new Date() })) {
 *   console.log(page.path, page.visitors);
 * }
 */
export async function* paginate<T, F extends PageFilter>(call: (filter: F) => Promise<readonly T[]>, filter: F): AsyncGenerator<T, void, undefined> {
  if (typeof call !== 'function') throw new PirschConfigError('call', 'must be a list call of the client, e.g. client.statistics.pages');
  const limit = filter?.limit ?? MAX_PAGE_SIZE;
  let offset = filter?.offset ?? 0;
  let previous: string | undefined;
  for (;;) {
    const page = await call({ ...filter, offset, limit });
    if (!Array.isArray(page)) throw new PirschError(`paginate: the call answered offset ${offset} with ${typeof page}, not a list`);
    if (page.length === 0) return;
    const seen = page.length === limit ? JSON.stringify(page) : undefined;
    if (seen !== undefined && seen === previous) {
      throw new PirschError(`paginate: the page at offset ${offset} repeats the page before it; the server ignores offset, so the walk stops here`);
    }
    previous = seen;
    yield* page;
    if (page.length < limit) return;
    offset += page.length;
  }
}
