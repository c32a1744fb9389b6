import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChild } from './support/child.js';

// These run the BUILT packages in a child process (the test command builds first).
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function runScript(file: string, env: Record<string, string>, limitMs = 15_000): Promise<{ code: number | null; ms: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`script still running after ${limitMs} ms: something keeps the process alive`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, ms: Date.now() - started, stderr, stdout });
    });
  });
}

let emulator: PirschEmulator;
beforeEach(async () => {
  emulator = await createPirschEmulator();
});
afterEach(() => emulator.close());

describe('process lifecycle', () => {
  it('a script that ends on its own still delivers what it queued', async () => {
    const result = await runScript(fixture('script-ends.mjs'), { PIRSCH_BASE_URL: emulator.url, PIRSCH_ACCESS_KEY: emulator.accessKey, HITS: '120' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(emulator.hits).toHaveLength(120);
    expect(new Set(emulator.hits.map((h) => h.url)).size).toBe(120);
  });

  it('an idle client does not keep the process alive', async () => {
    const result = await runScript(fixture('script-ends.mjs'), { PIRSCH_BASE_URL: emulator.url, PIRSCH_ACCESS_KEY: emulator.accessKey, HITS: '0' });
    expect(result.code).toBe(0);
    expect(emulator.requests).toHaveLength(0);
  });

  it('an awaited API call lives through a Retry-After wait instead of the process exiting under it', async () => {
    emulator.failNext(1, { status: 503, retryAfter: 1, scope: 'api' });
    const result = await runScript(fixture('awaited-call.mjs'), {
      PIRSCH_BASE_URL: emulator.url,
      PIRSCH_CLIENT_ID: emulator.clientId,
      PIRSCH_CLIENT_SECRET: emulator.clientSecret,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('domains: 1');
  });
});

/** The exit drain's bound: how long a finished script waits to deliver (the README's 10 s). */
const DRAIN_BOUND_MS = 10_000;

describe.concurrent('a script that ends while the API hangs exits within the drain bound + 1 s', () => {
  it.each([['5000'], ['30000'], ['default']])('timeoutMs %s', async (timeoutMs) => {
    const hanging = await createPirschEmulator();
    hanging.hangNext(1000);
    const env: Record<string, string> = { PIRSCH_BASE_URL: hanging.url, PIRSCH_ACCESS_KEY: hanging.accessKey, HITS: '120' };
    if (timeoutMs !== 'default') env.TIMEOUT_MS = timeoutMs;
    const child = startChild(fixture('script-ends.mjs'), env);
    try {
      await child.waitFor(/queued/);
      const ended = performance.now();
      const { code, at } = await child.exited;
      const exitMs = at - ended;
      const output = `stdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`;
      expect(code, output).toBe(0);
      expect(hanging.requests.length, output).toBeGreaterThan(0);
      expect(hanging.hits).toHaveLength(0);
      // What was lost is said once, on stderr.
      expect(child.stderr().trim(), output).toMatch(/^\[pirsch\] Pirsch dropped 120 items \(exiting\): the process was exiting/);
      expect(exitMs, `exit ${Math.round(exitMs)} ms after the script ended`).toBeLessThan(DRAIN_BOUND_MS + 1000);
      if (process.env.SHUTDOWN_TIMES) console.log(`timeoutMs ${timeoutMs}: exit ${Math.round(exitMs)} ms after the script ended`);
    } finally {
      child.kill();
      await hanging.close();
    }
  }, 40_000);

  it('a script that goes on after the drain gave up still delivers its new hits', async () => {
    const hanging = await createPirschEmulator();
    hanging.hangNext(1);
    const child = startChild(fixture('script-continues.mjs'), { PIRSCH_BASE_URL: hanging.url, PIRSCH_ACCESS_KEY: hanging.accessKey });
    try {
      const { code } = await child.exited;
      const output = `stdout:\n${child.stdout()}\nstderr:\n${child.stderr()}`;
      expect(code, output).toBe(0);
      expect(child.stdout(), output).toMatch(/reported: Pirsch dropped 1 item \(exiting\)/);
      expect(hanging.hits.map((h) => h.url), output).toEqual(['https://script.example/after-the-drain']);
      expect(child.stdout(), output).toContain('delivered after the drain: true');
    } finally {
      child.kill();
      await hanging.close();
    }
  }, 40_000);
});

describe('process lifecycle, after the drain', () => {
  it('a drain that delivered leaves the client working for what the script does next', async () => {
    const result = await runScript(fixture('script-resumes.mjs'), { PIRSCH_BASE_URL: emulator.url, PIRSCH_ACCESS_KEY: emulator.accessKey });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(emulator.hits.map((h) => new URL(h.url).pathname).sort()).toEqual(['/first/0', '/first/1', '/first/2', '/second/0', '/second/1', '/second/2']);
  });
});
