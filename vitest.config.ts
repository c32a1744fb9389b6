import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests import the packages by name and run against their sources; test/packaging checks the builds.
export default defineConfig({
  resolve: {
    alias: {
      '@pirsch-node/core': pkg('core'),
      '@pirsch-node/testing': pkg('testing'),
      '@pirsch-node/express': pkg('express'),
      '@pirsch-node/koa': pkg('koa'),
      '@pirsch-node/fastify': pkg('fastify'),
      '@pirsch-node/nest': pkg('nest'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
