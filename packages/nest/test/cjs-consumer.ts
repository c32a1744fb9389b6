import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('../', import.meta.url));
const fixture = fileURLToPath(new URL('./cjs-consumer/main.ts', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** What the compiled app reports. */
export interface CjsConsumerResult {
  /** The file `require('@pirsch-node/nest')` loaded. */
  resolved: string;
  /** The version of the `@nestjs/core` it ran on. */
  nestVersion: string;
  /** Statuses of `GET /api` and `POST /api/signup`, on Express then on Fastify. */
  statuses: number[];
  moduleSystem: 'cjs' | 'esm';
}

/**
 * Compiles `cjs-consumer/main.ts` with tsc to CommonJS, as a Nest app is built, next to a copy
 * of the BUILT package (package.json and dist, as installed from a tarball), inside `nestRoot`
 * so that `@nestjs/*` and `@pirsch-node/core` resolve from `nestRoot/node_modules`. Then runs it
 * against `baseUrl`: it starts the app on Express and on Fastify, sends a page view and a
 * signup event to each, and closes it.
 */
export async function runCjsConsumer(options: { nestRoot: string; baseUrl: string; accessKey: string }): Promise<CjsConsumerResult> {
  const built = join(packageDir, 'dist', 'index.cjs');
  await stat(built).catch(() => {
    throw new Error(`${built} is missing: build @pirsch-node/nest first (pnpm build)`);
  });
  // One folder per process: two runs of the suite at once must not delete each other's app.
  const work = join(options.nestRoot, '.tmp', `cjs-consumer-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  try {
    return await compileAndRun(work, options);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds the consumer app in `work` with tsc and runs it; see runCjsConsumer. */
async function compileAndRun(work: string, options: { baseUrl: string; accessKey: string }): Promise<CjsConsumerResult> {
  const installed = join(work, 'node_modules', '@pirsch-node', 'nest');
  await mkdir(join(work, 'src'), { recursive: true });
  await mkdir(installed, { recursive: true });
  await cp(join(packageDir, 'package.json'), join(installed, 'package.json'));
  await cp(join(packageDir, 'dist'), join(installed, 'dist'), { recursive: true });
  await writeFile(join(work, 'package.json'), JSON.stringify({ private: true, type: 'commonjs' }));
  await writeFile(join(work, 'src', 'main.ts'), await readFile(fixture));
  await writeFile(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        skipLibCheck: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        types: ['node'],
        rootDir: 'src',
        outDir: 'out',
      },
      include: ['src'],
    }),
  );
  try {
    await run(process.execPath, [tsc, '-p', join(work, 'tsconfig.json')], { cwd: work });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed on the consumer app:\n${stdout}${stderr}`);
  }
  const env = { ...process.env, PIRSCH_BASE_URL: options.baseUrl, PIRSCH_ACCESS_KEY: options.accessKey };
  const { stdout } = await run(process.execPath, [join(work, 'out', 'main.js')], { cwd: work, env, timeout: 30_000 });
  return JSON.parse(stdout) as CjsConsumerResult;
}
