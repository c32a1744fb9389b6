#!/usr/bin/env node
// Hono, which `npm run bench` does not run, on Node (@hono/node-server), Bun and Deno: the app's
// CPU time per request (all its threads, from /proc), bare and with our middleware, each in a
// fresh process pinned to its own core, under 50 connections (as bench/run.mjs measures "app CPU
// µs/req"), the variants alternating over rounds. The app is bench/hono-app.mjs; it delivers to
// the bench's counting API (bench/api-process.mjs) in another process. Bun and Deno are the
// binaries @pirsch-node/hono's runtime tests install. Linux only (/proc). Prints the medians;
// writes nothing. Never part of the tests.
//
//   node bench/hono.mjs [--runtimes node,bun,deno] [--rounds 3] [--seconds 5]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BROWSER_HEADERS, cannon } from './http.mjs';
import { APP_CORE, CAN_PIN, LOAD_CORE, pinProcess, startChild } from './processes.mjs';
import { median } from './report.mjs';

const { values } = parseArgs({
  options: {
    runtimes: { type: 'string', default: 'node,bun,deno' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const appFile = join(here, 'hono-app.mjs');
const fromHono = createRequire(join(here, '..', 'packages', 'hono', 'package.json'));
const VARIANTS = ['bare', 'ours'];

/** The binary's path, from the npm package that carries it (the runtime tests' devDependencies). */
function binary(name) {
  const dir = dirname(fromHono.resolve(`${name}/package.json`));
  return name === 'bun' ? join(dir, 'bin', 'bun.exe') : join(dir, 'deno');
}

/** Deno is given a bundle (it reads no node_modules without a config): made once, with esbuild. */
async function denoBundle(dir) {
  const esbuild = await import(fromHono.resolve('esbuild'));
  const outfile = join(dir, 'hono-app.deno.mjs');
  await esbuild.build({ entryPoints: [appFile], bundle: true, format: 'esm', platform: 'neutral', conditions: ['deno', 'import'], mainFields: ['module', 'main'], external: ['node:*'], outfile, logLevel: 'error' });
  return outfile;
}

/** The process's CPU time so far (user + system), in µs. */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks of 10 ms
}

function startApp(command, args) {
  const child = spawn(CAN_PIN ? 'taskset' : command, CAN_PIN ? ['-c', String(APP_CORE), command, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: here, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const port = /PORT (\d+)/.exec(output)?.[1];
      if (port !== undefined) resolve({ child, url: `http://127.0.0.1:${port}/` });
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it listened`)));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'pirsch-bench-hono-'));
pinProcess(LOAD_CORE);
const { child: apiChild, ready: api } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
const results = [];
try {
  for (const runtime of values.runtimes.split(',')) {
    let command = process.execPath;
    let args = [appFile];
    if (runtime === 'bun') args = ['run', appFile];
    if (runtime === 'deno') args = ['run', '--allow-net=127.0.0.1', '--allow-env', '--no-config', '--no-lock', await denoBundle(scratch)];
    if (runtime !== 'node') command = binary(runtime);
    if (!existsSync(command)) throw new Error(`${runtime}: no binary at ${command} (run the workspace install)`);
    const perRequest = new Map(VARIANTS.map((variant) => [variant, []]));
    for (let round = 1; round <= Number(values.rounds); round++) {
      for (const variant of VARIANTS) {
        const { child, url } = await startApp(command, [...args, variant, api.url, api.accessKey]);
        try {
          await cannon({ url, connections: 50, duration: 3, headers: BROWSER_HEADERS });
          const before = cpuUs(child.pid);
          const load = await cannon({ url, connections: 50, duration: Number(values.seconds), headers: BROWSER_HEADERS });
          const us = (cpuUs(child.pid) - before) / load.requests.total;
          perRequest.get(variant).push(us);
          console.log(`${runtime} round ${round} ${variant.padEnd(4)} ${us.toFixed(1)} µs/req, ${Math.round(load.requests.average)} req/s`);
        } finally {
          child.kill('SIGKILL');
        }
      }
    }
    results.push({ runtime, bare: median(perRequest.get('bare')), ours: median(perRequest.get('ours')), rounds: Number(values.rounds) });
  }
} finally {
  apiChild.kill();
  rmSync(scratch, { recursive: true, force: true });
}
for (const { runtime, bare, ours, rounds } of results) {
  console.log(`hono on ${runtime}: bare ${bare.toFixed(1)} µs/req, ours ${ours.toFixed(1)} µs/req (capacity vs bare ${(bare / ours).toFixed(2)}), medians of ${rounds}`);
}
