import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PirschEmulator } from './emulator.js';
import { createPirschEmulator } from './emulator.js';
import { main } from './emulator-cli.js';

const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36';

/** Runs `main` in-process with captured output and a fake signal source. */
function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  let ready: (emulator: PirschEmulator) => void = () => {};
  const started = new Promise<PirschEmulator>((resolve) => (ready = resolve));
  const exit = main(argv, { out: (line) => out.push(line), err: (line) => err.push(line), signals, onReady: ready });
  return { out, err, signals, started, exit };
}

async function post(emulator: PirschEmulator, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${emulator.accessKey}` },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('pirsch-emulator CLI', () => {
  it('prints the URL and credentials, a line per item and per refusal, and stops cleanly on SIGINT', async () => {
    const cli = run(['--port', '0', '--client-id', 'cli-id', '--client-secret', 'cli-secret', '--access-key', 'pa_cli']);
    const emulator = await cli.started;
    expect(cli.out).toEqual([
      `Pirsch API emulator listening on ${emulator.url}`,
      `  dashboard:     ${emulator.url}/`,
      '  client ID:     cli-id',
      '  client secret: cli-secret',
      '  access key:    pa_cli',
      'Press Ctrl+C to stop.',
    ]);
    const ip = '203.0.113.7';
    expect(await post(emulator, '/api/v1/hit', { url: 'https://example.com/pricing', ip, user_agent: chrome })).toBe(200);
    expect(await post(emulator, '/api/v1/event', { event_name: 'Signup', url: 'https://example.com/', ip, user_agent: 'curl/8.0' })).toBe(200);
    expect(await post(emulator, '/api/v1/session/batch', [{ ip, user_agent: 'unknown thing', time: '2026-03-01T10:00:00Z' }])).toBe(200);
    expect(await post(emulator, '/api/v1/hit', { ip })).toBe(400);
    expect(cli.out.slice(6)).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d {2}hit {6}https:\/\/example\.com\/pricing {2}203\.0\.113\.7 {2}Chrome 91\.0 \/ Windows$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d {2}event {4}"Signup" {2}https:\/\/example\.com\/ {2}203\.0\.113\.7 {2}bot \(curl\/8\.0\)$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d {2}session {2}203\.0\.113\.7 {2}unknown thing$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d {2}refused {2}POST \/api\/v1\/hit {2}400$/),
    ]);

    cli.signals.emit('SIGINT');
    expect(await cli.exit).toBe(0);
    expect(cli.out.at(-1)).toBe('Stopping.');
    expect(cli.signals.listenerCount('SIGINT') + cli.signals.listenerCount('SIGTERM')).toBe(0);
    await expect(post(emulator, '/api/v1/hit', {})).rejects.toThrow();
  });

  it('stops on SIGTERM too', async () => {
    const cli = run(['--port', '0']);
    await cli.started;
    cli.signals.emit('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

  it('prints only the banner with --quiet', async () => {
    const cli = run(['--port', '0', '--quiet']);
    const emulator = await cli.started;
    expect(await post(emulator, '/api/v1/hit', { url: 'https://example.com/', ip: '203.0.113.7', user_agent: chrome })).toBe(200);
    expect(emulator.hits).toHaveLength(1);
    expect(cli.out).toHaveLength(6);
    cli.signals.emit('SIGINT');
    expect(await cli.exit).toBe(0);
  });

  it('serves the dashboard at / by default, and not with --no-dashboard', async () => {
    const cli = run(['--port', '0']);
    const emulator = await cli.started;
    const page = await fetch(`${emulator.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Pirsch emulator dashboard</title>');
    cli.signals.emit('SIGINT');
    expect(await cli.exit).toBe(0);

    const without = run(['--port', '0', '--no-dashboard']);
    const plain = await without.started;
    expect(without.out.join('\n')).not.toContain('dashboard');
    expect((await fetch(`${plain.url}/`)).status).toBe(404);
    without.signals.emit('SIGINT');
    expect(await without.exit).toBe(0);
  });

  it('prints usage and exits 0 for --help', async () => {
    const cli = run(['--help']);
    expect(await cli.exit).toBe(0);
    expect(cli.out.join('\n')).toMatch(/Usage: pirsch-emulator[\s\S]*--client-secret[\s\S]*--no-dashboard[\s\S]*--quiet/);
  });

  it('exits 2 with usage for an unknown option or a bad port', async () => {
    const unknown = run(['--colour']);
    expect(await unknown.exit).toBe(2);
    expect(unknown.err[0]).toMatch(/--colour/);
    const badPort = run(['--port', 'eighty']);
    expect(await badPort.exit).toBe(2);
    expect(badPort.err[0]).toBe('pirsch-emulator: --port must be an integer from 0 to 65535');
  });

  it('rate-limits with --rate-limit n/ms: says so in the banner, answers 429 past it and prints the refusal', async () => {
    const cli = run(['--port', '0', '--rate-limit', '1/60000']);
    const emulator = await cli.started;
    expect(cli.out).toContain('  rate limit:    1 requests per 60000 ms');
    const hit = { url: 'https://example.com/', ip: '203.0.113.7', user_agent: chrome };
    expect([await post(emulator, '/api/v1/hit', hit), await post(emulator, '/api/v1/hit', hit)]).toEqual([200, 429]);
    expect(cli.out.some((line) => line.includes('429'))).toBe(true);
    cli.signals.emit('SIGINT');
    expect(await cli.exit).toBe(0);
  });

  it('exits 2 with usage for a --rate-limit that is not n or n/ms, or is zero', async () => {
    for (const value of ['fast', '10/', '0', '5/0']) {
      const cli = run(['--port', '0', '--rate-limit', value]);
      expect(await cli.exit).toBe(2);
      expect(cli.err[0]).toMatch(/^pirsch-emulator: --rate-limit /);
    }
  });

  it('exits 1 when the port is taken', async () => {
    const taken = await createPirschEmulator();
    try {
      const cli = run(['--port', String(taken.port)]);
      expect(await cli.exit).toBe(1);
      expect(cli.err[0]).toMatch(/already in use/);
    } finally {
      await taken.close();
    }
  });
});
