import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `@pirsch-node/core/web` must load on workerd without compatibility flags and on Vercel Edge:
// nothing its built files load, directly or through their chunks, may be a Node built-in or
// undici (which needs them). Read from the built package, as a bundler for those runtimes would.

const dist = fileURLToPath(new URL('../packages/core/dist/', import.meta.url));
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"'\s|]+)["']/g;

/** Every bare module a built file loads, following its relative chunks. */
function loadedModules(entry: string): { files: string[]; modules: string[] } {
  const files = new Set<string>();
  const modules = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    // Comments may quote code ("import PQueue from 'p-queue'" in a bundled doc comment): skip them.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const [, specifier] of code.matchAll(SPECIFIER)) {
      if (specifier === undefined) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else modules.add(specifier);
    }
  };
  visit(resolve(dist, entry));
  return { files: [...files], modules: [...modules].sort() };
}

describe('@pirsch-node/core/web, built', () => {
  for (const entry of ['web.js', 'web.cjs']) {
    it(`${entry} loads no Node built-in and no undici, only isbot`, () => {
      const { files, modules } = loadedModules(entry);
      expect(files.length).toBeGreaterThan(1); // it does follow the chunks
      expect(modules.filter((name) => BUILTINS.has(name) || name.startsWith('node:') || name === 'undici')).toEqual([]);
      expect(modules).toEqual(['isbot']);
    });
  }

  it('its Node build (the `node` condition) delivers with undici, as the main entry does', () => {
    expect(loadedModules('web-node.js').modules).toContain('undici');
    expect(loadedModules('index.js').modules).toContain('undici');
  });

  it('the package maps the edge runtimes to the fetch build and Node to the undici one', () => {
    const pkg = JSON.parse(readFileSync(resolve(dist, '../package.json'), 'utf8')) as { exports: Record<string, Record<string, unknown>> };
    const web = pkg.exports['./web'] ?? {};
    const conditions = Object.keys(web);
    for (const condition of ['workerd', 'worker', 'edge-light', 'deno', 'bun', 'browser']) {
      expect(web[condition]).toEqual({ types: './dist/web.d.ts', default: './dist/web.js' });
      // Before `node`: Bun and Deno match `node` too, and the first matching condition wins.
      expect(conditions.indexOf(condition)).toBeLessThan(conditions.indexOf('node'));
    }
    expect(JSON.stringify(web.node)).toContain('web-node.js');
  });
});
