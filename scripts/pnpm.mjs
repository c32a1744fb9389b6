// How the scripts reach the pnpm pinned in package.json's packageManager, with no corepack and no
// global install: through npx, or, when pnpm itself runs the script, through pnpm's own entry point.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The command and leading arguments that run pnpm, e.g. `['npx', ['-y', 'pnpm@10.34.8']]`.
 * `fromPnpm`: use the pnpm running this script (its `npm_execpath`) when there is one.
 */
export function pnpmCommand({ fromPnpm = false } = {}) {
  const entry = process.env.npm_execpath;
  if (fromPnpm && entry?.includes('pnpm')) return [process.execPath, [entry]];
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['-y', packageManager]];
}
