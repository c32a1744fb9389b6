import { Pool } from 'undici';

/** A browser-like user agent, so requests are tracked. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** What `drive` saw: every status in request order, and each request's latency in ms. */
export interface LoadResult {
  statuses: number[];
  latenciesMs: number[];
  elapsedMs: number;
}

/**
 * Sends `count` GET requests to `baseUrl`, `concurrency` at a time over keep-alive connections;
 * request `i` goes to `pathOf(i)`. Reads every body. Resolves when all were answered.
 *
 * @example
 * const { statuses } = await drive(app.url, 1000, 20, (i) => `/page/${i}`);
 */
export async function drive(baseUrl: string, count: number, concurrency: number, pathOf: (i: number) => string): Promise<LoadResult> {
  const pool = new Pool(baseUrl, { connections: concurrency, pipelining: 1 });
  const statuses = new Array<number>(count);
  const latenciesMs = new Array<number>(count);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const response = await pool.request({ method: 'GET', path: pathOf(i), headers: { 'user-agent': BROWSER_UA, 'accept-language': 'en' } });
      await response.body.text();
      latenciesMs[i] = performance.now() - t0;
      statuses[i] = response.statusCode;
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  return { statuses, latenciesMs, elapsedMs: performance.now() - started };
}

/** A small seeded PRNG (mulberry32), so a shuffled fault plan is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates with the given random source. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
