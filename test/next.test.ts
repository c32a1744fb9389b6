import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// examples/next (Next.js 16, app router, proxy.ts) built with `next build` from the BUILT
// packages, started with `next start` on loopback and pointed at the emulator through
// PIRSCH_ACCESS_KEY and PIRSCH_BASE_URL, as a deployment would be.
const app = fileURLToPath(new URL('../examples/next/', import.meta.url));
const root = fileURLToPath(new URL('../', import.meta.url));
const nextBin = join(app, 'node_modules', 'next', 'dist', 'bin', 'next');
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const NAVIGATION = { 'user-agent': UA, accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };
const ROUTER_FETCH = { 'user-agent': UA, accept: '*/*', 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' };

const env = (extra: Record<string, string>) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PIRSCH_') && !name.startsWith('NEXT_') && name !== 'NODE_ENV')),
  NEXT_TELEMETRY_DISABLED: '1',
  ...extra,
});

/** The newest modification time under `dir` (skipping build output and dependencies). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.next') continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * `next build`, unless the build there is newer than the app and the packages it bundles (the
 * suite runs again on other Node versions in CI: one build serves them all).
 */
async function build(): Promise<string> {
  const buildId = join(app, '.next', 'BUILD_ID');
  const inputs = Math.max(newest(app), newest(join(root, 'packages/next/dist')), newest(join(root, 'packages/core/dist')));
  if (existsSync(buildId) && statSync(buildId).mtimeMs > inputs) return 'reused the build in examples/next/.next';
  const started = performance.now();
  await promisify(execFile)(process.execPath, [nextBin, 'build'], { cwd: app, env: env({}), timeout: 480_000, maxBuffer: 16 * 1024 * 1024 });
  return `next build took ${Math.round((performance.now() - started) / 1000)} s`;
}

let emulator: PirschEmulator;
let server: ChildProcess | undefined;
let output = '';
let base = '';

beforeAll(async () => {
  console.log(`examples/next: ${await build()}`);
  emulator = await createPirschEmulator();
  const child = spawn(process.execPath, [nextBin, 'start', '-p', '0', '-H', '127.0.0.1'], {
    cwd: app,
    env: env({ PIRSCH_ACCESS_KEY: emulator.accessKey, PIRSCH_BASE_URL: emulator.url }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start printed no URL within 60 s: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Local:\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`next start exited (${code}): ${output}`));
    });
  });
}, 600_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server?.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await emulator?.close();
});

/** Polls the emulator until `done` holds (what the app delivers after its responses), at most `timeoutMs`. */
async function arrived(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not arrived within ${timeoutMs} ms: hits ${JSON.stringify(emulator.hits)}, events ${JSON.stringify(emulator.events)}; server: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('examples/next (Next.js 16) built and started', () => {
  it('delivers the page views the proxy sees and the Signup events of the route handler and the server action, and nothing for router fetches, prefetches and assets', async () => {
    const get = (path: string, headers: Record<string, string>) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

    // Not page views: what the router and the browser fetch besides navigations.
    const home = await get('/', ROUTER_FETCH);
    expect(home.status).toBe(200);
    const html = await home.text();
    const chunk = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0];
    expect(chunk).toBeDefined();
    expect((await get(chunk as string, { 'user-agent': UA, accept: '*/*', 'sec-fetch-dest': 'script' })).status).toBe(200);
    // (Next answers an RSC request whose `_rsc` does not match its headers with a 307 to the right one.)
    expect((await get('/about', { ...ROUTER_FETCH, rsc: '1', 'next-router-state-tree': '%5B%22%22%5D' })).status).toBeLessThan(400);
    expect((await get('/about', { ...ROUTER_FETCH, rsc: '1', 'next-router-prefetch': '1' })).status).toBeLessThan(400);
    expect((await get('/about?_rsc=abc12', { ...ROUTER_FETCH, rsc: '1' })).status).toBeLessThan(400);
    expect((await get('/about', { ...NAVIGATION, purpose: 'prefetch' })).status).toBe(200);
    expect((await get('/logo.svg', { 'user-agent': UA, accept: 'image/avif,image/webp,*/*', 'sec-fetch-dest': 'image' })).status).toBe(200);
    expect((await get('/logo.svg', NAVIGATION)).status).toBe(200);

    // Page views: two navigations of a browser.
    expect((await get('/', NAVIGATION)).status).toBe(200);
    expect((await get('/about', NAVIGATION)).status).toBe(200);

    // The route handler's event.
    const api = await fetch(`${base}/api/signup`, { method: 'POST', headers: { 'user-agent': UA, 'content-type': 'application/json' }, body: JSON.stringify({ plan: 'team' }) });
    expect(await api.json()).toEqual({ ok: true });

    // The server action's event: the form posted as a browser without JavaScript does.
    const signupPage = await (await get('/signup', ROUTER_FETCH)).text();
    const actionField = /name="(\$ACTION_ID_[^"]+)"/.exec(signupPage)?.[1];
    expect(actionField).toBeDefined();
    const form = new FormData();
    form.set(actionField as string, '');
    form.set('plan', 'pro');
    const action = await fetch(`${base}/signup`, { method: 'POST', headers: { 'user-agent': UA, origin: base, referer: `${base}/signup`, accept: 'text/html' }, body: form, redirect: 'manual' });
    expect(action.status).toBeLessThan(400);

    // Every request above went through one proxy and its queue: the flushes the page views handed
    // to waitUntil delivered anything queued before them, so what is not here was never queued.
    await arrived(() => emulator.hits.length >= 2 && emulator.events.length >= 2);
    expect(emulator.hits.map((hit) => hit.url)).toEqual([`${base}/`, `${base}/about`]);
    for (const hit of emulator.hits) expect(hit).toMatchObject({ ip: '127.0.0.1', user_agent: UA });
    const events = [...emulator.events].sort((a, b) => String(a.event_meta?.via).localeCompare(String(b.event_meta?.via)));
    expect(events).toMatchObject([
      { event_name: 'Signup', event_meta: { plan: 'team', via: 'route handler' }, url: `${base}/api/signup`, ip: '127.0.0.1', user_agent: UA },
      { event_name: 'Signup', event_meta: { plan: 'pro', via: 'server action' }, url: `${base}/signup`, ip: '127.0.0.1', user_agent: UA },
    ]);
  }, 60_000);
});
