import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A fenced code block of a README, where it is, and whether the check skips it (and why). */
export interface Snippet {
  /** The README, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js';
  code: string;
  /** Set by a `<!-- snippet-check: skip <reason> -->` comment on the line before the fence. */
  skip?: string;
  /**
   * Code the check puts before the block, from a `<!-- snippet-check: context ... -->` comment
   * right before the fence: the names a fragment (`req.pirsch.event(...)`) takes from the page
   * around it, declared and type-checked (`declare const req: express.Request`). Invisible on the page.
   */
  context?: string;
  /** Code the check puts after the block, from a `<!-- snippet-check: end <code> -->` line right after the closing fence (closes what the context opened). */
  suffix?: string;
  /**
   * Set by a `<!-- snippet-check: run <steps> -->` line right after the closing fence: the block is
   * a whole app, and the check runs it against the emulator, sends the requests of `steps` and
   * expects exactly what they say to arrive (see `parseRunSteps`).
   */
  run?: RunStep[];
}

/** One request the check sends to a running snippet, and what it must deliver. */
export interface RunStep {
  method: string;
  path: string;
  /** `hit`: a page view of `path`; `event <name>`: that event; `nothing`. */
  expect: { kind: 'hit' } | { kind: 'event'; name: string } | { kind: 'nothing' };
}

const LANGS: Record<string, Snippet['lang']> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };
const SKIP_MARKER = /^<!--\s*snippet-check:\s*skip\b\s*(.*?)\s*-->$/;
const END_MARKER = /^<!--\s*snippet-check:\s*end\b\s*(.*?)\s*-->$/;
const RUN_MARKER = /^<!--\s*snippet-check:\s*run\b\s*(.*?)\s*-->$/;

/**
 * `GET / -> hit; POST /signup -> event Signup; GET /style.css -> nothing`: the requests, in order,
 * and what each must deliver to the API.
 */
export function parseRunSteps(text: string): RunStep[] {
  return text.split(';').map((part) => {
    const match = /^\s*([A-Z]+)\s+(\/\S*)\s*->\s*(hit|nothing|event\s+(\S+))\s*$/.exec(part);
    if (!match) throw new Error(`snippet-check run step not understood: "${part.trim()}" (expected e.g. "GET / -> hit")`);
    const [, method = '', path = '', what = '', name = ''] = match;
    const expect: RunStep['expect'] = what === 'hit' ? { kind: 'hit' } : what === 'nothing' ? { kind: 'nothing' } : { kind: 'event', name };
    return { method, path, expect };
  });
}

/** Every README the check covers: the root one, each package's and each example's. */
export function readmes(root: string): string[] {
  const files = [join(root, 'README.md')];
  for (const dir of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, dir)).sort()) {
      const readme = join(root, dir, entry, 'README.md');
      if (existsSync(readme)) files.push(readme);
    }
  }
  return files;
}

/**
 * The TypeScript and JavaScript blocks of a Markdown file. A block is skipped only by a marker
 * with a reason on the line right before its fence; a marker without a reason is an error, so
 * nothing is left out silently.
 */
export function extractSnippets(root: string, file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i] ?? '');
    if (!open) {
      if (/^```/.test(lines[i] ?? '')) i = closingFence(lines, i);
      continue;
    }
    const end = closingFence(lines, i);
    const lang = LANGS[(open[1] ?? '').toLowerCase()];
    if (lang !== undefined) {
      const marker = SKIP_MARKER.exec((lines[i - 1] ?? '').trim());
      const snippet: Snippet = { file: relative(root, file), line: i + 1, lang, code: lines.slice(i + 1, end).join('\n') };
      const context = contextBefore(lines, i);
      if (context !== undefined) snippet.context = context;
      const suffix = END_MARKER.exec((lines[end + 1] ?? '').trim());
      if (suffix) snippet.suffix = suffix[1] ?? '';
      const run = RUN_MARKER.exec((lines[end + 1] ?? '').trim());
      if (run) snippet.run = parseRunSteps(run[1] ?? '');
      if (marker) {
        if (!marker[1]) throw new Error(`${snippet.file}:${i}: a snippet-check skip marker needs a reason`);
        snippet.skip = marker[1];
      }
      snippets.push(snippet);
    }
    i = end;
  }
  return snippets;
}

/** The code of a multi-line `<!-- snippet-check: context` ... `-->` comment that ends right before line `fence`. */
function contextBefore(lines: readonly string[], fence: number): string | undefined {
  if ((lines[fence - 1] ?? '').trim() !== '-->') return undefined;
  for (let j = fence - 2; j >= 0; j--) {
    const line = (lines[j] ?? '').trim();
    if (line === '<!-- snippet-check: context') return lines.slice(j + 1, fence - 1).join('\n');
    if (line.startsWith('<!--') || line.startsWith('```')) return undefined;
  }
  return undefined;
}

function closingFence(lines: readonly string[], open: number): number {
  for (let j = open + 1; j < lines.length; j++) if (/^```\s*$/.test(lines[j] ?? '')) return j;
  throw new Error(`unclosed code fence at line ${open + 1}`);
}
