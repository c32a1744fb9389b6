import type { IncomingHttpHeaders } from 'node:http';

/**
 * The request headers a page view is built from and the decision to track it reads, each the
 * first value of its header. Read once per tracked request, by `readPageHeaders`.
 */
export interface PageHeaders {
  host: string | undefined;
  authority: string | undefined;
  userAgent: string | undefined;
  cfConnectingIp: string | undefined;
  xForwardedFor: string | undefined;
  forwarded: string | undefined;
  xRealIp: string | undefined;
  dnt: string | undefined;
  acceptLanguage: string | undefined;
  referer: string | undefined;
  secChUa: string | undefined;
  secChUaMobile: string | undefined;
  secChUaPlatform: string | undefined;
  secChUaPlatformVersion: string | undefined;
  secChWidth: string | undefined;
  secChViewportWidth: string | undefined;
  /** A prefetch, preview or prerender request (`Sec-Purpose`, `Purpose`, `X-Purpose`, `X-Moz`). */
  prefetch: boolean;
}

/**
 * The page headers of a request, in one pass over its header object: a lookup per field costs
 * several times more, because header objects differ in shape from request to request. The
 * decision to track and the hit share the pass (the tracker hands it from one to the other).
 */
export function readPageHeaders(headers: IncomingHttpHeaders): PageHeaders {
  // Every field set here, in this order: one shape for every request.
  const read: PageHeaders = {
    host: undefined,
    authority: undefined,
    userAgent: undefined,
    cfConnectingIp: undefined,
    xForwardedFor: undefined,
    forwarded: undefined,
    xRealIp: undefined,
    dnt: undefined,
    acceptLanguage: undefined,
    referer: undefined,
    secChUa: undefined,
    secChUaMobile: undefined,
    secChUaPlatform: undefined,
    secChUaPlatformVersion: undefined,
    secChWidth: undefined,
    secChViewportWidth: undefined,
    prefetch: false,
  };
  for (const name in headers) {
    switch (name) {
      case 'host': read.host = firstString(headers[name]); break;
      case ':authority': read.authority = firstString(headers[name]); break;
      case 'user-agent': read.userAgent = firstString(headers[name]); break;
      case 'cf-connecting-ip': read.cfConnectingIp = firstString(headers[name]); break;
      case 'x-forwarded-for': read.xForwardedFor = firstString(headers[name]); break;
      case 'forwarded': read.forwarded = firstString(headers[name]); break;
      case 'x-real-ip': read.xRealIp = firstString(headers[name]); break;
      case 'dnt': read.dnt = firstString(headers[name]); break;
      case 'accept-language': read.acceptLanguage = firstString(headers[name]); break;
      case 'referer': read.referer = firstString(headers[name]); break;
      case 'sec-ch-ua': read.secChUa = firstString(headers[name]); break;
      case 'sec-ch-ua-mobile': read.secChUaMobile = firstString(headers[name]); break;
      case 'sec-ch-ua-platform': read.secChUaPlatform = firstString(headers[name]); break;
      case 'sec-ch-ua-platform-version': read.secChUaPlatformVersion = firstString(headers[name]); break;
      case 'sec-ch-width': read.secChWidth = firstString(headers[name]); break;
      case 'sec-ch-viewport-width': read.secChViewportWidth = firstString(headers[name]); break;
      case 'sec-purpose':
      case 'purpose':
      case 'x-purpose':
      case 'x-moz':
        if (isPrefetchPurpose(firstString(headers[name]))) read.prefetch = true;
        break;
    }
  }
  return read;
}

// Node joins repeated headers with ", " (most) or keeps the first (user-agent, referer, host);
// only `set-cookie` is an array. An array (from a framework's own header object) gives its first value.
function firstString(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** `prefetch`, `preview`, `prerender`, also inside a list such as `prefetch;prerender`. */
function isPrefetchPurpose(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const lower = value.toLowerCase();
  return lower.includes('prefetch') || lower.includes('preview') || lower.includes('prerender');
}
