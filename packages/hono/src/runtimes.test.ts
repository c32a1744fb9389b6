// The middleware in the real runtimes: Bun, Deno and workerd (miniflare). Each serves the shop of
// test-support/shop.ts; its page views and a Signup event must arrive at the emulator. On Bun and
// Deno (long-running servers) the shop's own SIGTERM shutdown delivers; on workerd nothing but
// the invocation's waitUntil does (the flush timer is set to a minute, the test never flushes).
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFor, RUNTIME_BINARIES, runtimeAvailable, scratchDir, serveChild, type ServingChild } from '../test-support/runtimes.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
// Forged by the visitor: with trustProxy off, the runtime's peer address wins on Node, Bun and Deno.
const FORGED = { 'x-forwarded-for': '203.0.113.66', 'cf-connecting-ip': '203.0.113.77' };

let emulator: PirschEmulator;
const scratch = scratchDir();

beforeAll(async () => {
  emulator = await createPirschEmulator();
});

afterAll(async () => {
  await emulator.close();
  scratch.remove();
});

/** Two page views, a Signup and a 404, as a browser would send them. */
async function visit(fetchIn: (path: string, init: RequestInit) => Promise<{ status: number; text(): Promise<string> }>, headers: Record<string, string>) {
  const answers: string[] = [];
  for (const [method, path] of [
    ['GET', '/'],
    ['GET', '/products/42?color=red'],
    ['POST', '/signup'],
    ['GET', '/missing'],
  ] as const) {
    const response = await fetchIn(path, { method, headers: { 'user-agent': UA, ...headers } });
    answers.push(`${response.status} ${await response.text()}`);
  }
  expect(answers).toEqual(['200 home', '200 product 42', '201 welcome', '404 404 Not Found']);
}

function expectShopDelivered(ip: string): void {
  expect(emulator.hits.map((hit) => new URL(hit.url).pathname + new URL(hit.url).search).sort()).toEqual(['/', '/products/42?color=red']);
  expect(emulator.hits.map((hit) => [hit.ip, hit.user_agent])).toEqual([
    [ip, UA],
    [ip, UA],
  ]);
  expect(emulator.events.map((event) => [event.event_name, event.event_meta, event.ip, new URL(event.url).pathname])).toEqual([
    ['Signup', { plan: 'pro' }, ip, '/signup'],
  ]);
}

describe.each([
  { name: 'bun' as const, entry: 'bun-server.ts', conditions: ['bun', 'import'], args: (file: string) => ['run', file] },
  {
    name: 'deno' as const,
    entry: 'deno-server.ts',
    conditions: ['deno', 'import'],
    args: (file: string) => ['run', '--allow-net=127.0.0.1', '--allow-env', '--no-config', '--no-lock', file],
  },
])('on $name', ({ name, entry, conditions, args }) => {
  const available = runtimeAvailable(name);
  let child: ServingChild | undefined;

  afterAll(() => child?.kill());

  it.skipIf(!available)('tracks page views with the socket peer as IP and the event; a SIGTERM shutdown delivers them', async () => {
    emulator.reset();
    const file = await bundleFor(entry, conditions, scratch.path);
    child = await serveChild(RUNTIME_BINARIES[name], args(file), {
      PIRSCH_ACCESS_KEY: emulator.accessKey,
      PIRSCH_URL: emulator.url,
      PIRSCH_FLUSH_MS: '60000',
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    });
    const base = child.url;
    await visit((path, init) => fetch(base + path, init), FORGED);
    // The runtime passed no ExecutionContext, and the middleware never asked for one (its getter throws).
    expect(await (await fetch(`${base}/reads`, { method: 'POST' })).text()).toBe('0');
    // Queued, not yet sent (the timer is a minute): the shutdown must deliver them.
    expect(emulator.hits).toEqual([]);
    expect(await child.stop()).toBe(0);
    expectShopDelivered('127.0.0.1');
  });
});

describe('on workerd (miniflare)', () => {
  let mf: Miniflare | undefined;

  afterAll(async () => {
    await mf?.dispose();
  });

  it('tracks page views with CF-Connecting-IP and the event; waitUntil delivers after each response', async () => {
    emulator.reset();
    const scriptPath = await bundleFor('worker.ts', ['workerd', 'worker', 'import'], scratch.path);
    mf = new Miniflare({
      modules: true,
      scriptPath,
      modulesRoot: scratch.path,
      cf: false, // no download of a Request.cf object: the test runs offline
      compatibilityDate: '2025-07-01',
      bindings: { PIRSCH_ACCESS_KEY: emulator.accessKey, PIRSCH_URL: emulator.url, PIRSCH_FLUSH_MS: '60000' },
    });
    const worker = mf;
    await visit(
      async (path, init) => {
        const response = await worker.dispatchFetch(`https://shop.example.com${path}`, init as Parameters<Miniflare['dispatchFetch']>[1]);
        return { status: response.status, text: () => response.text() };
      },
      { 'cf-connecting-ip': '198.51.100.4' },
    );
    // Here the middleware asks for the ExecutionContext (its waitUntil) on every request: 4 requests.
    expect(await (await worker.dispatchFetch('https://shop.example.com/reads', { method: 'POST' })).text()).toBe('4');
    // Each invocation ended with its response; only what it handed to waitUntil can deliver now.
    await emulator.waitFor((e) => e.hits.length >= 2 && e.events.length >= 1, 10_000);
    expectShopDelivered('198.51.100.4');
    expect(emulator.hits.map((hit) => new URL(hit.url).host)).toEqual(['shop.example.com', 'shop.example.com']);
  });
});
