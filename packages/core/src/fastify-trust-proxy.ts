/**
 * The first Fastify release that ignores a numeric `trustProxy`: from 5.12.1 on, `getTrustProxyFn`
 * in fastify's lib/request.js turns a hop count into "trust nothing" (5.12.0 still honoured it).
 */
const FIRST_WITHOUT_HOP_COUNT = [5, 12, 1] as const;

/**
 * Why a Fastify instance's `trustProxy` cannot give the visitor's IP behind a proxy, or undefined
 * when it can (or nothing is known). Two set-ups are caught:
 *
 * - a hop count (`trustProxy: 1`) on Fastify 5.12.1 or later, which ignores it: `request.ip` is
 *   the proxy's address, so every visitor behind it looks like one (Fastify 4 and 5.0 to 5.12.0
 *   honour it);
 * - a string of digits (`trustProxy: '1'`, typically from an environment variable), which every
 *   Fastify reads as an IP address (`0.0.0.1`), not as a hop count, so it trusts no proxy.
 *
 * For the adapters that run on Fastify (`@pirsch-node/fastify`, and `@pirsch-node/nest` on
 * `FastifyAdapter`), which say so once at startup. `fix` is the set-up to name in the message, in
 * the user's terms. Never throws: Fastify keeps its options under a private symbol
 * (`fastify.options`, the same in Fastify 4 and 5, and not in the public `initialConfig`); if
 * they cannot be read, the answer is undefined.
 *
 * @example
 * ```ts
 * const problem = fastifyTrustProxyProblem(app, "Fastify({ trustProxy: '127.0.0.1' })");
 * if (problem !== undefined) app.log.warn(problem);
 * ```
 */
export function fastifyTrustProxyProblem(fastify: unknown, fix: string): string | undefined {
  try {
    if (fastify === null || typeof fastify !== 'object') return undefined;
    const trustProxy = fastifyOption(fastify, 'trustProxy');
    const version = (fastify as { version?: unknown }).version;
    const advice = `Trust the proxy by its address instead, e.g. ${fix}, or a list of addresses and CIDRs such as ['10.0.0.0/8'].`;
    if (typeof trustProxy === 'number' && trustProxy > 0 && typeof version === 'string' && ignoresHopCount(version)) {
      return (
        `Fastify ${version} ignores trustProxy: ${trustProxy} (hop counts trust no proxy since Fastify 5.12.1), ` +
        `so request.ip is your proxy's address and Pirsch counts every visitor behind it as one. ${advice}`
      );
    }
    const entries = typeof trustProxy === 'string' ? trustProxy.split(',') : Array.isArray(trustProxy) ? trustProxy : [];
    if (entries.length > 0 && entries.every((entry) => typeof entry === 'string' && /^\s*\d+\s*$/.test(entry))) {
      return (
        `Fastify reads trustProxy: ${JSON.stringify(trustProxy)} as IP addresses, not as a hop count, so it trusts no proxy: ` +
        `request.ip is your proxy's address and Pirsch counts every visitor behind it as one. ${advice}`
      );
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** An option the instance was created with, from Fastify's own copy (on the root instance, which encapsulated contexts inherit). */
function fastifyOption(fastify: object, name: string): unknown {
  for (let level: object | null = fastify; level !== null; level = Object.getPrototypeOf(level) as object | null) {
    const key = Object.getOwnPropertySymbols(level).find((symbol) => symbol.description === 'fastify.options');
    if (key === undefined) continue;
    const options: unknown = Reflect.get(level, key);
    return options !== null && typeof options === 'object' ? (options as Record<string, unknown>)[name] : undefined;
  }
  return undefined;
}

/** True for Fastify 5.12.1 and later (pre-releases of a later version included). */
function ignoresHopCount(version: string): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return false;
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])];
  for (let i = 0; i < FIRST_WITHOUT_HOP_COUNT.length; i++) {
    const part = parts[i] ?? 0;
    const first = FIRST_WITHOUT_HOP_COUNT[i] ?? 0;
    if (part !== first) return part > first;
  }
  return true;
}
