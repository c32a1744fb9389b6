// The demo's command line: parsed and checked before anything is installed, built or started, so
// `--help` and a mistake answer at once. Nothing here may import a workspace package (they may
// not be built yet): scripts/run.mjs uses this module before the install and the build.
import { parseArgs } from 'node:util';

/** The example shops the demo can run, by `--framework` name. */
export const FRAMEWORK_NAMES = ['express', 'koa', 'fastify', 'nest', 'hono'];

export const USAGE = `Usage: npm run demo -- [options]

Starts the Pirsch API emulator and an example shop tracked by @pirsch-node, drives simulated
visitors through it, then shows what was delivered and the statistics read back from the API.

Options:
  --framework <name>   express (default), koa, fastify, nest or hono
  --visitors <n>       how many visitors to simulate (default 300; 0 for none, with --serve)
  --concurrency <n>    visitors browsing at the same time (default 16)
  --seed <n>           another seed plans other visitors (default 1)
  --serve              keep the shop and the emulator running afterwards, to browse it yourself
  --port <n>           the shop's port with --serve (default 3000, another if it is busy; 0 picks a free one)
  --no-latency         skip the added-latency measurement
  --build              build the packages first (npm run demo does)
  -h, --help           this help`;

const OPTIONS = {
  framework: { type: 'string', default: 'express' },
  visitors: { type: 'string', default: '300' },
  concurrency: { type: 'string', default: '16' },
  seed: { type: 'string', default: '1' },
  serve: { type: 'boolean', default: false },
  port: { type: 'string', default: '3000' },
  'no-latency': { type: 'boolean', default: false },
  build: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/**
 * Node's parseArgs reads `--visitors -3` as an option without its value followed by an option
 * `-3`; a negative number is meant as the value (and then refused as such, with a clear message).
 */
function joinNegativeNumbers(argv) {
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]?.startsWith('--') ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name && OPTIONS[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`--${name}=${next}`);
      i++;
    } else {
      args.push(argv[i]);
    }
  }
  return args;
}

/**
 * The demo's options from its arguments (without node and the script). Throws an Error whose
 * message says what is wrong with them, in the user's terms.
 */
export function parseOptions(argv) {
  const { values } = parseArgs({ args: joinNegativeNumbers(argv), options: OPTIONS });
  const count = (name, min, max = Number.MAX_SAFE_INTEGER) => {
    const text = values[name];
    const value = Number(text);
    if (!/^[+-]?\d+$/.test(text) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
      throw new Error(`--${name} must be a whole number, ${range} (got "${text}")`);
    }
    return value;
  };
  const framework = values.framework.toLowerCase();
  if (!FRAMEWORK_NAMES.includes(framework)) throw new Error(`--framework must be one of ${FRAMEWORK_NAMES.join(', ')}, got "${values.framework}"`);
  const options = {
    help: values.help,
    build: values.build,
    framework,
    visitors: count('visitors', 0),
    concurrency: count('concurrency', 1),
    seed: count('seed', 0),
    serve: values.serve,
    port: count('port', 0, 65535),
    latency: !values['no-latency'],
  };
  if (options.visitors === 0 && !options.serve && !options.help) {
    throw new Error('--visitors 0 simulates nobody, so there would be nothing to show: add --serve to browse the shop yourself, or give 1 or more visitors');
  }
  return options;
}

/**
 * Reads the command line: `{ options }` to run the demo, or `{ exitCode }` after answering it
 * itself: the usage for `--help` (0), what is wrong and the usage for a bad argument (2).
 */
export function readCommandLine(argv, { out = console.log, err = console.error } = {}) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    err(`demo: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return { exitCode: 2 };
  }
  if (options.help) {
    out(USAGE);
    return { exitCode: 0 };
  }
  return { options };
}

/** For scripts/run.mjs: the exit code when the command line was answered here, else undefined. */
export function answerCommandLine(argv) {
  return readCommandLine(argv).exitCode;
}
