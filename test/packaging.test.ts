import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Loads the BUILT packages (the test command builds first) through their exports maps,
// both with require() and with import, from a workspace package that depends on them.
const run = promisify(execFile);
const cwd = fileURLToPath(new URL('.', import.meta.url));

const expectedExports: Record<string, string[]> = {
  '@pirsch-node/core': ['createClient', 'hitFromRequest', 'hitFromWebRequest', 'createTracker', 'PirschApiError', 'PirschNetworkError', 'PirschConfigError'],
  '@pirsch-node/testing': ['createPirschEmulator'],
  '@pirsch-node/express': ['pirsch'],
  '@pirsch-node/koa': ['pirsch'],
  '@pirsch-node/fastify': ['pirsch'],
  '@pirsch-node/nest': ['PirschModule', 'PirschService'],
};

async function exportsOf(mode: 'require' | 'import', name: string): Promise<string[]> {
  const code =
    mode === 'require'
      ? `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(name)}))))`
      : `import(${JSON.stringify(name)}).then((m) => process.stdout.write(JSON.stringify(Object.keys(m))))`;
  const { stdout } = await run(process.execPath, ['-e', code], { cwd });
  return JSON.parse(stdout) as string[];
}

describe.each(Object.entries(expectedExports))('%s', (name, names) => {
  it.each(['require', 'import'] as const)('loads with %s', async (mode) => {
    const keys = await exportsOf(mode, name);
    for (const expected of names) expect(keys).toContain(expected);
  });
});
