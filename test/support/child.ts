import { spawn, type ChildProcess } from 'node:child_process';

/** A Node child process whose output is collected as it comes. */
export interface RunningChild {
  readonly process: ChildProcess;
  /** Everything written so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the process has exited (never rejects), with the time of the exit. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGKILL if still running (cleanup). */
  kill(): void;
}

/**
 * Starts `node [execArgv] file` with `env` on top of this process's environment (minus any
 * PIRSCH_* variable, so the child only sees what the test gives it). `command` runs another
 * binary instead of Node (`deno` with `execArgv` `['run', '--allow-net']`, `bun`).
 *
 * @example
 * const child = startChild('examples/express/server.js', { PORT: '0', PIRSCH_BASE_URL: emulator.url });
 * const [, url] = await child.waitFor(/listening on (\S+)/);
 */
export function startChild(file: string, env: Record<string, string>, execArgv: string[] = [], command: string = process.execPath): RunningChild {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PIRSCH_')));
  const child = spawn(command, [...execArgv, file], { env: { ...inherited, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of [...listeners]) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      const at = performance.now();
      for (const listener of [...listeners]) listener();
      resolve({ code, signal, at });
    });
  });
  let running = true;
  void exited.then(() => (running = false));

  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) return done(undefined, match);
          if (!running || child.exitCode !== null) done(new Error(`exited before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`));
        };
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`)), timeoutMs);
        const done = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match as RegExpExecArray);
        };
        listeners.add(check);
        check();
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Starts an example app (`examples/<framework>/server.js`, which uses the BUILT packages) on a free
 * loopback port, sending to `emulator`, with `env` on top; resolves once it listens.
 *
 * @example
 * const { child, url } = await startExample(example('koa'), { TRUST_PROXY: '1' }, emulator);
 */
export async function startExample(
  file: string,
  env: Record<string, string>,
  emulator: { url: string; accessKey: string },
): Promise<{ child: RunningChild; url: string }> {
  const child = startChild(file, { ...env, PORT: '0', HOST: '127.0.0.1', PIRSCH_BASE_URL: emulator.url, PIRSCH_ACCESS_KEY: emulator.accessKey });
  try {
    const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
    return { child, url: url as string };
  } catch (error) {
    child.kill();
    throw error;
  }
}
