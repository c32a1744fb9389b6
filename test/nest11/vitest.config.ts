import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs the @pirsch-node/nest suite on Nest 11: the same test files and sources as on the current
// major, with every `@nestjs/*` import (from the tests and from the sources) resolved to the
// Nest 11 packages installed here. Nest's own packages then load each other natively, so all of
// them are the Nest 11 copies.
const root = fileURLToPath(new URL('../../', import.meta.url));
const here = createRequire(import.meta.url);
const pkg = (name: string) => fileURLToPath(new URL(`../../packages/${name}/src/index.ts`, import.meta.url));
const nest = (name: string) => dirname(here.resolve(`@nestjs/${name}/package.json`));

export default defineConfig({
  root,
  resolve: {
    alias: [
      // Before '@pirsch-node/core', which would match it too.
      { find: '@pirsch-node/core/adapter', replacement: fileURLToPath(new URL('../../packages/core/src/adapter.ts', import.meta.url)) },
      ...['core', 'testing', 'express', 'koa', 'fastify', 'nest'].map((name) => ({ find: `@pirsch-node/${name}`, replacement: pkg(name) })),
      ...['common', 'core', 'testing', 'platform-express', 'platform-fastify'].map((name) => ({
        find: new RegExp(`^@nestjs/${name}(?=/|$)`),
        replacement: nest(name),
      })),
    ],
  },
  test: {
    include: ['packages/nest/src/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The suite checks that the Nest it runs on is this major; the CJS build check installs the
    // built package next to this directory's node_modules.
    env: { PIRSCH_NEST_MAJOR: '11', PIRSCH_NEST_ROOT: fileURLToPath(new URL('./', import.meta.url)) },
  },
});
