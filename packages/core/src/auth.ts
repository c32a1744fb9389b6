import { PirschApiError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';
import { Transport } from './transport.js';

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

/**
 * Creates the token source for the configured auth. Client credentials are exchanged at
 * `POST /api/v1/token`; concurrent callers share one pending exchange. The secret stays in this
 * closure and is never put on an object, an error or a log line.
 */
export function createTokenSource(auth: ResolvedClientOptions['auth'], transport: Transport): TokenSource {
  if (auth.kind === 'accessKey') {
    const key = auth.accessKey;
    return { isAccessKey: true, token: () => Promise.resolve(key), invalidate: () => {} };
  }
  const { clientId, clientSecret } = auth;
  let cached: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function exchange(): Promise<string> {
    const label = 'POST /api/v1/token';
    const response = Transport.check(
      label,
      await transport.send({ method: 'POST', path: '/api/v1/token', body: { client_id: clientId, client_secret: clientSecret } }),
    );
    const body = response.body as { access_token?: unknown; expires_at?: unknown } | undefined;
    if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
      throw new PirschApiError(response.status, { error: ['the token endpoint answered without an access_token'] }, label);
    }
    const expiresAt = typeof body.expires_at === 'string' ? Date.parse(body.expires_at) : Number.NaN;
    const now = Date.now();
    // Unknown expiry: keep it for 10 minutes. Refresh a minute early, or at 90% of a short life.
    const life = Number.isNaN(expiresAt) ? 10 * 60_000 : Math.max(0, expiresAt - now);
    const refreshAt = now + life - Math.min(EXPIRY_MARGIN_MS, life * 0.1);
    cached = { token: body.access_token, refreshAt };
    return body.access_token;
  }

  return {
    isAccessKey: false,
    token() {
      if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token);
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
