#!/usr/bin/env node
// Builds the packages (the root `build:packages` script) for the tests, the demo and the
// benchmarks with one line of output instead of tsup's hundred: the build's own output is shown
// only when it fails. `node scripts/build-quietly.mjs`, or `buildQuietly()` from a script.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pnpmCommand, root } from './pnpm.mjs';

/**
 * Builds every package; prints one line on success, the build's whole output on failure.
 * Returns the exit status (0 when it built).
 */
export function buildQuietly() {
  // Run by pnpm (`pnpm demo:run`): the same pnpm; else the pinned one through npx.
  const [command, pnpmArgs] = pnpmCommand({ fromPnpm: true });
  const started = performance.now();
  process.stdout.write('Building the packages... ');
  const result = spawnSync(command, [...pnpmArgs, 'run', 'build:packages'], {
    cwd: root,
    encoding: 'utf8',
    shell: command.endsWith('.cmd'),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    process.stdout.write('failed:\n');
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    if (result.error) console.error(result.error.message);
    return result.status || 1;
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = buildQuietly();
}
