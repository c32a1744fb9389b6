#!/usr/bin/env node
// Packs every package as it would be published, checks each with publint and
// @arethetypeswrong/cli and checks what is in the tarball (the licence, the package.json links to
// the repository, README links that work on the registry's page, the bins), installs the tarballs
// into a fresh consumer project with npm, then loads them by require() and by import, and
// type-checks a small app per framework with TypeScript's node16 (ESM and CJS) and bundler
// resolution. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedLinks, readmeLinkProblems } from './package-checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.tmp', 'pack-check');
const packs = join(work, 'packs');
const consumer = join(work, 'consumer');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const names = ['core', 'testing', 'express', 'koa', 'fastify', 'nest', 'web', 'hono', 'next'];
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, cwd, options = {}) {
  console.log(`$ ${[command, ...args].join(' ')}  (in ${cwd.replace(root, '.') || '.'})`);
  return execFileSync(command, args, { cwd, stdio: options.capture ? 'pipe' : 'inherit', encoding: 'utf8', env: process.env });
}

rmSync(work, { recursive: true, force: true });
mkdirSync(packs, { recursive: true });
mkdirSync(consumer, { recursive: true });

// 1. Pack with pnpm (it rewrites workspace:* to real versions), lint every tarball.
const tarballs = {};
for (const name of names) {
  const dir = join(root, 'packages', name);
  run('npx', ['-y', packageManager, 'pack', '--pack-destination', packs], dir, { capture: true });
  const file = readdirSync(packs).find((f) => f.startsWith(`pirsch-node-${name}-`) && f.endsWith('.tgz'));
  if (!file) throw new Error(`no tarball for ${name}`);
  tarballs[`@pirsch-node/${name}`] = join(packs, file);
  run(bin('publint'), ['run', '--strict', '--pack', 'npm'], dir);
  // Only the main entry matters; node10 resolution (no exports map) is not a supported consumer.
  run(bin('attw'), [join(packs, file), '--profile', 'node16'], dir);
  checkTarball(name, join(packs, file));
}

/** The licence, the links to the repository, the README's links and the bins, as in the tarball. */
function checkTarball(name, tarball) {
  const unpacked = join(work, 'unpacked', name);
  mkdirSync(unpacked, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', unpacked], root);
  const dir = join(unpacked, 'package');
  const files = (function list(at) {
    return readdirSync(at, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? list(join(at, entry.name)) : [relative(dir, join(at, entry.name)).split(sep).join('/')],
    );
  })(dir);
  const read = (path) => readFileSync(join(dir, path), 'utf8');
  const problems = [];
  if (!files.includes('LICENSE')) problems.push('no LICENSE');
  else if (read('LICENSE') !== readFileSync(join(root, 'LICENSE'), 'utf8')) problems.push('LICENSE differs from the repository root LICENSE');
  const pkg = JSON.parse(read('package.json'));
  for (const [field, value] of Object.entries(expectedLinks(`packages/${name}`))) {
    if (JSON.stringify(pkg[field]) !== JSON.stringify(value)) problems.push(`package.json ${field} is ${JSON.stringify(pkg[field])}, expected ${JSON.stringify(value)}`);
  }
  for (const target of Object.values(pkg.bin ?? {})) if (!files.includes(posix.normalize(target))) problems.push(`bin ${target} is not in the tarball`);
  problems.push(...readmeLinkProblems({ readme: read('README.md'), packedFiles: files, read, root }).map((problem) => `README.md: ${problem}`));
  if (problems.length > 0) throw new Error(`@pirsch-node/${name} as packed:\n  ${problems.join('\n  ')}`);
  console.log(`@pirsch-node/${name}: LICENSE, repository links, README links and bins are in order`);
}

// 2. A fresh consumer project: the tarballs plus the frameworks, installed by npm.
const dependencies = {
  ...Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`])),
  express: '^5.1.0',
  koa: '^3.0.0',
  fastify: '^5.0.0',
  hono: '^4.0.0',
  '@nestjs/common': '^12.0.0',
  '@nestjs/core': '^12.0.0',
  '@nestjs/platform-express': '^12.0.0',
  'reflect-metadata': '^0.2.2',
  next: '^16.0.0',
  react: '^19.0.0',
  'react-dom': '^19.0.0',
  rxjs: '^7.8.0',
  typescript: '~5.9.3',
  '@types/node': '^20.19.0',
  '@types/express': '^5.0.0',
  '@types/koa': '^3.0.0',
};
writeFileSync(
  join(consumer, 'package.json'),
  JSON.stringify({ name: 'consumer', private: true, dependencies, overrides: { '@pirsch-node/core': `file:${tarballs['@pirsch-node/core']}` } }, null, 2),
);
run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], consumer);

// 3. Load every package both ways.
const expected = {
  '@pirsch-node/core': ['createClient', 'withPirsch', 'hitFromRequest', 'hitFromWebRequest'],
  '@pirsch-node/core/adapter': ['createTracker', 'exposeTracker', 'skipReason'],
  '@pirsch-node/testing': ['createPirschEmulator'],
  '@pirsch-node/express': ['pirsch'],
  '@pirsch-node/koa': ['pirsch'],
  '@pirsch-node/fastify': ['pirsch'],
  '@pirsch-node/nest': ['PirschModule', 'PirschService'],
  '@pirsch-node/web': ['withPirsch', 'pirschOf', 'PirschConfigError'],
  '@pirsch-node/hono': ['pirsch'],
  '@pirsch-node/next': ['createPirsch', 'pirschProxy', 'pirschMiddleware', 'trackPageView', 'event', 'optionsFromEnv'],
};
const check = `for (const [name, keys] of Object.entries(${JSON.stringify(expected)})) {
  const m = LOAD(name);
  for (const key of keys) if (!(key in m)) throw new Error(name + ' has no export ' + key + ' via MODE');
}
console.log('all packages load via MODE');`;
writeFileSync(join(consumer, 'load.cjs'), check.replaceAll('LOAD(name)', 'require(name)').replaceAll('MODE', 'require()'));
writeFileSync(join(consumer, 'load.mjs'), `(async () => {${check.replaceAll('LOAD(name)', '(await import(name))').replaceAll('MODE', 'import')}})();`);
run(process.execPath, ['load.cjs'], consumer);
run(process.execPath, ['load.mjs'], consumer);

// 4. Type-check a small app per framework with node16 (as ESM .mts and CJS .cts) and bundler resolution.
const apps = {
  core: `import { createClient, hitFromRequest, PirschApiError, type Hit } from '@pirsch-node/core';
import { createServer } from 'node:http';
const client = createClient({ accessKey: 'pa_x', onError: (error) => { if (error instanceof PirschApiError) console.log(error.status); } });
createServer((req, res) => { const hit: Hit = hitFromRequest(req); client.hit(hit); client.event('Signup', hit, { meta: { plan: 'pro' } }); res.end(); });
export async function stats() { const total = await client.statistics.total({ id: 'x', from: new Date(), to: '2024-01-31' }); return total.visitors; }
export const ok: Promise<boolean> = client.flush(100);`,
  'core-node-http': `import { createServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { withPirsch, type PirschRequest } from '@pirsch-node/core';
function signup(req: PirschRequest, res: ServerResponse) { req.pirsch.event('Signup', { meta: { plan: 'pro' } }); res.end(); }
const handler = withPirsch(async (req, res) => { if (req.method === 'POST') return signup(req, res); res.end('hello'); }, { accessKey: 'pa_x', exclude: ['/health'] });
createServer(handler);
createHttpsServer({}, handler);
export const done: Promise<void> = handler.shutdown(100);
export const tracked: number = handler.tracked + handler.skipped.asset;`,
  'core-adapter': `import { PirschConfigError } from '@pirsch-node/core';
import { createTracker, exposeTracker, type PirschAdapterOptions, type RequestContext } from '@pirsch-node/core/adapter';
import type { IncomingMessage, ServerResponse } from 'node:http';
export function middleware(options: PirschAdapterOptions) {
  const tracker = createTracker(options);
  return exposeTracker((req: IncomingMessage, res: ServerResponse) => { const ctx: RequestContext = { raw: req, req, res }; tracker.trackWhenDone(ctx, res); }, tracker);
}
export const isConfigError = (error: unknown): boolean => error instanceof PirschConfigError;`,
  testing: `import { createPirschEmulator } from '@pirsch-node/testing';
export async function emulate() { const emulator = await createPirschEmulator(); const n: number = emulator.hits.length; await emulator.close(); return n; }`,
  express: `import express from 'express';
import { pirsch } from '@pirsch-node/express';
const app = express();
app.use(pirsch({ accessKey: 'pa_x', exclude: ['/health'] }));
app.post('/signup', (req, res) => { req.pirsch.event('Signup', { meta: { plan: 'pro' } }); res.send('ok'); });`,
  koa: `import Koa from 'koa';
import { pirsch } from '@pirsch-node/koa';
const app = new Koa();
app.use(pirsch({ accessKey: 'pa_x' }));
app.use(async (ctx) => { ctx.state.pirsch.event('Signup', { duration: 3 }); ctx.body = 'ok'; });`,
  fastify: `import Fastify from 'fastify';
import { pirsch } from '@pirsch-node/fastify';
export async function build() {
  const app = Fastify();
  await app.register(pirsch, { accessKey: 'pa_x' });
  app.post('/signup', async (request) => { request.pirsch.event('Signup'); await app.pirsch.flush(); return 'ok'; });
  return app;
}`,
  nest: `import 'reflect-metadata';
import { Controller, Inject, Module, Post, Req } from '@nestjs/common';
import { PirschModule, PirschService } from '@pirsch-node/nest';
import type { Request } from 'express';
@Controller()
export class SignupController {
  constructor(@Inject(PirschService) private readonly pirsch: PirschService) {}
  @Post('signup') signup(@Req() req: Request) { this.pirsch.event('Signup', req, { meta: { plan: 'pro' } }); return 'ok'; }
}
@Module({ imports: [PirschModule.forRoot({ accessKey: 'pa_x' })], controllers: [SignupController] })
export class AppModule {}`,
  web: `import { PirschConfigError, pirschOf, withPirsch } from '@pirsch-node/web';
interface Env { PIRSCH_ACCESS_KEY: string }
interface Ctx { waitUntil(promise: Promise<unknown>): void }
export default { fetch: withPirsch(async (request: Request, env: Env, ctx: Ctx) => { if (request.method === 'POST') pirschOf(request).event('Signup', { meta: { plan: 'pro' } }); return new Response('ok'); }, (env) => ({ accessKey: env.PIRSCH_ACCESS_KEY })) };
export const handler = withPirsch((request: Request) => new Response(request.url), { accessKey: 'pa_x', exclude: ['/health'], trustProxy: 1 });
export const flushed: Promise<boolean> = handler.flush(100);
export const done: Promise<void> = handler.shutdown(100);
export const tracked: number = handler.tracked + handler.skipped.asset;
export const isConfigError = (error: unknown): boolean => error instanceof PirschConfigError;`,
  hono: `import { Hono } from 'hono';
import { pirsch, type PirschEnv, type PirschVariables } from '@pirsch-node/hono';
const app = new Hono<PirschEnv>();
const tracking = pirsch({ accessKey: 'pa_x', trustProxy: 1 });
app.use(tracking);
app.post('/signup', (c) => { c.get('pirsch').event('Signup', { meta: { plan: 'pro' } }); return c.text('ok'); });
type Bindings = { PIRSCH_ACCESS_KEY: string };
export const worker = new Hono<{ Bindings: Bindings; Variables: PirschVariables }>().use(pirsch((env: Bindings) => ({ accessKey: env.PIRSCH_ACCESS_KEY })));
export const done: Promise<void> = tracking.shutdown(100);`,
  next: `import { createPirsch, event, pirschProxy, type PirschNext, type PirschProxy } from '@pirsch-node/next';
export const proxy: PirschProxy = pirschProxy({ exclude: ['/admin'] });
const pirsch: PirschNext = createPirsch({ accessKey: 'pa_x', trustProxy: 1 });
export async function POST(request: Request): Promise<Response> {
  await event('Signup', { request, meta: { plan: 'pro' } });
  pirsch.trackPageView(request, { waitUntil: (promise) => void promise }, new Response(null, { status: 200 }));
  return new Response('ok');
}
export const skipped: number = pirsch.skipped['not-navigation'] + pirsch.tracked;`,
};
for (const [name, code] of Object.entries(apps)) {
  writeFileSync(join(consumer, `${name}.mts`), code);
  writeFileSync(join(consumer, `${name}.cts`), code);
  writeFileSync(join(consumer, `${name}.ts`), code);
}
// skipLibCheck: third-party typings disagree among themselves (@types/koa vs content-disposition's
// own types); our declarations are still checked where the apps use them, and by attw above.
const common = { strict: true, noEmit: true, skipLibCheck: true, experimentalDecorators: true, target: 'ES2022', types: ['node'] };
// Nest 12 is ESM-only: a CommonJS Nest app needs TypeScript's node20 module mode (require(esm)),
// so nest.cts is checked there instead of under node16.
const configs = {
  node16: { module: 'node16', moduleResolution: 'node16', include: ['*.mts', '*.cts'], exclude: ['nest.cts'] },
  node20: { module: 'node20', moduleResolution: 'node16', include: ['nest.cts'] },
  bundler: { module: 'esnext', moduleResolution: 'bundler', include: ['*.ts'] },
};
for (const [name, { include, exclude, ...compilerOptions }] of Object.entries(configs)) {
  writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...common, ...compilerOptions }, include, exclude }));
  run(join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${name}.json`], consumer);
}
console.log('pack-check: every package packs, lints, carries its LICENSE and working links, loads by require() and import, and type-checks with node16 (ESM and CJS), node20 and bundler');
