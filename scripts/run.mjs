#!/usr/bin/env node
// Bootstraps pnpm (pinned in package.json's packageManager) without corepack or a global
// install, installs the workspace, then runs the named root script with it.
// Usage: node scripts/run.mjs <test|demo|bench> [args...]
import { spawnSync } from 'node:child_process';
import { pnpmCommand, root } from './pnpm.mjs';

const [pnpm, pnpmArgs] = pnpmCommand();

function run(args) {
  const result = spawnSync(pnpm, [...pnpmArgs, ...args], { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const [task = 'test', ...rest] = process.argv.slice(2);
const scripts = { test: 'test:all', demo: 'demo:run', bench: 'bench:run' };
const script = scripts[task];
if (!script) {
  console.error(`unknown task "${task}"; expected one of ${Object.keys(scripts).join(', ')}`);
  process.exit(2);
}
run(['install', '--prefer-offline', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
run(['run', script, ...rest]);
