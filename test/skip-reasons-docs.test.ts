import { readFileSync } from 'node:fs';
import { SKIP_REASONS } from '@pirsch-node/core';
import { describe, expect, it } from 'vitest';

// Where a README lists the reasons `skipped` counts, it lists every one of them and nothing else:
// a reader who looks for `skipped.bot` in Koa's list must find it there (it was missing).
const LISTS: ReadonlyArray<readonly [file: string, opening: RegExp, inOrder: boolean]> = [
  ['README.md', /What was not tracked is counted per reason[^:]*:/, true],
  ['packages/express/README.md', /`tracking\.skipped` \(counts per reason:/, false],
  ['packages/koa/README.md', /`tracking\.skipped` \(counts per reason:/, false],
  ['packages/fastify/README.md', /`app\.pirschTracking\.skipped` \(counts per reason:/, false],
  ['packages/hono/README.md', /`tracking\.skipped` \(counts per reason:/, false],
  ['packages/nest/README.md', /`tracker\.skipped` \(counts per reason:/, false],
];

/** The backticked names after `opening`, up to the sentence's or parenthesis' end. */
function reasonsListed(text: string, opening: RegExp): string[] {
  const found = opening.exec(text);
  if (found === null) throw new Error(`no list opening with ${opening}`);
  const rest = text.slice(found.index + found[0].length);
  const end = rest.search(/\)|\.\s|,\s*checked/);
  return [...rest.slice(0, end).matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

describe('the READMEs list every skip reason', () => {
  for (const [file, opening, inOrder] of LISTS) {
    it(`${file}`, () => {
      const listed = reasonsListed(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), opening);
      if (inOrder) expect(listed).toEqual([...SKIP_REASONS]);
      else expect([...listed].sort()).toEqual([...SKIP_REASONS].sort());
    });
  }

  it('reads a list as far as its end, and no further', () => {
    const text = 'x `tracking.skipped` (counts per reason: `method`, `bot`): for `debugging`.';
    expect(reasonsListed(text, /`tracking\.skipped` \(counts per reason:/)).toEqual(['method', 'bot']);
    expect(reasonsListed('What was not tracked is counted per reason (see): `a`, `b`, checked in that order. `c`', /What was not tracked is counted per reason[^:]*:/)).toEqual(['a', 'b']);
  });
});
