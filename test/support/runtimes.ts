import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild, type RunningChild } from './child.js';

// The runtimes beyond Node, as installed by a package's devDependencies (the `bun`, `deno`,
// `miniflare` and `esbuild` npm packages): a script served by Bun or Deno on a free loopback port,
// or a worker bundled for workerd and run in Miniflare. Tests point the script at the emulator.
// `packageDir` is the package whose devDependencies hold the runtimes (e.g. packages/web): pnpm
// links them there only, so they are resolved from it.

/** A runtime that runs a script as a child process. */
export type ScriptRuntime = 'bun' | 'deno';

/** Resolves `name` (a module or `name/package.json`) from `packageDir`'s dependencies. */
function resolveFrom(packageDir: string, name: string): string {
  return createRequire(join(packageDir, 'package.json')).resolve(name);
}

/**
 * The runtime's own binary (not the npm `.bin` shim, which would stand between a signal and the
 * runtime), or undefined when the package is not installed. Under `CI=true` a missing runtime
 * throws: the runtime tests must not silently skip there.
 *
 * @example
 * const deno = runtimeBinary('deno', webPackageDir);
 * describe.skipIf(deno === undefined)('on Deno', () => { ... });
 */
export function runtimeBinary(runtime: ScriptRuntime, packageDir: string): string | undefined {
  let binary: string | undefined;
  try {
    const dir = dirname(resolveFrom(packageDir, `${runtime}/package.json`));
    // bun: its postinstall puts the binary at bin/bun.exe (on every OS); deno: its postinstall puts it beside bin.cjs.
    const candidate = runtime === 'bun' ? join(dir, 'bin', 'bun.exe') : join(dir, process.platform === 'win32' ? 'deno.exe' : 'deno');
    if (existsSync(candidate)) binary = candidate;
  } catch {
    binary = undefined;
  }
  if (binary === undefined && process.env['CI'] === 'true') {
    throw new Error(`${runtime} is not installed in ${packageDir} (its devDependency "${runtime}", with its install script allowed in pnpm-workspace.yaml): the runtime tests must run in CI`);
  }
  return binary;
}

/** A Bun or Deno server started by `startRuntimeServer`. */
export interface RuntimeServer {
  /** Its base URL, e.g. `http://127.0.0.1:41234`, as the script printed it. */
  readonly url: string;
  readonly child: RunningChild;
  /**
   * Sends `signal` (default SIGTERM, which the scripts handle by shutting down) and resolves with
   * how the process exited; SIGKILLs it after `timeoutMs` and rejects then.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `script` with Bun (`bun script`) or Deno (`deno run --allow-net --allow-env --allow-read
 * script`, with no network use of its own: a `deno.json` beside the script should say
 * `"nodeModulesDir": "manual"`, so npm packages come from the workspace's node_modules), `env` on
 * top of this process's (minus PIRSCH_*), and resolves once it prints `listening on <url>`.
 *
 * @example
 * const server = await startRuntimeServer('deno', deno, 'test/fixtures/web/deno.js', { PIRSCH_BASE_URL: emulator.url });
 * await fetch(`${server.url}/`);
 * await server.stop();
 */
export async function startRuntimeServer(runtime: ScriptRuntime, binary: string, script: string, env: Record<string, string>): Promise<RuntimeServer> {
  const args = runtime === 'deno' ? ['run', '--allow-net', '--allow-env', '--allow-read', '--no-prompt'] : [];
  const child = startChild(script, { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1', ...env }, args, binary);
  let url: string;
  try {
    [, url = ''] = await child.waitFor(/listening on (http:\/\/\S+)/, 30_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    url,
    child,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill();
          reject(new Error(`${runtime} did not exit within ${timeoutMs} ms of ${signal}; stdout: ${child.stdout()}; stderr: ${child.stderr()}`));
        }, timeoutMs);
      });
      try {
        const { code, signal: exitSignal } = await Promise.race([child.exited, deadline]);
        return { code, signal: exitSignal };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What the tests use of Miniflare 3 (declared here: miniflare is a devDependency of the packages, not of test/). */
interface MiniflareInstance {
  ready: Promise<URL>;
  dispatchFetch(input: string, init?: { method?: string; headers?: Record<string, string>; body?: string; redirect?: 'manual' }): Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;
  dispose(): Promise<void>;
}
type MiniflareConstructor = new (options: {
  modules: boolean;
  script: string;
  scriptPath?: string;
  compatibilityDate: string;
  bindings?: Record<string, string>;
}) => MiniflareInstance;

/** A worker running in workerd through Miniflare. */
export interface RunningWorker {
  /** Dispatches a request to the worker's `fetch` (a path on `https://shop.example`, or a full URL). */
  fetch(path: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;
  /** Stops workerd (what a request handed to `waitUntil` and has not finished is lost then). */
  dispose(): Promise<void>;
}

/**
 * Bundles `entry` for workerd with esbuild as wrangler does (`--bundle --format=esm
 * --conditions=workerd,worker`, browser platform: no Node built-in gets in) and returns the code.
 * Packages come from node_modules (their builds), not through the repository's tsconfig paths.
 */
export async function bundleWorker(entry: string, packageDir: string): Promise<string> {
  const esbuild = (await import(pathToFileURL(resolveFrom(packageDir, 'esbuild')).href)) as {
    build(options: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }>;
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker'],
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // The repository's tsconfig maps package names to their sources: a worker is built from the built packages, as a user's is.
    tsconfigRaw: '{}',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  return output.text;
}

/**
 * Runs `script` (an ES module worker, e.g. from `bundleWorker`) in workerd through Miniflare 3
 * with `bindings` as its `env`, and resolves once it is ready.
 *
 * @example
 * const worker = await startWorker(await bundleWorker('test/fixtures/web/worker.js', dir), { PIRSCH_BASE_URL: emulator.url }, dir);
 * await worker.fetch('/', { headers: { 'user-agent': BROWSER_UA } });
 * await worker.dispose();
 */
export async function startWorker(script: string, bindings: Record<string, string>, packageDir: string): Promise<RunningWorker> {
  const loaded = (await import(pathToFileURL(resolveFrom(packageDir, 'miniflare')).href)) as { Miniflare?: MiniflareConstructor; default?: { Miniflare: MiniflareConstructor } };
  const Miniflare = loaded.Miniflare ?? loaded.default?.Miniflare;
  if (Miniflare === undefined) throw new Error('miniflare exports no Miniflare class');
  const miniflare = new Miniflare({ modules: true, script, compatibilityDate: '2025-07-01', bindings });
  await miniflare.ready;
  return {
    fetch: (path, init = {}) => miniflare.dispatchFetch(path.startsWith('http') ? path : `https://shop.example${path}`, { ...init, redirect: 'manual' }),
    dispose: () => miniflare.dispose(),
  };
}
