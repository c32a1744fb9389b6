// Child processes of the benchmark, each optionally pinned to one core, talking over IPC.
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** True when `taskset` exists and there are at least two cores to split the work over. */
export const CAN_PIN = process.platform === 'linux' && availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** The core the app under test runs on; the load generator and the API share the other. */
export const APP_CORE = 0;
export const LOAD_CORE = 1;

/** Pins a running process (this one by default) to one core. No-op when pinning is not possible. */
export function pinProcess(core, pid = process.pid) {
  if (CAN_PIN) spawnSync('taskset', ['-pc', String(core), String(pid)], { stdio: 'ignore' });
}

/**
 * Forks a module of this folder with an IPC channel, pinned to `core`. Resolves with the child and
 * its first message once it sends `{ type: 'ready' }`; rejects when it exits first or after 60 s.
 */
export function startChild(file, args, { core, execArgv = [] } = {}) {
  const child = fork(here(file), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  if (core !== undefined) pinProcess(core, child.pid);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${file} did not start within 60 s`));
    }, 60_000);
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with code ${code} before it was ready`));
    };
    child.once('exit', onExit);
    child.once('message', (message) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve({ child, ready: message });
    });
  });
}

/** Sends a child `{ cmd, ...fields }` and resolves with its next message of `type`. */
export function ask(child, cmd, type, fields = {}, timeoutMs = undefined) {
  const answer = nextMessage(child, type, timeoutMs);
  child.send({ cmd, ...fields });
  return answer;
}

/**
 * Asks an app process (app-process.mjs, toggled-app.mjs) to stop: it closes its server and
 * delivers what is left. Resolves with its `stopped` message once it has exited.
 */
export async function stopChild(child, timeoutMs = 60_000) {
  const stopped = await ask(child, 'stop', 'stopped', {}, timeoutMs);
  await exited(child);
  return stopped;
}

/** The commit measured, in backticks, marked when the code a measurement runs (bench/, packages/) had uncommitted changes. */
export function measuredCommit() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: here('..'), encoding: 'utf8' }).trim();
    // Only what runs in the measurement: the bench and the packages.
    const changed = git('status', '--porcelain', '--untracked-files=no', '--', 'bench', 'packages')
      .split('\n')
      .filter((line) => line !== '' && !line.endsWith('-phases.json'));
    return `\`${git('rev-parse', '--short', 'HEAD')}\`${changed.length > 0 ? ` plus uncommitted changes to ${changed.length} files` : ''}`;
  } catch {
    return 'an unknown commit';
  }
}

/** Waits for the next message of `type` from a child (or any message when no type is given). */
export function nextMessage(child, type, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message) => {
      if (type !== undefined && message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`child exited with code ${code} while waiting for "${type}"`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A request/answer channel over IPC: `call(cmd)` resolves with the answer carrying the same id. */
export function ipcCaller(child) {
  let nextId = 0;
  return (cmd) => {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to "${cmd}"`)), 30_000);
      const onMessage = (message) => {
        if (message.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send({ id, cmd });
    });
  };
}

/**
 * The micro-benchmarks (micro.mjs) in their own process pinned to the app's core; it asks this one
 * to reset or count the API. With `only: 'floor'`, only tracker.track() and the floor at the
 * client's default batch size (a tool that sets the floor beside what it measured in an app).
 */
export async function runMicro(api, { only } = {}) {
  const { child } = await startChild('micro.mjs', [api.url, api.accessKey], { core: APP_CORE, execArgv: ['--expose-gc'] });
  const result = nextMessage(child, 'result', 300_000);
  child.on('message', async (message) => {
    if (message.type === 'reset') child.send(await api.call('reset'));
    if (message.type === 'counts') child.send(await api.call('counts'));
  });
  child.send({ cmd: 'start', only });
  const micro = await result;
  await exited(child);
  return micro;
}
