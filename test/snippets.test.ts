import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extractSnippets, parseRunSteps, readmes, type Snippet } from './snippets/extract.js';

// Every TypeScript and JavaScript block of every README is type-checked the way a consumer's
// strict project sees it: with the published types of the BUILT packages (the test command builds
// first). A block is left out only by a `<!-- snippet-check: skip <reason> -->` line before it.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../', import.meta.url));
const here = fileURLToPath(new URL('./snippets/', import.meta.url));
const work = join(here, '.tmp');
const tsc = join(createRequire(import.meta.url).resolve('typescript/package.json'), '..', 'bin', 'tsc');

const snippets = readmes(root).flatMap((file) => extractSnippets(root, file));
const checked = snippets.filter((snippet) => snippet.skip === undefined);

/** `README.md:77` -> a file name for the block: `README.md-77.ts`. */
function fileNameOf(snippet: Snippet): string {
  return `${snippet.file.replace(/[\\/]/g, '__')}-${snippet.line}.${snippet.lang}`;
}

describe('README snippets', () => {
  it('are found in every README, and every skipped one says why', () => {
    expect(checked.length).toBeGreaterThan(20);
    for (const snippet of snippets) if (snippet.skip !== undefined) expect(snippet.skip.length).toBeGreaterThan(10);
  });

  it('a skip marker without a reason, and a run step the check does not understand, are errors', () => {
    const file = join(tmpdir(), `snippet-check-${process.pid}.md`);
    writeFileSync(file, '<!-- snippet-check: skip -->\n```ts\nconst x = 1;\n```\n');
    expect(() => extractSnippets(tmpdir(), file)).toThrow(/needs a reason/);
    expect(() => parseRunSteps('GET / -> page view')).toThrow(/not understood/);
    expect(parseRunSteps('GET / -> hit; POST /signup -> event Signup; GET /a.css -> nothing')).toEqual([
      { method: 'GET', path: '/', expect: { kind: 'hit' } },
      { method: 'POST', path: '/signup', expect: { kind: 'event', name: 'Signup' } },
      { method: 'GET', path: '/a.css', expect: { kind: 'nothing' } },
    ]);
  });

  it('type-check in a strict consumer project, with the published types', { timeout: 120_000 }, async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    const byFile = new Map<string, Snippet>();
    for (const snippet of checked) {
      const name = fileNameOf(snippet);
      byFile.set(name, snippet);
      // Each block is a module of its own (`export {}`), so blocks never see each other's names.
      // The context (if any) goes on the block's first line, so error lines still match the README.
      const context = snippet.context === undefined ? '' : `${snippet.context.replace(/\n/g, ' ')} `;
      // A README's relative import (`./examples/express/server.js`) is relative to the repository root.
      const code = snippet.code.replace(/(from\s+|import\()(['"])\.\//g, `$1$2${'../'.repeat(3)}`);
      await writeFile(join(work, name), `${context}${code}\n${snippet.suffix ?? ''}\nexport {};\n`);
    }
    const outcome = await run(process.execPath, [tsc, '-p', join(here, 'tsconfig.json'), '--pretty', 'false'], { cwd: here, maxBuffer: 16 * 1024 * 1024 }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    // Errors pointed back at the README line: `packages/fastify/README.md:15: TS2322 ...`.
    // Errors inside a file a snippet imports (an example's server.js) are not the snippet's: the
    // examples are run by their own tests. Errors with no file (the configuration) count.
    let keep = true; // an indented line continues the error above it
    const errors = outcome
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        if (!/^\s/.test(line)) keep = line.includes('.tmp/') || !/^\S+\(\d+,\d+\): /.test(line);
        return keep;
      })
      .map((line) => {
        const match = /\.tmp\/([^()]+)\((\d+),\d+\): (.*)$/.exec(line);
        const snippet = match ? byFile.get(match[1] ?? '') : undefined;
        return snippet && match ? `${snippet.file}:${snippet.line + Number(match[2])}: ${match[3]}` : line;
      });
    expect(errors).toEqual([]);
  });
});
