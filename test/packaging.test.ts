import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedLinks, readmeLinkProblems } from '../scripts/package-checks.mjs';

// Loads the BUILT packages (the test command builds first) through their exports maps,
// both with require() and with import, from a workspace package that depends on them.
const run = promisify(execFile);
const cwd = fileURLToPath(new URL('.', import.meta.url));

const expectedExports: Record<string, string[]> = {
  '@pirsch-node/core': ['createClient', 'withPirsch', 'hitFromRequest', 'hitFromWebRequest', 'PirschApiError', 'PirschNetworkError', 'PirschConfigError'],
  '@pirsch-node/core/adapter': ['createTracker', 'exposeTracker', 'resolveTrackingOptions', 'skipReason', 'fastifyTrustProxyProblem'],
  '@pirsch-node/testing': ['createPirschEmulator'],
  '@pirsch-node/express': ['pirsch'],
  '@pirsch-node/koa': ['pirsch'],
  '@pirsch-node/fastify': ['pirsch'],
  '@pirsch-node/nest': ['PirschModule', 'PirschService'],
  '@pirsch-node/web': ['withPirsch', 'pirschOf', 'PirschConfigError'],
  '@pirsch-node/hono': ['pirsch'],
  '@pirsch-node/next': ['createPirsch', 'pirschProxy', 'pirschMiddleware', 'trackPageView', 'event', 'optionsFromEnv'],
};

async function exportsOf(mode: 'require' | 'import', name: string): Promise<string[]> {
  const code =
    mode === 'require'
      ? `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(name)}))))`
      : `import(${JSON.stringify(name)}).then((m) => process.stdout.write(JSON.stringify(Object.keys(m))))`;
  const { stdout } = await run(process.execPath, ['-e', code], { cwd });
  return JSON.parse(stdout) as string[];
}

describe.each(Object.entries(expectedExports))('%s', (name, names) => {
  it.each(['require', 'import'] as const)('loads with %s', async (mode) => {
    const keys = await exportsOf(mode, name);
    for (const expected of names) expect(keys).toContain(expected);
  });
});

// Both core entries load one copy of the shared code: an error createTracker (adapter entry)
// throws is an instance of the main entry's class, and a client from the main entry gets the
// tracker's own hits without a copy (the symbol they share).
describe('@pirsch-node/core and @pirsch-node/core/adapter', () => {
  const code = (load: (name: string) => string) => `
    const { PirschConfigError, PirschError } = ${load('@pirsch-node/core')};
    const { createTracker } = ${load('@pirsch-node/core/adapter')};
    let error;
    try { createTracker({ client: {} }); } catch (thrown) { error = thrown; }
    process.stdout.write(JSON.stringify([error instanceof PirschConfigError, error instanceof PirschError]));`;
  it.each([
    ['require', code((name) => `require(${JSON.stringify(name)})`)],
    ['import', `(async () => {${code((name) => `(await import(${JSON.stringify(name)}))`)}})();`],
  ])('share one PirschConfigError class (%s)', async (_mode, source) => {
    const { stdout } = await run(process.execPath, ['-e', source], { cwd });
    expect(JSON.parse(stdout)).toEqual([true, true]);
  });
});

// @pirsch-node/web loaded twice (its ESM build by import, its CJS build by require(), as a mixed
// app may): pirschOf of one copy finds the helper the other copy's withPirsch registered.
describe('@pirsch-node/web loaded both ways', () => {
  it('pirschOf (require) sees the request withPirsch (import) is handling', async () => {
    const source = `(async () => {
      const { withPirsch } = await import('@pirsch-node/web');
      const { pirschOf } = require('@pirsch-node/web');
      const events = [];
      const client = { hit() {}, event(name) { events.push(name); }, session() {}, flush: async () => true, close: async () => true, closed: false };
      const handler = withPirsch((request) => { pirschOf(request).event('Signup'); return new Response('ok'); }, { client });
      handler(new Request('https://shop.example/', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', 'cf-connecting-ip': '192.0.2.1' } }));
      process.stdout.write(JSON.stringify(events));
    })();`;
    const { stdout } = await run(process.execPath, ['-e', source], { cwd });
    expect(JSON.parse(stdout)).toEqual(['Signup']);
  });
});

// The packages as pnpm would publish them (`pnpm pack --dry-run`): what a user gets from the registry.
const root = fileURLToPath(new URL('..', import.meta.url));
const packageDirs = ['core', 'express', 'koa', 'fastify', 'nest', 'web', 'hono', 'next', 'testing'].map((name) => `packages/${name}`);
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;

interface PackedPackage {
  name: string;
  files: { path: string }[];
}

/** The file lists of every package as packed, by package name. */
async function packedFiles(): Promise<Map<string, string[]>> {
  const { packageManager } = readJson('package.json') as { packageManager: string };
  const { stdout } = await run('npx', ['-y', packageManager, '-r', '--filter', './packages/**', 'pack', '--dry-run', '--json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const packed = JSON.parse(stdout) as PackedPackage[];
  return new Map(packed.map((pkg) => [pkg.name, pkg.files.map((file) => file.path)]));
}

describe('every package as published', () => {
  let packed: Map<string, string[]>;
  beforeAll(async () => {
    packed = await packedFiles();
  }, 120_000);
  const files = (dir: string) => {
    const name = readJson(`${dir}/package.json`).name as string;
    const list = packed.get(name);
    if (!list) throw new Error(`pnpm pack listed no files for ${name}`);
    return list;
  };

  it('the MIT licence is at the root and in every package, identical, and package.json says MIT', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} pirsch-node contributors\n/);
    expect(readJson('package.json').license).toBe('MIT');
    for (const dir of packageDirs) {
      expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8'), `${dir}/LICENSE`).toBe(license);
      expect(readJson(`${dir}/package.json`).license, `${dir}/package.json`).toBe('MIT');
    }
  });

  it.each(packageDirs)('%s packs its LICENSE, README.md and every bin', (dir) => {
    const list = files(dir);
    expect(list).toContain('LICENSE');
    expect(list).toContain('README.md');
    const bins = Object.values((readJson(`${dir}/package.json`).bin as Record<string, string> | undefined) ?? {});
    for (const bin of bins) expect(list).toContain(posix.normalize(bin));
  });

  it.each(packageDirs)('%s/package.json links to the repository, its folder, the README and the issues', (dir) => {
    const pkg = readJson(`${dir}/package.json`);
    const expected = expectedLinks(dir);
    expect(pkg.repository).toEqual(expected.repository);
    expect(pkg.homepage).toBe(expected.homepage);
    expect(pkg.bugs).toEqual(expected.bugs);
  });

  it.each(packageDirs)("%s's README links work on the registry's page: no relative link outside the package, every repository link exists", (dir) => {
    const problems = readmeLinkProblems({
      readme: readFileSync(join(root, dir, 'README.md'), 'utf8'),
      packedFiles: files(dir),
      read: (path) => readFileSync(join(root, dir, path), 'utf8'),
      root,
    });
    expect(problems).toEqual([]);
  });
});

describe('the pirsch-emulator command in the workspace', () => {
  const bin = (readJson('packages/testing/package.json').bin as Record<string, string>)['pirsch-emulator'] ?? '';

  // pnpm links a workspace package's bins at install time, before any build: a bin in dist/ is
  // missing then ("Failed to create bin"), so the bin must be a file in the repository.
  it('is a committed file, not a build output', async () => {
    expect(bin).not.toMatch(/dist\//);
    const { stdout } = await run('git', ['ls-files', '--error-unmatch', posix.join('packages/testing', bin)], { cwd: root });
    expect(stdout.trim()).toBe(posix.join('packages/testing', posix.normalize(bin)));
  });

  it('says to build first when the package is not built', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'pirsch-bin-'));
    try {
      // The bin alone, as in a fresh clone before `npm run build`: no dist/ next to it.
      const file = join(copy, bin);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(join(copy, 'package.json'), JSON.stringify({ type: 'module' }));
      copyFileSync(join(root, 'packages/testing', bin), file);
      const failure = await run(process.execPath, [file]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toMatch(/not built yet: run `npm run build`/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('`npx pirsch-emulator` at the repository root runs this workspace\'s emulator', async () => {
    // --no: never fetch a package of that name from the registry; it must be found locally.
    const { stdout } = await run('npx', ['--no', '--', 'pirsch-emulator', '--help'], { cwd: root });
    expect(stdout).toMatch(/--rate-limit/);
    expect(realpathSync(join(root, 'node_modules', '@pirsch-node', 'testing'))).toBe(join(root, 'packages', 'testing'));
  });
});
