import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import ts from 'typescript';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild, type RunningChild } from './support/child.js';
import { BROWSER_UA } from './support/load.js';
import { extractSnippets, readmes, type Snippet } from './snippets/extract.js';

// The README blocks marked `<!-- snippet-check: run ... -->` are whole apps: each is run as it is
// written (BUILT packages; the test command builds first), against the emulator, and must deliver
// exactly what its marker says. Two edits make that possible, and nothing else is changed: the
// client's options get `baseUrl: process.env.PIRSCH_BASE_URL` next to the access key, and the
// port 3000 becomes a free one.

const root = fileURLToPath(new URL('../', import.meta.url));
const work = fileURLToPath(new URL('./snippets/.tmp/run/', import.meta.url));
const runnable = readmes(root)
  .flatMap((file) => extractSnippets(root, file))
  .filter((snippet): snippet is Snippet & { run: NonNullable<Snippet['run']> } => snippet.run !== undefined && snippet.skip === undefined);

/** The block as a module Node runs: pointed at the emulator and a free port, TypeScript removed. */
function runnableSource(snippet: Snippet): string {
  const key = 'accessKey: process.env.PIRSCH_ACCESS_KEY';
  if (!snippet.code.includes(key)) throw new Error(`${snippet.file}:${snippet.line}: a runnable snippet takes its key as "${key}"`);
  const code = snippet.code
    .replaceAll(key, `${key}, baseUrl: process.env.PIRSCH_BASE_URL`)
    .replace(/\.listen\(3000\)/g, '.listen(Number(process.env.PORT))')
    .replace(/\.listen\(\{ port: 3000 \}\)/g, ".listen({ port: Number(process.env.PORT), host: '127.0.0.1' })")
    .replace(/serve\(\{ fetch: app\.fetch, port: 3000 \}\)/g, "serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })");
  if (!code.includes('process.env.PORT')) throw new Error(`${snippet.file}:${snippet.line}: a runnable snippet listens on port 3000`);
  return ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, experimentalDecorators: true, verbatimModuleSyntax: false },
  }).outputText;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once the app accepts a request (it has no log line to wait for). */
async function answering(url: string, child: RunningChild): Promise<void> {
  for (;;) {
    const exited = await Promise.race([child.exited.then(() => true), Promise.resolve(false)]);
    if (exited) throw new Error(`the snippet exited before listening:\n${child.stderr()}`);
    try {
      await request(`${url}/__snippet_check_ready`, { headers: { 'user-agent': 'snippet-check probe' } }).then((r) => r.body.dump());
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50)); // not listening yet: try again
    }
  }
}

let emulator: PirschEmulator;
beforeAll(async () => {
  emulator = await createPirschEmulator();
  await mkdir(work, { recursive: true });
});
afterAll(async () => {
  await emulator.close();
});

describe('README apps, run against the emulator', () => {
  it('are there: the quick starts of the root README and of every adapter', () => {
    const files = new Set(runnable.map((snippet) => snippet.file));
    for (const file of ['README.md', 'packages/express/README.md', 'packages/koa/README.md', 'packages/fastify/README.md', 'packages/nest/README.md', 'packages/hono/README.md']) {
      expect(files, file).toContain(file);
    }
  });

  it.each(runnable.map((snippet) => [`${snippet.file}:${snippet.line}`, snippet] as const))('%s delivers what it claims', { timeout: 60_000 }, async (name, snippet) => {
    emulator.reset();
    const file = join(work, `${name.replace(/[\\/:]/g, '_')}.mjs`);
    await writeFile(file, runnableSource(snippet));
    const port = await freePort();
    const child = startChild(file, { PORT: String(port), PIRSCH_BASE_URL: emulator.url, PIRSCH_ACCESS_KEY: emulator.accessKey });
    try {
      const url = `http://127.0.0.1:${port}`;
      await answering(url, child);
      for (const step of snippet.run) {
        const response = await request(url + step.path, {
          method: step.method as 'GET',
          headers: { 'user-agent': BROWSER_UA, 'content-type': 'application/json' },
          body: step.method === 'GET' ? undefined : '{}',
        });
        await response.body.dump();
        expect(response.statusCode, `${step.method} ${step.path}`).toBeLessThan(500);
      }
      const hits = snippet.run.filter((step) => step.expect.kind === 'hit').map((step) => step.path);
      const events = snippet.run.flatMap((step) => (step.expect.kind === 'event' ? [step.expect.name] : []));
      await emulator.waitFor((e) => e.hits.length >= hits.length && e.events.length >= events.length, 10_000).catch(() => {});
      expect({
        hits: emulator.hits.map((hit) => new URL(hit.url).pathname),
        events: emulator.events.map((event) => event.event_name),
      }, `stderr:\n${child.stderr()}`).toEqual({ hits, events });
    } finally {
      child.kill();
    }
  });
});
