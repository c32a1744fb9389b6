import type { PirschClientOptions } from '@pirsch-node/core/web';
import type { PirschNextOptions } from './types.js';

/** The environment variables `optionsFromEnv` reads. */
export interface PirschEnv {
  PIRSCH_ACCESS_KEY?: string | undefined;
  PIRSCH_CLIENT_ID?: string | undefined;
  PIRSCH_CLIENT_SECRET?: string | undefined;
  PIRSCH_BASE_URL?: string | undefined;
}

/**
 * Client options from the environment: `PIRSCH_ACCESS_KEY`, or `PIRSCH_CLIENT_ID` and
 * `PIRSCH_CLIENT_SECRET`; `PIRSCH_BASE_URL` for another API (a proxy of yours, or the emulator in
 * tests). Without credentials the result has `enabled: false`: `next dev` and CI run without a
 * key, everything is decided and counted, nothing is sent.
 *
 * @example
 * const options = optionsFromEnv(); // { accessKey: 'pa_...' } or { enabled: false }
 */
export function optionsFromEnv(env: PirschEnv = readProcessEnv()): PirschClientOptions {
  const options: PirschClientOptions = {};
  const accessKey = nonEmpty(env.PIRSCH_ACCESS_KEY);
  const clientId = nonEmpty(env.PIRSCH_CLIENT_ID);
  if (accessKey !== undefined) options.accessKey = accessKey;
  else if (clientId !== undefined) {
    options.clientId = clientId;
    const clientSecret = nonEmpty(env.PIRSCH_CLIENT_SECRET);
    if (clientSecret !== undefined) options.clientSecret = clientSecret;
  } else options.enabled = false;
  const baseUrl = nonEmpty(env.PIRSCH_BASE_URL);
  if (baseUrl !== undefined) options.baseUrl = baseUrl;
  return options;
}

/**
 * The options the tracker is created with: the given ones over the environment's. Credentials are
 * taken as a whole: given an `accessKey`, `clientId` or `client`, none are read from the
 * environment (a key from there would clash with a given client id).
 */
export function withEnvDefaults(options: PirschNextOptions | undefined, env?: PirschEnv): PirschNextOptions {
  const given: Record<string, unknown> = { ...(options ?? {}) };
  if (given.client !== undefined && given.client !== null) return given as unknown as PirschNextOptions;
  const fromEnv: Record<string, unknown> = { ...optionsFromEnv(env) };
  if (given.accessKey !== undefined || given.clientId !== undefined || given.clientSecret !== undefined) {
    delete fromEnv.accessKey;
    delete fromEnv.clientId;
    delete fromEnv.clientSecret;
    delete fromEnv.enabled;
  }
  return { ...fromEnv, ...withoutUndefined(given) } as PirschNextOptions;
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) result[key] = value;
  return result;
}

function nonEmpty(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

// Each name is spelled out: Next.js (and other bundlers) replace `process.env.NAME` at build time
// in some runtimes, which a lookup by a computed name would miss.
function readProcessEnv(): PirschEnv {
  if (typeof process === 'undefined' || typeof process.env !== 'object' || process.env === null) return {};
  return {
    PIRSCH_ACCESS_KEY: process.env.PIRSCH_ACCESS_KEY,
    PIRSCH_CLIENT_ID: process.env.PIRSCH_CLIENT_ID,
    PIRSCH_CLIENT_SECRET: process.env.PIRSCH_CLIENT_SECRET,
    PIRSCH_BASE_URL: process.env.PIRSCH_BASE_URL,
  };
}
