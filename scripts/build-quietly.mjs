#!/usr/bin/env node
// Builds the packages (`pnpm build`) for the demo and the benchmarks with one line of output
// instead of tsup's hundred: the build's own output is shown only when it fails.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Run by pnpm (`pnpm demo:run`), which names its own entry point here; else the pinned pnpm through npx.
const pnpmEntry = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : undefined;
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const [command, args] = pnpmEntry
  ? [process.execPath, [pnpmEntry, 'build']]
  : [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['-y', packageManager, 'build']];

const started = performance.now();
process.stdout.write('Building the packages... ');
const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', shell: process.platform === 'win32' && !pnpmEntry, maxBuffer: 64 * 1024 * 1024 });
if (result.error || result.status !== 0) {
  process.stdout.write('failed:\n');
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.error) console.error(result.error.message);
  process.exit(result.status || 1);
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
