/**
 * The host and protocol the visitor used, from the headers Next.js and the proxies in front of it
 * set (`X-Forwarded-Host` or `Host`, `X-Forwarded-Proto`): `next start` gives a proxy and a route
 * handler a `request.url` on its own address (`http://localhost:3000/...`), not the site's.
 */
export function publicOrigin(headers: Headers, fallback: { protocol: string; host: string } | undefined): { protocol: 'http' | 'https'; host: string } | undefined {
  const host = firstEntry(headers.get('x-forwarded-host')) ?? firstEntry(headers.get('host')) ?? fallback?.host;
  if (host === undefined) return undefined;
  const forwarded = firstEntry(headers.get('x-forwarded-proto'))?.toLowerCase();
  const protocol = forwarded === 'https' || (forwarded === undefined && fallback?.protocol === 'https:') ? 'https' : 'http';
  return { protocol, host };
}

/** `request` with its URL on the public origin; the request itself when it already is there. */
export function withPublicUrl(request: Request): Request {
  const url = new URL(request.url);
  const origin = publicOrigin(request.headers, url);
  if (origin === undefined || (url.host === origin.host && url.protocol === `${origin.protocol}:`)) return request;
  return new Request(`${origin.protocol}://${origin.host}${url.pathname}${url.search}`, { method: request.method, headers: request.headers });
}

function firstEntry(value: string | null): string | undefined {
  if (value === null) return undefined;
  const first = value.split(',')[0]?.trim();
  return first === undefined || first === '' ? undefined : first;
}
