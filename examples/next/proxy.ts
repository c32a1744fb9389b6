import { pirsch } from './lib/pirsch';

// Next.js 16: `proxy.ts` (Next 15: `middleware.ts` with `export const middleware = pirsch.middleware`).
// Every page view the proxy sees is tracked; delivery goes to `event.waitUntil`, after the response.
export const proxy = pirsch.proxy;

export const config = {
  // Not for API routes, Next's own files, images and the well-known files at the root.
  matcher: ['/((?!api|_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)'],
};
