import { PirschApiError } from './errors.js';
import type { ClientAuth } from './options.js';
import { checkResponse, type Transport } from './transport.js';

/** Gives the bearer token for a request; shared by delivery and the API calls of one client. */
export interface TokenSource {
  /** True for access keys: they are the token, write-only, and never refreshed. */
  readonly isAccessKey: boolean;
  /** The current token; fetches a new one when none is cached or it is about to expire. */
  token(): Promise<string>;
  /** Forget `token` after a 401, so the next `token()` fetches a fresh one (once for all callers). */
  invalidate(token: string): void;
}

/** Refresh this long before `expires_at`, so no request goes out with a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
/** How long a token is kept when the server's answer does not say (or says nonsense). */
const UNKNOWN_LIFETIME_MS = 10 * 60_000;

/**
 * The server's clock when it answered, as its `Date` header tells it (whole seconds): the local
 * clock where the two agree within that second, else the end of the second, which never makes a
 * token look longer-lived than it is. Undefined without a readable header.
 */
export function serverNow(dateHeader: string | string[] | undefined, localNow: number): number | undefined {
  const date = Date.parse(Array.isArray(dateHeader) ? (dateHeader[0] ?? '') : (dateHeader ?? ''));
  if (Number.isNaN(date)) return undefined;
  return localNow >= date && localNow < date + 1000 ? localNow : date + 1000;
}

/**
 * How long a token just issued lives, from what the server said: `expires_at` minus the server's
 * now (its `Date` header), so a local clock hours ahead or behind changes nothing. Without a
 * `Date` header the local clock stands in. A token the server has just issued cannot have expired
 * already: a lifetime of 0 or less means a clock is wrong, and the token is kept for 10 minutes
 * (a 401 renews it sooner). An unreadable `expires_at` also gives 10 minutes.
 */
export function tokenLifetime(expiresAt: unknown, dateHeader: string | string[] | undefined, localNow: number): number {
  const expiry = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  if (Number.isNaN(expiry)) return UNKNOWN_LIFETIME_MS;
  const life = expiry - (serverNow(dateHeader, localNow) ?? localNow);
  return life > 0 ? life : UNKNOWN_LIFETIME_MS;
}

/**
 * Creates the token source for the configured auth. Client credentials are exchanged at
 * `POST /api/v1/token`; concurrent callers share one pending exchange. The secret stays in this
 * closure and is never put on an object, an error or a log line.
 *
 * A token's lifetime comes from the server's answer (see `tokenLifetime`) and its refresh
 * deadline is kept on the monotonic clock (`performance.now()`), so neither a wrong local clock
 * nor a jump of it (NTP stepping it, someone setting the date) costs a token per request. Time the
 * monotonic clock does not count (a suspended machine) ends in a 401, which renews the token.
 */
export function createTokenSource(auth: ClientAuth, transport: Transport): TokenSource {
  if (auth.kind === 'accessKey') {
    const key = auth.accessKey;
    return { isAccessKey: true, token: () => Promise.resolve(key), invalidate: () => {} };
  }
  const { clientId, clientSecret } = auth;
  /** `refreshAt` is on the `performance.now()` clock. */
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function exchange(): Promise<string> {
    const label = 'POST /api/v1/token';
    // The lifetime counts from the request, not the answer: the server's now lies in between.
    const sentAt = performance.now();
    const response = checkResponse(
      label,
      await transport.send({ method: 'POST', path: '/api/v1/token', body: { client_id: clientId, client_secret: clientSecret } }),
    );
    const body = response.body as { access_token?: unknown; expires_at?: unknown } | undefined;
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new PirschApiError(response.status, { error: ['the token endpoint answered without an access_token'] }, label);
    }
    const life = tokenLifetime(body.expires_at, response.headers.date, Date.now());
    // Refresh a minute early, or at 90% of a short life.
    cached = { token: body.access_token, refreshAt: sentAt + life - Math.min(EXPIRY_MARGIN_MS, life * 0.1) };
    return body.access_token;
  }

  return {
    isAccessKey: false,
    token() {
      if (cached && performance.now() < cached.refreshAt) return Promise.resolve(cached.token);
      pending ??= exchange().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined;
    },
  };
}
