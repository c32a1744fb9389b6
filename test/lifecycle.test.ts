import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

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
