import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as adapter from './adapter.js';
import * as main from './index.js';
import * as web from './web.js';
import * as webNode from './web-node.js';

// The main entry is what apps use, `@pirsch-node/core/adapter` what adapters are built from; both
// are documented in full: every runtime export is named (in backticks) in the README, the
// adapter's in its "For adapter authors" section.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The README's text from the heading `title` to the next heading of the same level. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start === -1) throw new Error(`the README has no "## ${title}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** Names not written as code (`name`, or `name(...)`) in `text`. */
function undocumented(names: string[], text: string): string[] {
  return names.filter((name) => !new RegExp('`' + name + '[`(<.]').test(text));
}

describe('@pirsch-node/core', () => {
  it('exports what an app uses, each named in the README', () => {
    const names = Object.keys(main);
    expect(names).toContain('withPirsch');
    expect(names).toContain('createClient');
    expect(undocumented(names, readme)).toEqual([]);
  });

  it('leaves what only adapters need to @pirsch-node/core/adapter, and internals to no entry', () => {
    for (const name of ['createTracker', 'exposeTracker', 'resolveTrackingOptions', 'skipReason', 'fastifyTrustProxyProblem', 'expressTrustsNoProxy', 'ResolvedAddressContext', 'WrapperHelper', 'isWrapperHelper', 'markWrapperInUse', 'trackedByWrapper', 'ASSET_EXTENSIONS']) {
      expect(Object.keys(main), name).not.toContain(name);
      expect(Object.keys(adapter), name).toContain(name);
    }
    for (const name of ['ENQUEUE_OWNED_HIT', 'DEFAULT_FLUSH_TIMEOUT_MS', 'eventPayload', 'createApi']) {
      expect(Object.keys(main), name).not.toContain(name);
      expect(Object.keys(adapter), name).not.toContain(name);
    }
  });
});

describe('@pirsch-node/core/adapter', () => {
  it('exports each name the README\'s "For adapter authors" section explains, and nothing an app would import', () => {
    const names = Object.keys(adapter);
    expect(names.length).toBeGreaterThan(0);
    expect(undocumented(names, section('For adapter authors'))).toEqual([]);
    expect(names.filter((name) => name in main)).toEqual([]);
  });
});

describe('@pirsch-node/core/web', () => {
  it('exports the same names in its fetch build and its Node build, each named in the README\'s "Edge, serverless, Deno and Bun" section', () => {
    const names = Object.keys(web).sort();
    expect(names).toContain('createWebTracker');
    expect(names).toContain('createClient');
    expect(Object.keys(webNode).sort()).toEqual(names);
    expect(undocumented(names.filter((name) => !(name in main) || name === 'createClient'), section('Edge, serverless, Deno and Bun: `@pirsch-node/core/web`'))).toEqual([]);
    expect(undocumented(names, readme)).toEqual([]);
  });

  it('leaves Node-only exports out', () => {
    for (const name of ['withPirsch', 'hitFromRequest', 'requestClientHints']) expect(Object.keys(web), name).not.toContain(name);
  });
});
