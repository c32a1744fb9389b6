// Runs the shop of shop.ts in the real runtimes: Bun and Deno as child processes serving on a
// free loopback port, workerd through miniflare. Each gets one esbuild bundle of the entry, built
// from the sources (as the vitest aliases do) with the export conditions the runtime uses.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageDir = join(here, '..');
const coreWeb = fileURLToPath(new URL('../../core/src/web.ts', import.meta.url));

/**
 * The runtime binaries the npm packages `bun` and `deno` install (their postinstall puts them
 * there). The executables themselves, not the node_modules/.bin shims: a shim would get the
 * SIGTERM meant for the runtime.
 */
export const RUNTIME_BINARIES = {
  bun: join(packageDir, 'node_modules', 'bun', 'bin', 'bun.exe'),
  deno: join(packageDir, 'node_modules', 'deno', process.platform === 'win32' ? 'deno.exe' : 'deno'),
} as const;

/**
 * Whether the runtime can be run here. Under `CI=true` a missing binary is an error (a runtime
 * test must not pass by not running); elsewhere its tests are skipped.
 */
export function runtimeAvailable(name: keyof typeof RUNTIME_BINARIES): boolean {
  if (existsSync(RUNTIME_BINARIES[name])) return true;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${name} is missing at ${RUNTIME_BINARIES[name]}: run the workspace install (its postinstall fetches the binary)`);
  }
  return false;
}

/** A directory for bundles, removed by `remove()`. Outside the workspace: Deno reads no package.json there. */
export function scratchDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'pirsch-hono-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Bundles `entry` (a file in this folder) into one ES module for a runtime: `conditions` as the
 * runtime resolves package exports (`workerd`, `worker` / `deno` / `bun`), no Node built-in
 * allowed (platform `neutral`: one would fail the build).
 */
export async function bundleFor(entry: string, conditions: string[], outDir: string): Promise<string> {
  const outfile = join(outDir, `${entry.replace(/\.ts$/, '')}-${conditions[0]}.mjs`);
  await build({
    entryPoints: [join(here, entry)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions,
    mainFields: ['module', 'main'],
    alias: { '@pirsch-node/core/web': coreWeb },
    logLevel: 'silent',
  });
  return outfile;
}

/** A runtime serving on loopback as a child process. */
export interface ServingChild {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  process: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code, within `timeoutMs` (else SIGKILL and an error). */
  stop(timeoutMs?: number): Promise<number | null>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

/**
 * Starts `command args` with `env` and waits (at most `timeoutMs`) for it to print
 * `listening on <url>`. The child sees no PIRSCH_* variable of this process.
 */
export async function serveChild(command: string, args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<ServingChild> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PIRSCH_')));
  const child = spawn(command, args, { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const within = <T>(promise: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms; output: ${output}`)), ms);
      promise.then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error instanceof Error ? error : new Error(String(error)))),
      );
    });
  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on('data', check);
    void exited.then((code) => reject(new Error(`${command} exited (${code}) before listening; output: ${output}`)));
    child.once('error', reject);
  });
  try {
    const url = await within(listening, timeoutMs, `${command} did not listen`);
    return {
      url,
      process: child,
      output: () => output,
      kill,
      async stop(stopTimeoutMs = 10_000) {
        child.kill('SIGTERM');
        try {
          return await within(exited, stopTimeoutMs, `${command} did not exit after SIGTERM`);
        } finally {
          kill();
        }
      },
    };
  } catch (error) {
    kill();
    throw error;
  }
}
