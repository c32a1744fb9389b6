import { parseArgs } from 'node:util';
import { DEFAULT_RATE_LIMIT_WINDOW_MS, createPirschEmulator, type PirschEmulator } from './emulator.js';
import type { ReceivedEvent, ReceivedHit, ReceivedSession, RecordedRequest } from './store.js';
import { parseUserAgent } from './user-agent.js';

/** Where the CLI writes and which signals stop it; every field defaults to the real process. */
export interface CliIo {
  /** Receives each output line (without a newline). Default: standard output. */
  out?: (line: string) => void;
  /** Receives each error line. Default: standard error. */
  err?: (line: string) => void;
  /** Emits `SIGINT` and `SIGTERM`. Default: `process`. */
  signals?: { once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown; off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown };
  /** Called once the emulator listens. */
  onReady?: (emulator: PirschEmulator) => void;
}

/** The port the CLI listens on unless `--port` says otherwise. */
export const DEFAULT_CLI_PORT = 8765;

/** How many hits, events, sessions and requests the CLI keeps each (it may run for days). */
const CLI_MAX_RECORDED = 10_000;

const USAGE = `Usage: pirsch-emulator [options]

A Pirsch API emulator on loopback: point an SDK's base URL at it and watch hits arrive.

Options:
  --port <n>             port to listen on (default ${DEFAULT_CLI_PORT}; 0 picks a free one)
  --host <address>       interface to listen on (default 127.0.0.1)
  --client-id <id>       client ID accepted by POST /api/v1/token (default test-client-id)
  --client-secret <s>    client secret accepted by POST /api/v1/token (default test-client-secret)
  --access-key <key>     access key accepted on ingest endpoints (default pa_test_access_key)
  --rate-limit <n[/ms]>  answer 429 past n requests per window of ms (default ${DEFAULT_RATE_LIMIT_WINDOW_MS}), with
                         X-RateLimit-* headers on every answer (default: no limit)
  --no-dashboard         do not serve the dashboard at / (statistics, a live feed, fault switches)
  --quiet                print only the start banner, not a line per hit, event or session
  -h, --help             show this help`;

/**
 * Runs the `pirsch-emulator` command: starts an emulator with its dashboard (unless
 * `--no-dashboard`), prints its URL and credentials and a line per hit, event and session, and stops on SIGINT or SIGTERM. Resolves with the exit code:
 * 0 after a clean stop or `--help`, 1 when it could not listen, 2 for bad arguments.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const signals = io.signals ?? process;

  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'access-key': { type: 'string' },
        'rate-limit': { type: 'string' },
        'no-dashboard': { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    err(`pirsch-emulator: ${error instanceof Error ? error.message : String(error)}`);
    err(USAGE);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_CLI_PORT : /^\d+$/.test(values.port) ? Number(values.port) : Number.NaN;
  let rateLimit: { requests: number; windowMs: number } | undefined;
  if (values['rate-limit'] !== undefined) {
    const match = /^(\d+)(?:\/(\d+))?$/.exec(values['rate-limit']);
    if (!match) {
      err('pirsch-emulator: --rate-limit must be <requests> or <requests>/<ms>');
      err(USAGE);
      return 2;
    }
    // Out-of-range numbers (0 requests, a 0 ms window) are refused by createPirschEmulator below.
    rateLimit = { requests: Number(match[1]), windowMs: match[2] === undefined ? DEFAULT_RATE_LIMIT_WINDOW_MS : Number(match[2]) };
  }

  let emulator: PirschEmulator;
  try {
    emulator = await createPirschEmulator({
      port,
      ...(values.host === undefined ? {} : { host: values.host }),
      ...(values['client-id'] === undefined ? {} : { clientId: values['client-id'] }),
      ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
      ...(values['access-key'] === undefined ? {} : { accessKey: values['access-key'] }),
      maxRecorded: CLI_MAX_RECORDED,
      dashboard: !values['no-dashboard'],
      ...(rateLimit === undefined ? {} : { rateLimit }),
    });
  } catch (error) {
    if (error instanceof RangeError) {
      err(`pirsch-emulator: ${error.message.replace(/^createPirschEmulator: option "(\w+)"/, (_, option: string) => `--${kebab(option)}`)}`);
      err(USAGE);
      return 2;
    }
    const code = (error as NodeJS.ErrnoException).code;
    err(
      code === 'EADDRINUSE'
        ? `pirsch-emulator: port ${port} is already in use (try --port 0 for a free one)`
        : `pirsch-emulator: could not listen: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }

  out(`Pirsch API emulator listening on ${emulator.url}`);
  if (!values['no-dashboard']) out(`  dashboard:     ${emulator.url}/`);
  out(`  client ID:     ${emulator.clientId}`);
  out(`  client secret: ${emulator.clientSecret}`);
  out(`  access key:    ${emulator.accessKey}`);
  if (rateLimit !== undefined) out(`  rate limit:    ${rateLimit.requests} requests per ${rateLimit.windowMs} ms`);
  out('Press Ctrl+C to stop.');
  if (!values.quiet) {
    emulator.on('hit', (hit) => out(describeHit(hit)));
    emulator.on('event', (event) => out(describeEvent(event)));
    emulator.on('session', (session) => out(describeSession(session)));
    emulator.on('request', (request) => {
      if (request.status !== 200) out(describeRefusal(request));
    });
  }
  io.onReady?.(emulator);

  await new Promise<void>((resolve) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
  });
  out('Stopping.');
  await emulator.close();
  return 0;
}

/** One output line for a hit: time, kind, URL, IP and a short user agent. */
function describeHit(hit: ReceivedHit): string {
  return line(hit.time, 'hit', [hit.url, hit.ip, shortUserAgent(hit.user_agent)]);
}

/** One output line for an event: time, kind, name, URL, IP and a short user agent. */
function describeEvent(event: ReceivedEvent): string {
  return line(event.time, 'event', [JSON.stringify(event.event_name), event.url, event.ip, shortUserAgent(event.user_agent)]);
}

/** One output line for a session keep-alive. */
function describeSession(session: ReceivedSession): string {
  return line(session.time, 'session', [session.url ?? '', session.ip, shortUserAgent(session.user_agent)]);
}

/** One output line for a request that was not answered with 200 (0: hung or reset). */
function describeRefusal(request: RecordedRequest): string {
  const outcome = request.status === 0 ? 'no answer (fault)' : String(request.status);
  return line(request.time.toISOString(), 'refused', [`${request.method} ${request.path}`, outcome]);
}

function line(time: string, kind: string, fields: string[]): string {
  return [clock(time), kind.padEnd(7), ...fields.filter((field) => field !== '')].join('  ');
}

/** `HH:MM:SS` in local time, or the raw value when it is not a time. */
function clock(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return time;
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

/** `Chrome 91.0 / Windows`, `bot`, or the first 40 characters when nothing is recognised. */
function shortUserAgent(userAgent: string): string {
  const parsed = parseUserAgent(userAgent);
  const browser = [parsed.browser, parsed.browserVersion].filter(Boolean).join(' ');
  const described = [browser, parsed.os].filter(Boolean).join(' / ');
  if (parsed.bot) return described ? `bot (${described})` : `bot (${userAgent.slice(0, 40)})`;
  return described || userAgent.slice(0, 40);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
