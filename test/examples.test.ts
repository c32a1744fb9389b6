import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The examples' READMEs, followed by someone who has only Node and npm: every example has one, and
// every command in them runs without pnpm installed.
const root = fileURLToPath(new URL('..', import.meta.url));
const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'examples', entry.name, 'package.json')))
  .map((entry) => entry.name);
const rootScripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const readme = (path: string) => readFileSync(join(root, path), 'utf8');

describe('the examples', () => {
  it('are the demo, one shop per framework and the Next.js app', () => {
    expect(examples.sort()).toEqual(['demo', 'express', 'fastify', 'hono', 'koa', 'nest', 'next']);
  });

  it.each(examples)('examples/%s has a README', (name) => {
    expect(existsSync(join(root, 'examples', name, 'README.md'))).toBe(true);
  });

  it.each(examples)('examples/%s/README.md names no pnpm command', (name) => {
    expect(readme(`examples/${name}/README.md`)).not.toMatch(/\bpnpm\b/);
  });

  // `npm run build`, `npm run demo`, `npm test`: root scripts that fetch the pinned pnpm themselves.
  it.each(['README.md', ...examples.map((name) => `examples/${name}/README.md`)])('%s: every npm command is a root script that runs with npm alone', (path) => {
    const scripts = [...readme(path).matchAll(/\bnpm (test|run [\w:-]+)/g)].map(([, command = '']) => command.replace(/^run /, ''));
    for (const script of scripts) expect(rootScripts[script], `npm run ${script} in ${path}`).toMatch(/^node scripts\/run\.mjs \w+$/);
  });

  it('the Express README says to register the middleware before the routes', () => {
    expect(readme('examples/express/README.md')).toMatch(/Register the middleware with `app\.use\(\)` before the routes/);
  });
});
