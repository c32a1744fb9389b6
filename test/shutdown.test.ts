import { fileURLToPath } from 'node:url';
import { createPirschEmulator } from '@pirsch-node/testing';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startExample } from './support/child.js';
import { failOnUnhandledErrors } from './support/guard.js';
import { BROWSER_UA } from './support/load.js';

// Shutdown of the real example apps (BUILT packages; the test command builds first), each in its
// own process: SIGTERM with hits queued delivers all of them before the process exits on its
// own, and when the API hangs the exit is not delayed past the flush timeout the app uses.

failOnUnhandledErrors();

interface Example {
  name: string;
  file: string;
  env: Record<string, string>;
  /** How long the app's shutdown waits for delivery: 5 s where the example passes it, else the core default of 10 s. */
  flushTimeoutMs: number;
}

const example = (dir: string) => fileURLToPath(new URL(`../examples/${dir}/server.js`, import.meta.url));
const EXAMPLES: Example[] = [
  { name: 'Express', file: example('express'), env: {}, flushTimeoutMs: 5000 },
  { name: 'Koa', file: example('koa'), env: {}, flushTimeoutMs: 5000 },
  { name: 'Fastify', file: example('fastify'), env: {}, flushTimeoutMs: 5000 },
  { name: 'Nest (Express)', file: example('nest'), env: { PLATFORM: 'express' }, flushTimeoutMs: 5000 },
  { name: 'Nest (Fastify)', file: example('nest'), env: { PLATFORM: 'fastify' }, flushTimeoutMs: 5000 },
];

/** The pages each example has; every one is a tracked page view. */
const PAGES = ['/', '/products', '/products/1', '/products/2', '/about', '/signup', '/thanks'];
/** Not page views: a static asset, the excluded health check, a 404. */
const UNTRACKED = ['/assets/style.css', '/health', '/products/99'];

async function get(url: string): Promise<number> {
  const response = await request(url, { headers: { 'user-agent': BROWSER_UA, 'accept-language': 'en' } });
  await response.body.text();
  return response.statusCode;
}

async function visit(url: string, rounds: number): Promise<string[]> {
  const tracked: string[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const page of PAGES) {
      const path = `${page}?visit=${round}`;
      expect(await get(`${url}${path}`), path).toBe(200);
      tracked.push(path);
    }
  }
  for (const page of UNTRACKED) await get(`${url}${page}`);
  return tracked;
}

describe.each(EXAMPLES)('$name example on SIGTERM', (ex) => {
  it('delivers every queued page view and event before it exits on its own', async () => {
    const emulator = await createPirschEmulator();
    const { child, url } = await startExample(ex.file, ex.env, emulator);
    try {
      const tracked = await visit(url, 4);
      const signup = await request(`${url}/signup`, {
        method: 'POST',
        headers: { 'user-agent': BROWSER_UA, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=a%40b.example&plan=pro',
      });
      await signup.body.text();
      expect(signup.statusCode).toBe(303);

      // Items wait up to a second for their batch: at least the event, sent just now, is still queued.
      const arrivedBeforeSignal = emulator.hits.length + emulator.events.length;
      expect(arrivedBeforeSignal).toBeLessThan(tracked.length + 1);
      child.process.kill('SIGTERM');
      const { code, signal } = await child.exited;

      const output = `stdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`;
      expect(child.stderr(), output).toBe('');
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      const arrived = emulator.hits.map((hit) => {
        const u = new URL(hit.url);
        return `${u.pathname}${u.search}`;
      });
      expect(arrived.sort()).toEqual([...tracked].sort());
      expect(emulator.events.map((event) => [event.event_name, event.event_meta])).toEqual([['Signup', { plan: 'pro' }]]);
    } finally {
      child.kill();
      await emulator.close();
    }
  });
});

describe.concurrent('when the API hangs, SIGTERM exits within the flush timeout', () => {
  it.each(EXAMPLES)('$name', async (ex) => {
    const emulator = await createPirschEmulator();
    emulator.hangNext(1000);
    const { child, url } = await startExample(ex.file, ex.env, emulator);
    try {
      await visit(url, 1);
      const signalled = performance.now();
      child.process.kill('SIGTERM');
      const { code, signal, at } = await child.exited;
      const shutdownMs = at - signalled;

      const output = `stdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`;
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      // The flush did meet the hanging API, and gave up on time.
      expect(emulator.requests.filter((r) => r.path.startsWith('/api/v1/') && r.status === 0).length).toBeGreaterThan(0);
      expect(emulator.hits).toHaveLength(0);
      expect(shutdownMs, `${ex.name} took ${Math.round(shutdownMs)} ms to exit`).toBeLessThan(ex.flushTimeoutMs + 3000);
      // What was lost is said, on stderr through console.warn, and nothing else is there.
      const lines = child.stderr().split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line, output).toMatch(/^\[pirsch\] /);
      if (process.env.SHUTDOWN_TIMES) console.log(`${ex.name}: exit ${Math.round(shutdownMs)} ms after SIGTERM (flush timeout ${ex.flushTimeoutMs} ms)`);
    } finally {
      child.kill();
      await emulator.close();
    }
  }, 30_000);
});
