import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm test`, `npm run demo` and `npm run bench` build through scripts/build-quietly.mjs: one line
// when the build succeeds, the build's whole output when it fails. Here the build is a stand-in
// pnpm (build-quietly runs the pnpm that runs it, npm_execpath) that prints what tsup would.
const root = fileURLToPath(new URL('..', import.meta.url));
const script = join(root, 'scripts', 'build-quietly.mjs');
const dir = mkdtempSync(join(tmpdir(), 'build-quietly-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakePnpm(exitCode: number): string {
  const file = join(dir, `pnpm-exit-${exitCode}.mjs`);
  writeFileSync(
    file,
    `if (process.argv.slice(2).join(' ') !== 'run build:packages') { console.error('unexpected arguments', process.argv.slice(2)); process.exit(9); }
for (let i = 0; i < 130; i++) console.log('packages/core build: CJS dist/index.cjs ' + i);
console.error('tsup: something to say on stderr');
process.exit(${exitCode});`,
  );
  return file;
}

function buildQuietly(pnpm: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { cwd: root, env: { ...process.env, npm_execpath: pnpm } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('scripts/build-quietly.mjs', () => {
  it('prints one line when the build succeeds', async () => {
    const { code, stdout, stderr } = await buildQuietly(fakePnpm(0));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stdout).toMatch(/^Building the packages\.\.\. done in \d+\.\d s\n/);
    expect(stderr).toBe('');
  });

  it("prints the build's whole output and exits with its code when it fails", async () => {
    const { code, stdout, stderr } = await buildQuietly(fakePnpm(3));
    expect(code).toBe(3);
    expect(stdout).toMatch(/^Building the packages\.\.\. failed:\n/);
    expect(stdout).toContain('packages/core build: CJS dist/index.cjs 129');
    expect(stderr).toContain('tsup: something to say on stderr');
  });

  it('is how npm test builds, so the test output has no build chatter', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts['test:all']).toMatch(/^node scripts\/build-quietly\.mjs && /);
  });
});
