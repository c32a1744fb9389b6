import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_UA } from './support/load.js';
import { bundleWorker, runtimeBinary, startRuntimeServer, startWorker, type RunningWorker, type RuntimeServer, type ScriptRuntime } from './support/runtimes.js';

// @pirsch-node/web (BUILT, as installed) in the runtimes themselves: workerd through Miniflare,
// Bun and Deno, each serving test/fixtures/web (two pages, an asset, a POST that sends an event)
// and delivering to the emulator on loopback. The fixtures flush only every 60 s, so what arrives
// was delivered by the end of the invocation: Workers' ctx.waitUntil, or the SIGTERM shutdown.

const root = fileURLToPath(new URL('..', import.meta.url));
const webPackage = join(root, 'packages', 'web');
const fixtures = join(root, 'test', 'fixtures', 'web');
const browser = { 'user-agent': BROWSER_UA, 'accept-language': 'en' };

let emulator: PirschEmulator;

beforeAll(async () => {
  emulator = await createPirschEmulator();
});
afterEach(() => {
  emulator.reset();
});
afterAll(async () => {
  await emulator.close();
});

describe('workerd (Miniflare 3): a Worker wrapped with withPirsch, options from env', () => {
  let script: string;
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    script = await bundleWorker(join(fixtures, 'worker.js'), webPackage);
  }, 60_000);
  afterEach(async () => {
    while (workers.length > 0) await workers.pop()?.dispose();
  }, 30_000);

  async function worker(): Promise<RunningWorker> {
    const started = await startWorker(script, { PIRSCH_ACCESS_KEY: emulator.accessKey, PIRSCH_BASE_URL: emulator.url }, webPackage);
    workers.push(started);
    return started;
  }

  it('the bundle loads no node: built-in', () => {
    expect(script).not.toMatch(/from\s*["']node:|require\(["']node:/);
  });

  it('page views and an event arrive with the URL, CF-Connecting-IP and the user agent; the asset is skipped', { timeout: 60_000 }, async () => {
    const app = await worker();
    const headers = { ...browser, 'cf-connecting-ip': '203.0.113.50', 'x-forwarded-for': '198.51.100.99' };
    expect((await app.fetch('/', { headers })).status).toBe(200);
    expect((await app.fetch('/pricing', { headers })).status).toBe(200);
    expect((await app.fetch('/app.css', { headers })).status).toBe(200);
    expect((await app.fetch('/signup', { method: 'POST', headers })).status).toBe(201);
    await emulator.waitFor((e) => e.hits.length >= 2 && e.events.length >= 1, 10_000);
    expect(emulator.hits.map((hit) => [hit.url, hit.ip, hit.user_agent])).toEqual([
      ['https://shop.example/', '203.0.113.50', BROWSER_UA],
      ['https://shop.example/pricing', '203.0.113.50', BROWSER_UA],
    ]);
    expect(emulator.events.map((event) => [event.event_name, event.url, event.ip, event.user_agent, event.event_meta])).toEqual([
      ['Signup', 'https://shop.example/signup', '203.0.113.50', BROWSER_UA, { plan: 'pro' }],
    ]);
  });

  it('the end of an invocation loses nothing: one request, no flush, no later request, and its hit arrives through ctx.waitUntil', { timeout: 60_000 }, async () => {
    const app = await worker();
    expect((await app.fetch('/pricing', { headers: { ...browser, 'cf-connecting-ip': '203.0.113.51' } })).status).toBe(200);
    await emulator.waitFor((e) => e.hits.length >= 1, 10_000);
    expect(emulator.hits.map((hit) => [hit.url, hit.ip])).toEqual([['https://shop.example/pricing', '203.0.113.51']]);
  });

  it('more invocations at once than the client has connections lose nothing, and later ones still deliver', { timeout: 60_000 }, async () => {
    // A shared queue started one invocation's batch from another's continuation; workerd ended it
    // with that invocation, its fetch never settled, and four of them stuck every slot for good.
    const app = await worker();
    const paths = Array.from({ length: 12 }, (_, i) => `/p${i}`);
    const answers = await Promise.all(paths.map((path) => app.fetch(path, { headers: { ...browser, 'cf-connecting-ip': '203.0.113.52' } })));
    expect(answers.map((answer) => answer.status)).toEqual(paths.map(() => 200));
    for (const path of ['/later0', '/later1', '/later2']) {
      expect((await app.fetch(path, { headers: { ...browser, 'cf-connecting-ip': '203.0.113.53' } })).status).toBe(200);
    }
    await emulator.waitFor((e) => e.hits.length >= 15, 10_000);
    expect(emulator.hits.map((hit) => new URL(hit.url).pathname).sort()).toEqual([...paths, '/later0', '/later1', '/later2'].sort());
  });
});

/** Bun and Deno: the same app with Bun.serve / Deno.serve, stopped by SIGTERM right after its last response. */
function describeServer(runtime: ScriptRuntime, script: string): void {
  const binary = runtimeBinary(runtime, webPackage);
  describe.skipIf(binary === undefined)(`${runtime}: ${script} wrapped with withPirsch`, () => {
    let server: RuntimeServer | undefined;
    afterEach(() => {
      server?.child.kill();
      server = undefined;
    });

    it('page views and an event arrive (URL, the peer IP from the runtime, user agent); SIGTERM right after the last response loses nothing', { timeout: 60_000 }, async () => {
      server = await startRuntimeServer(runtime, binary as string, join(fixtures, script), { PIRSCH_ACCESS_KEY: emulator.accessKey, PIRSCH_BASE_URL: emulator.url });
      const { url } = server;
      // A forged X-Forwarded-For is not the IP: trustProxy is off, the runtime's peer address counts.
      const headers = { ...browser, 'x-forwarded-for': '198.51.100.99' };
      expect((await fetch(`${url}/`, { headers })).status).toBe(200);
      expect((await fetch(`${url}/pricing`, { headers })).status).toBe(200);
      expect((await fetch(`${url}/app.css`, { headers })).status).toBe(200);
      const signup = await fetch(`${url}/signup`, { method: 'POST', headers });
      expect(signup.status).toBe(201);
      await signup.text();
      // With a 60 s flush interval nothing has gone yet: what arrives below, the shutdown delivered.
      expect(emulator.requests.filter((request) => request.path !== '/api/v1/token')).toEqual([]);
      const exit = await server.stop('SIGTERM');
      expect(exit, server.child.stderr()).toEqual({ code: 0, signal: null });
      expect(server.child.stdout()).toMatch(/stopped: tracked 2, skipped 1 asset/);
      expect(emulator.hits.map((hit) => [hit.url, hit.ip, hit.user_agent])).toEqual([
        [`${url}/`, '127.0.0.1', BROWSER_UA],
        [`${url}/pricing`, '127.0.0.1', BROWSER_UA],
      ]);
      expect(emulator.events.map((event) => [event.event_name, event.url, event.ip, event.event_meta])).toEqual([['Signup', `${url}/signup`, '127.0.0.1', { plan: 'pro' }]]);
    });
  });
}

describeServer('bun', 'bun.js');
describeServer('deno', 'deno.js');
