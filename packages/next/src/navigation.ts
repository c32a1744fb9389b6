/**
 * Why a request the proxy sees is no page view of a browser, or undefined when it is one:
 * - `prefetch`: the router's prefetch (`Next-Router-Prefetch`, `Next-Router-Segment-Prefetch`);
 *   `Purpose`/`Sec-Purpose: prefetch` is the core's check;
 * - `not-navigation`: an RSC fetch of the router (`RSC: 1`, `_rsc`), a data request of the pages
 *   router (`x-nextjs-data`), or a request that is no document navigation (`Sec-Fetch-Dest`
 *   other than `document`, or without it an `Accept` without `text/html`).
 *
 * Next.js strips its router headers (`RSC`, `Next-Router-Prefetch`) and `_rsc` from the request a
 * proxy gets, unless `skipProxyUrlNormalize` is on; what a browser sends for such a fetch
 * (`Sec-Fetch-Dest: empty`, `Accept: *\/*`) still tells it from a navigation.
 */
export function navigationSkipReason(request: Request): 'prefetch' | 'not-navigation' | undefined {
  const headers = request.headers;
  if (headers.has('next-router-prefetch') || headers.has('next-router-segment-prefetch')) return 'prefetch';
  if (headers.get('rsc') === '1' || headers.has('x-nextjs-data') || hasRscParam(request.url)) return 'not-navigation';
  const dest = headers.get('sec-fetch-dest');
  if (dest !== null) return dest.trim().toLowerCase() === 'document' ? undefined : 'not-navigation';
  const accept = headers.get('accept');
  return accept !== null && accept.toLowerCase().includes('text/html') ? undefined : 'not-navigation';
}

function hasRscParam(url: string): boolean {
  const query = url.indexOf('?');
  if (query === -1) return false;
  return /[?&]_rsc(?:=|&|#|$)/.test(url.slice(query));
}
