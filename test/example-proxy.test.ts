import { fileURLToPath } from 'node:url';
import { createPirschEmulator } from '@pirsch-node/testing';
import { request } from 'undici';
import { expect, it } from 'vitest';
import { startExample } from './support/child.js';
import { BROWSER_UA } from './support/load.js';
import { startForwardingProxy } from './support/proxy.js';

// The Koa example (BUILT packages; the test command builds first) with TRUST_PROXY=1 behind a real
// proxy hop: the visitor a forged X-Forwarded-For names is not the one tracked. (The adapters'
// suites test every framework's set-up; this is the one proxy set-up an example runs.)

const VISITOR = '198.51.100.7';
const FORGED = '203.0.113.66';

it.each([
  ['TRUST_PROXY=1: the visitor the proxy saw', { TRUST_PROXY: '1' }, VISITOR],
  ['no TRUST_PROXY: the proxy', {}, '127.0.0.1'],
])('the Koa example behind a proxy hop with a forged X-Forwarded-For tracks %s', async (_name, env, ip) => {
  const emulator = await createPirschEmulator();
  const { child, url } = await startExample(fileURLToPath(new URL('../examples/koa/server.js', import.meta.url)), env, emulator);
  try {
    const proxy = await startForwardingProxy(url, VISITOR);
    try {
      const response = await request(`${proxy.url}/about`, { headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': FORGED } });
      await response.body.text();
      expect(response.statusCode).toBe(200);
    } finally {
      await proxy.close();
    }
    await emulator.waitFor((e) => e.hits.length === 1);
    expect(emulator.hits[0]).toMatchObject({ ip, x_forwarded_for: `${FORGED}, ${VISITOR}` });
  } finally {
    child.kill();
    await emulator.close();
  }
});
