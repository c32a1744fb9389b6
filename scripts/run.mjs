#!/usr/bin/env node
// Bootstraps pnpm (pinned in package.json's packageManager) without corepack or a global
// install, installs the workspace, then runs the named root script with it.
// Usage: node scripts/run.mjs <test|demo|bench|build> [args...]
import { spawnSync } from 'node:child_process';
import { pnpmCommand, root } from './pnpm.mjs';

const [pnpm, pnpmArgs] = pnpmCommand();

function run(args) {
  const result = spawnSync(pnpm, [...pnpmArgs, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const tasks = {
  test: { script: 'test:all' },
  // The demo answers --help and a mistyped option at once, not after the install and the build.
  demo: { script: 'demo:run', checkArguments: async (args) => (await import('../examples/demo/options.mjs')).answerCommandLine(args) },
  bench: { script: 'bench:run' },
  build: { script: 'build:packages' },
};

const [name = 'test', ...rest] = process.argv.slice(2);
const task = tasks[name];
if (!task) {
  console.error(`unknown task "${name}"; expected one of ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
const exitCode = await task.checkArguments?.(rest);
if (exitCode !== undefined) process.exit(exitCode);
run(['install', '--prefer-offline', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
run(['run', task.script, ...rest]);
