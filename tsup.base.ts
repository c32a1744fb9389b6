import { defineConfig } from 'tsup';

/**
 * The one build every package shares: ESM (.js) and CJS (.cjs) side by side, each with its own
 * declarations (.d.ts / .d.cts), so `import` and `require()` both get types. Dependencies named
 * in `bundle` (ESM-only ones such as p-queue) are bundled, so `require()` works on them.
 * With several entries that share code (`splitting`), the shared modules go to one chunk both
 * entries load, so a class or symbol is one value whichever entry it is imported from.
 */
export function packageBuild(options: { entry?: string[]; bundle?: string[]; splitting?: boolean } = {}) {
  return defineConfig({
    entry: options.entry ?? ['src/index.ts'],
    format: ['esm', 'cjs'],
    target: 'node20',
    platform: 'node',
    sourcemap: true,
    dts: true,
    clean: true,
    splitting: options.splitting ?? false,
    treeshake: true,
    noExternal: options.bundle ?? [],
  });
}
