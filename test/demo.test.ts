import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The demo of `npm run demo`, run as a user would (a child process on the BUILT packages, which
// the test command builds first), with few visitors and without the latency measurement.
const demo = fileURLToPath(new URL('../examples/demo/demo.mjs', import.meta.url));

function runDemo(args: string[], limitMs = 25_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [demo, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo was still running after ${limitMs} ms: it did not close cleanly\n${stdout}\n${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The numbers of a row of the demo's "What the middleware did" table. */
function row(stdout: string, label: string): { count: number; arrived: string } {
  const line = stdout.split('\n').find((text) => text.includes(`│ ${label}`));
  const cells = line?.split('│').map((cell) => cell.trim());
  if (!cells || cells.length < 4) throw new Error(`no row "${label}" in the demo's output:\n${stdout}`);
  return { count: Number(cells[2]?.replace(/,/g, '')), arrived: cells[3] ?? '' };
}

describe('the demo (npm run demo)', () => {
  it.each(['express', 'koa', 'fastify', 'nest'])('runs %s with 30 visitors: every page view to track arrives, nothing skipped does, exit 0', async (framework) => {
    const { code, stdout, stderr } = await runDemo(['--framework', framework, '--visitors', '30', '--no-latency']);
    expect(stderr).not.toMatch(/Error|\[pirsch\]/);
    expect(code).toBe(0);

    const pages = row(stdout, 'page views to track');
    expect(pages.count).toBeGreaterThan(30);
    expect(pages.arrived).toBe(`${pages.count.toLocaleString('en-US')} hits`);
    const events = row(stdout, 'Signup events');
    expect(events.arrived).toBe(`${events.count} events`);
    for (const reason of ['not a GET', 'a static asset', "matched exclude ('/health')", 'a bot (crawlers, uptime checks)']) {
      const skipped = row(stdout, `skipped: ${reason}`);
      expect(skipped.count).toBeGreaterThan(0);
      expect(skipped.arrived).toBe('none');
    }
    // Read back through client.statistics: the visitors and the page views the emulator counted.
    expect(stdout).toMatch(/Statistics read back with client\.statistics/);
    expect(stdout).toMatch(/✔ Every page view that should be tracked was delivered/);
  }, 30_000);

  it('refuses an unknown framework with exit code 2 and the usage', async () => {
    const { code, stderr } = await runDemo(['--framework', 'hapi']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--framework must be one of express, koa, fastify, nest/);
    expect(stderr).toMatch(/Usage: npm run demo/);
  });
});
