import { randomBytes } from 'node:crypto';

/** The body of a successful `POST /api/v1/token`. */
export interface TokenResponse {
  access_token: string;
  /** RFC 3339, UTC. */
  expires_at: string;
}

/** Access tokens the emulator handed out and when each expires. */
export class TokenRegistry {
  readonly #ttlMs: number;
  /** token -> expiry in ms since the epoch. */
  #live = new Map<string, number>();
  #issued = 0;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** Hands out a new random opaque token valid for the TTL. */
  issue(now = Date.now()): TokenResponse {
    this.#forgetExpired(now);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + this.#ttlMs;
    this.#live.set(token, expiresAt);
    this.#issued += 1;
    return { access_token: token, expires_at: new Date(expiresAt).toISOString() };
  }

  /** True when `token` was issued and has not expired. */
  isLive(token: string, now = Date.now()): boolean {
    const expiresAt = this.#live.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  /** Every token issued so far expires now; later ones are not affected. */
  expireAll(): void {
    this.#live.clear();
  }

  /** Forgets every token and the count. */
  clear(): void {
    this.#live.clear();
    this.#issued = 0;
  }

  /** How many tokens were handed out since start or the last `clear()`. */
  get issued(): number {
    return this.#issued;
  }

  /** Keeps the map as small as the number of live tokens. */
  #forgetExpired(now: number): void {
    for (const [token, expiresAt] of this.#live) {
      if (expiresAt <= now) this.#live.delete(token);
    }
  }
}
