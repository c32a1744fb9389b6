#!/usr/bin/env node
// Builds the packages (`pnpm build`) for the demo and the benchmarks with one line of output
// instead of tsup's hundred: the build's own output is shown only when it fails.
import { spawnSync } from 'node:child_process';
import { pnpmCommand, root } from './pnpm.mjs';

// Run by pnpm (`pnpm demo:run`): the same pnpm; else the pinned one through npx.
const [command, pnpmArgs] = pnpmCommand({ fromPnpm: true });

const started = performance.now();
process.stdout.write('Building the packages... ');
const result = spawnSync(command, [...pnpmArgs, 'build'], { cwd: root, encoding: 'utf8', shell: command.endsWith('.cmd'), maxBuffer: 64 * 1024 * 1024 });
if (result.error || result.status !== 0) {
  process.stdout.write('failed:\n');
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  if (result.error) console.error(result.error.message);
  process.exit(result.status || 1);
}
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
