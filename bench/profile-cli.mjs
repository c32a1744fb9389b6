// What bench/shares.mjs and bench/split.mjs share as command-line tools: their options, the
// bench's API in a process of its own, and the report written to a file or printed.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOAD_CORE, exited, ipcCaller, measuredCommit, pinProcess, startChild } from './processes.mjs';
import { renderChecks } from './report.mjs';

/**
 * Parses the command line: `frameworks` and `variants` (their defaults given), the profiling
 * settings, `--out` (default `report` in the repository), `--no-write`, `--keep`, `--results`
 * (where to save every run, as JSON) and `--from-results` (render such a file again, measuring
 * nothing). Resolves with { frameworks, variants, settings, out, noWrite, keep, results, fromResults }.
 */
export function profileCommandLine({ frameworks, variants, report }) {
  const { values } = parseArgs({
    options: {
      frameworks: { type: 'string', default: frameworks },
      variants: { type: 'string', default: variants },
      repeats: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '5' },
      duration: { type: 'string', default: '8' },
      'interval-us': { type: 'string', default: '250' },
      connections: { type: 'string', default: '50' },
      out: { type: 'string', default: join(fileURLToPath(new URL('..', import.meta.url)), report) },
      'no-write': { type: 'boolean', default: false },
      keep: { type: 'string' },
      results: { type: 'string' },
      'from-results': { type: 'string' },
    },
  });
  return {
    frameworks: values.frameworks.split(',').filter(Boolean),
    variants: values.variants.split(',').filter(Boolean),
    settings: {
      repeats: Math.max(1, Number(values.repeats)),
      warmup: Number(values.warmup),
      duration: Math.max(1, Number(values.duration)),
      intervalUs: Math.max(50, Number(values['interval-us'])),
      connections: Math.max(1, Number(values.connections)),
    },
    out: values.out,
    noWrite: values['no-write'],
    keep: values.keep,
    results: values.results,
    fromResults: values['from-results'],
  };
}

/**
 * Runs `measure(api)` with the bench's API (bench/api-process.mjs) in a process of its own, this
 * process and the API pinned to the load's core, and saves the runs to `options.results` if set;
 * or, given `saved` (savedRun()'s: the runs a former call saved), measures nothing. Then writes
 * the report to `options.out` (printed with `options.noWrite`): `title`, a line saying when, where
 * and at which commit `tool` measured, the lines `render(results, settings)` gives (the settings it
 * measured with), and the targets `checks(results)` gives.
 */
export async function runProfileTool({ tool, title, options, saved, settings, measure, render, checks, log }) {
  let run;
  if (saved !== undefined) {
    run = { ...saved, results: new Map(Object.entries(saved.results)) };
    log(`${tool}: rendering ${options.fromResults} again (measured at ${saved.commit})`);
  } else {
    pinProcess(LOAD_CORE);
    const startedAt = new Date();
    const { child: apiChild, ready } = await startChild('api-process.mjs', [], { core: LOAD_CORE });
    const api = { url: ready.url, accessKey: ready.accessKey, call: ipcCaller(apiChild) };
    let measured;
    try {
      measured = await measure(api);
    } finally {
      apiChild.disconnect();
      await exited(apiChild);
    }
    const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
    run = { settings, results: measured, commit: measuredCommit(), startedAt: startedAt.toISOString(), seconds, machine: `${cpus()[0]?.model.trim() ?? 'unknown'} (${cpus().length} cores)`, node: process.version };
    if (options.results !== undefined) {
      writeFileSync(options.results, `${JSON.stringify({ ...run, results: Object.fromEntries(measured) }, null, 1)}\n`);
      log(`${tool}: saved every run to ${options.results}`);
    }
  }
  const { results } = run;
  const targets = checks(results);
  const markdown = [
    `# ${title}`,
    '',
    `Written by \`node ${tool}\` on ${run.startedAt.slice(0, 10)} at commit ${run.commit}, on ${run.machine}, Node ${run.node}, in ${run.seconds} s. Loopback only.`,
    '',
    ...render(results, run.settings),
    ...renderChecks(targets),
  ].join('\n');
  if (options.noWrite) console.log(markdown);
  else {
    writeFileSync(options.out, markdown);
    log(`${tool}: wrote ${options.out}`);
  }
  for (const check of targets) log(`  ${check.ok === false ? 'MISSED' : check.ok ? 'met   ' : '      '}  ${check.what}: ${check.actual} (wanted ${check.target})`);
}

/**
 * The run `--from-results <file>` names on this process's command line, as saved (settings,
 * results as an object keyed "framework variant", commit...), or undefined without the option.
 */
export function savedRun(argv = process.argv) {
  const at = argv.indexOf('--from-results');
  const file = at === -1 ? argv.find((arg) => arg.startsWith('--from-results='))?.slice('--from-results='.length) : argv[at + 1];
  return file === undefined ? undefined : JSON.parse(readFileSync(file, 'utf8'));
}
