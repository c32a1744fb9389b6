import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The whole @pirsch-node/nest suite (both platforms, and the CJS build in a tsc-compiled app)
// once more, on Nest 11: a separate Vitest run with this directory's vitest.config.ts, which
// resolves every @nestjs/* import to the Nest 11 packages installed here.
const run = promisify(execFile);
const here = fileURLToPath(new URL('./', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

interface JsonReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ assertionResults: Array<{ fullName: string; status: string; failureMessages: string[] }> }>;
}

it('the @pirsch-node/nest suite passes on Nest 11', { timeout: 240_000 }, async () => {
  const report = join(here, '.tmp', 'report.json');
  await mkdir(dirname(report), { recursive: true });
  // A clean environment for the inner run: the outer Vitest's worker variables would confuse it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/VITEST|^TEST$|^NODE_OPTIONS$/.test(name)));
  const args = [vitest, 'run', '--config', join(here, 'vitest.config.ts'), '--reporter=json', `--outputFile=${report}`];
  const outcome = await run(process.execPath, args, { cwd: root, env, maxBuffer: 16 * 1024 * 1024 }).then(
    () => undefined,
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
  );
  const result = JSON.parse(await readFile(report, 'utf8')) as JsonReport;
  const failures = result.testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status !== 'passed')
    .map((test) => `${test.fullName}: ${test.failureMessages.join('\n').slice(0, 2000)}`);
  expect(failures, outcome).toEqual([]);
  expect(result.numFailedTests).toBe(0);
  // The suite is large (every test on Express and Fastify); a handful would mean files were not found.
  expect(result.numPassedTests).toBeGreaterThan(50);
  expect(result.numPassedTests).toBe(result.numTotalTests);
});
