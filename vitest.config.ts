import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));
const pkg = (name: string) => ({ find: `@pirsch-node/${name}`, replacement: src(`${name}/src/index.ts`) });

// Tests import the packages by name and run against their sources; test/packaging checks the builds.
export default defineConfig({
  resolve: {
    // Tried in order, and '@pirsch-node/core' would also match its subpaths: the subpaths first.
    alias: [
      { find: '@pirsch-node/core/adapter', replacement: src('core/src/adapter.ts') },
      { find: '@pirsch-node/core/web', replacement: src('core/src/web.ts') },
      pkg('core'),
      pkg('testing'),
      pkg('express'),
      pkg('koa'),
      pkg('fastify'),
      pkg('nest'),
      pkg('web'),
      pkg('hono'),
      pkg('next'),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
