#!/usr/bin/env node
// The `pirsch-emulator` command. It is this committed file rather than dist/cli.js itself so that
// the bin exists when a workspace install links it, before the first build (pnpm cannot link a
// bin whose file is missing). Published, dist is always there and this only loads it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('pirsch-emulator: @pirsch-node/testing is not built yet: run `npm run build` at the repository root first.\n');
  process.exitCode = 1;
}
