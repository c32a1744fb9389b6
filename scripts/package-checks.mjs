// Checks of a package as it is published, shared by test/packaging.test.ts (on `pnpm pack
// --dry-run`) and scripts/pack-check.mjs (on the real tarballs): the licence, the package.json
// fields that link back to the repository, and README links that work on the registry's page.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** The repository on GitHub: package.json fields and the packages' README links point here. */
export const REPOSITORY = 'https://github.com/pirsch-node/pirsch-node';

/**
 * The `repository`, `homepage` and `bugs` every published package.json carries, for the package
 * in `directory` (e.g. `packages/core`).
 */
export function expectedLinks(directory) {
  return {
    repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory },
    homepage: `${REPOSITORY}/tree/main/${directory}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
  };
}

/** Markdown with fenced code blocks and inline code spans blanked out (their brackets are not links). */
function withoutCode(markdown) {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s{0,3}(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line.replace(/`+[^`]*`+/g, '``');
    })
    .join('\n');
}

/** Every link target of a Markdown text, outside code: links, images, reference definitions, HTML href and src. */
export function markdownLinks(markdown) {
  const text = withoutCode(markdown);
  const links = [];
  for (const match of text.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)) links.push(match[1]);
  for (const match of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)) links.push(match[1]);
  for (const match of text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) links.push(match[1]);
  return links;
}

/** The anchors GitHub (and the registry) give the headings of a Markdown text, e.g. `## The \`x\` option` -> `the-x-option`. */
export function headingAnchors(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s{0,3}(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*]/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * What is wrong with the links of a README that ships in a package (an empty list when nothing
 * is): a relative link must name a file packed with it (on the registry's page it resolves to
 * nothing else); a link into this repository on GitHub must name a file or folder that exists in
 * `root`, and an anchor a heading of its Markdown file.
 *
 * @param {{ readme: string, packedFiles: string[], read: (packedPath: string) => string, root: string }} pkg
 *   `packedFiles` are paths inside the package (`README.md`, `dist/index.js`); `read` reads one of them
 */
export function readmeLinkProblems({ readme, packedFiles, read, root }) {
  const problems = [];
  const inRepository = new RegExp(`^${REPOSITORY}/(?:blob|tree)/main/`);
  const anchorProblem = (link, markdown, anchor) => {
    if (anchor && !headingAnchors(markdown).has(decodeURIComponent(anchor))) problems.push(`${link}: no heading with the anchor #${anchor}`);
  };
  for (const link of markdownLinks(readme)) {
    const [target = '', anchor] = link.split('#');
    if (target === '') {
      anchorProblem(link, readme, anchor);
    } else if (inRepository.test(target)) {
      const path = decodeURIComponent(target.replace(inRepository, '')).replace(/\/$/, '');
      const file = join(root, path);
      if (!path || !existsSync(file)) problems.push(`${link}: ${path || '(empty path)'} does not exist in the repository`);
      else if (path.endsWith('.md')) anchorProblem(link, readFileSync(file, 'utf8'), anchor);
    } else if (!/^[a-z][a-z0-9+.-]*:|^\/\//i.test(link)) {
      const path = posix.normalize(decodeURIComponent(target)).replace(/^\.\//, '');
      if (!packedFiles.includes(path)) problems.push(`${link}: a relative link to a file that is not in the package (link ${REPOSITORY}/blob/main/... instead)`);
      else if (path.endsWith('.md')) anchorProblem(link, read(path), anchor);
    }
  }
  return problems;
}
