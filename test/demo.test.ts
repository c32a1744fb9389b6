import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The demo of `npm run demo`, run as a user would (a child process on the BUILT packages, which
// the test command builds first), with few visitors and without the latency measurement.
const demo = fileURLToPath(new URL('../examples/demo/demo.mjs', import.meta.url));
// What `npm run demo` runs: installs, builds, then the demo (scripts/run.mjs demo).
const runScript = fileURLToPath(new URL('../scripts/run.mjs', import.meta.url));

function runDemo(args: string[], limitMs = 25_000, script = demo): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The rows of a table of the demo's output, found by its title: each row's cells, trimmed. */
function tableRows(stdout: string, title: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(title));
  if (start < 0) throw new Error(`no table "${title}" in the demo's output:\n${stdout}`);
  const rows: string[][] = [];
  // Title, top border, header, rule; then rows up to the bottom border.
  for (const line of lines.slice(start + 4)) {
    if (line.startsWith('└')) break;
    rows.push(line.split('│').slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

const count = (cell: string | undefined) => Number((cell ?? '').replace(/,/g, ''));

/** The hits and events of the last progress line (on stderr). */
function lastProgress(stderr: string): { hits: number; events: number } {
  const lines = [...stderr.matchAll(/([\d,]+) hits and ([\d,]+) events delivered/g)];
  const last = lines.at(-1);
  if (!last) throw new Error(`no progress line in the demo's stderr:\n${stderr}`);
  return { hits: Number(last[1]?.replace(/,/g, '')), events: Number(last[2]?.replace(/,/g, '')) };
}

describe('the demo (npm run demo)', () => {
  it.each(['express', 'koa', 'fastify', 'nest', 'hono'])('runs %s with 30 visitors: every page view to track arrives, nothing skipped does, the last progress line agrees with the table, exit 0', async (framework) => {
    const { code, stdout, stderr } = await runDemo(['--framework', framework, '--visitors', '30', '--no-latency']);
    expect(stderr).not.toMatch(/Error|\[pirsch\]/);
    expect(code).toBe(0);

    const pages = row(stdout, 'page views to track');
    expect(pages.count).toBeGreaterThan(30);
    expect(pages.arrived).toBe(`${pages.count.toLocaleString('en-US')} hits`);
    const events = row(stdout, 'Signup events');
    expect(events.arrived).toBe(`${events.count} events`);
    // The progress line stops after the queue is flushed: it counts what the table counts.
    expect(lastProgress(stderr)).toEqual({ hits: pages.count, events: events.count });
    for (const reason of ['not a GET', 'a static asset', "matched exclude ('/health')", 'a bot (crawlers, uptime checks)']) {
      const skipped = row(stdout, `skipped: ${reason}`);
      expect(skipped.count).toBeGreaterThan(0);
      expect(skipped.arrived).toBe('none');
    }
    // Read back through client.statistics: the visitors and the page views the emulator counted.
    expect(stdout).toMatch(/Statistics read back with client\.statistics/);

    // The new statistics agree with what was sent and with each other.
    const [totals] = tableRows(stdout, 'Statistics read back with client.statistics');
    const [visitors, views, sessions, sessionsListed] = (totals ?? []).map(count);
    expect(visitors).toBeGreaterThan(0);
    expect(sessionsListed, 'client.paginate over the session list counts every session once').toBe(sessions);
    const [overview] = tableRows(stdout, 'Overview (past 7 days, no filter)');
    expect([count(overview?.[0]), count(overview?.[1]), count(overview?.[3])]).toEqual([visitors, views, 1]);
    // Where every visitor has an address of its own (Linux; not macOS, where all share 127.0.0.1
    // and the demo says so), each has one session, so one channel and one arm of the abtest tag.
    const ownAddresses = !stdout.includes('cannot bind 127.x.y.z addresses');
    const channels = tableRows(stdout, 'Channels');
    expect(channels.map((cells) => cells[0])).toContain('Organic Search');
    if (ownAddresses) expect(channels.reduce((sum, cells) => sum + count(cells[1]), 0)).toBe(visitors);
    // The abtest tag is on every page view: its arms add up to all views (and visitors).
    const arms = tableRows(stdout, 'Tag abtest');
    expect(arms.length).toBeGreaterThan(0);
    for (const cells of arms) expect(['a', 'b']).toContain(cells[0]);
    expect(arms.reduce((sum, cells) => sum + count(cells[2]), 0)).toBe(views);
    if (ownAddresses) expect(arms.reduce((sum, cells) => sum + count(cells[1]), 0)).toBe(visitors);
    // The signup funnel: every visitor starts it, no step has more visitors than the one before,
    // and the last (the Signup event) has the visitors the events table gives for Signup.
    const steps = tableRows(stdout, 'Funnel "Signup"');
    expect(steps.map((cells) => cells[0])).toEqual(['1. Any page', '2. Signup page', '3. Signup event']);
    const reached = steps.map((cells) => count(cells[1]));
    expect(reached[0]).toBe(visitors);
    for (let step = 1; step < reached.length; step++) expect(reached[step]).toBeLessThanOrEqual(reached[step - 1] ?? 0);
    const signup = tableRows(stdout, 'Events').find((cells) => cells[0] === 'Signup');
    expect(reached.at(-1)).toBe(count(signup?.[1]));
    expect(reached.at(-1)).toBeGreaterThan(0);
    expect(stdout).toMatch(/✔ Every page view that should be tracked was delivered/);
  }, 30_000);

  it('refuses an unknown framework with exit code 2 and the usage', async () => {
    const { code, stderr } = await runDemo(['--framework', 'hapi']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--framework must be one of express, koa, fastify, nest, hono/);
    expect(stderr).toMatch(/Usage: npm run demo/);
  });

  // Before anything is installed or built: scripts/run.mjs reads the demo's command line first.
  it('`npm run demo -- --help` answers with the usage before any install or build', async () => {
    const { code, stdout, stderr } = await runDemo(['demo', '--help'], 15_000, runScript);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run demo -- \[options\]/);
    expect(stdout + stderr).not.toMatch(/Building the packages|Lockfile|Already up to date|Progress: resolved/);
  });

  it('`npm run demo -- --bogus` says what is wrong, with the usage and exit code 2, before any install or build', async () => {
    const { code, stdout, stderr } = await runDemo(['demo', '--bogus'], 15_000, runScript);
    expect(code).toBe(2);
    expect(stderr).toMatch(/demo: Unknown option '--bogus'/);
    expect(stderr).toMatch(/Usage: npm run demo/);
    expect(stdout + stderr).not.toMatch(/Building the packages|Lockfile|Already up to date|Progress: resolved/);
  });

  it('reads the command line before the build it was asked for (--build, what `npm run demo` runs)', async () => {
    const { code, stdout, stderr } = await runDemo(['--build', '--concurrency', '0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--concurrency must be a whole number, 1 or more \(got "0"\)/);
    expect(stdout).not.toMatch(/Building the packages/);
  });

  it('--visitors -3 says the number of visitors must be 0 or more', async () => {
    const { code, stderr } = await runDemo(['--visitors', '-3']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/demo: --visitors must be a whole number, 0 or more \(got "-3"\)/);
  });

  it('--visitors 0 without --serve explains that there would be nothing to show', async () => {
    const { code, stdout, stderr } = await runDemo(['--visitors', '0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/demo: --visitors 0 simulates nobody, so there would be nothing to show: add --serve/);
    expect(stdout).toBe('');
  });

  it('--serve on a busy port takes another one and says which, and prints the dashboard URL', async () => {
    // A port that is taken, on the address the shop listens on.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const child = spawn(process.execPath, [demo, '--serve', '--port', String(address.port), '--visitors', '0', '--no-latency'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (stdout.includes('Ctrl+C stops both')) resolve();
        });
        void exited.then(() => reject(new Error(`the demo exited before serving:\n${stdout}\n${stderr}`)));
      });
      const taken = new RegExp(`Port ${address.port} is busy, so the shop took port (\\d+) instead\\.`).exec(stdout);
      expect(taken, stdout).not.toBeNull();
      expect(Number(taken?.[1])).not.toBe(address.port);
      expect(stdout).toContain(`shop                 http://127.0.0.1:${taken?.[1]}`);
      // The emulator's dashboard, at the URL it prints.
      const dashboard = /dashboard {12}(http:\/\/127\.0\.0\.1:\d+\/) /.exec(stdout)?.[1];
      expect(dashboard, stdout).toBeDefined();
      const page = await fetch(dashboard ?? '');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Pirsch emulator dashboard</title>');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
