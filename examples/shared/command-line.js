// What every example does when it is run directly (`node examples/<framework>/server.js`):
// send to the Pirsch API named by PIRSCH_* variables or, when none is set, to an emulator started
// in-process; listen; on SIGINT/SIGTERM close the server, deliver what is queued, and say so.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const VARIABLES = { accessKey: 'PIRSCH_ACCESS_KEY', clientId: 'PIRSCH_CLIENT_ID', clientSecret: 'PIRSCH_CLIENT_SECRET', baseUrl: 'PIRSCH_BASE_URL' };

/** The Pirsch client options from PIRSCH_* variables, or undefined when none is set. */
export function pirschOptionsFromEnvironment(env = process.env) {
  const options = {};
  for (const [option, variable] of Object.entries(VARIABLES)) {
    if (env[variable]) options[option] = env[variable];
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/**
 * Runs an example app when its module is the script node was started with; does nothing when the
 * module is imported (by the demo, the benchmarks or the tests).
 *
 * @param {string} moduleUrl the example's `import.meta.url`
 * @param {{
 *   name: string,
 *   start: (options: object) => Promise<{ url: string, client: { metrics: object }, close: () => Promise<void> }>,
 *   startOptions?: object,
 *   loadTesting: () => Promise<{ createPirschEmulator: Function }>,
 * }} example `loadTesting` imports @pirsch-node/testing from the example's own dependencies
 */
export function runFromCommandLine(moduleUrl, example) {
  const script = process.argv[1];
  if (script === undefined || realpathSync(script) !== fileURLToPath(moduleUrl)) return;
  main(example).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}

async function main({ name, start, startOptions = {}, loadTesting }) {
  let emulator;
  let options = pirschOptionsFromEnvironment();
  if (options) {
    console.log(`Sending to ${options.baseUrl ?? 'the Pirsch API'}`);
  } else {
    const { createPirschEmulator } = await loadTesting();
    emulator = await createPirschEmulator({ maxRecorded: 1000, dashboard: true });
    emulator.on('hit', (hit) => console.log(`[emulator] page view ${hit.url}${hit.title ? ` "${hit.title}"` : ''}`));
    emulator.on('event', (event) => console.log(`[emulator] event ${event.event_name} ${JSON.stringify(event.event_meta ?? {})} on ${event.url}`));
    options = { baseUrl: emulator.url, accessKey: emulator.accessKey };
    console.log(`No PIRSCH_* variable set: sending to the emulator at ${emulator.url} (its dashboard: ${emulator.url}/)`);
  }

  const app = await start({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1', ...startOptions, pirsch: options });
  console.log(`${name} listening on ${app.url}`);

  const stop = async (signal) => {
    console.log(`${signal}: closing the server, then delivering what is queued...`);
    await app.close();
    const { sent, dropped, failed } = app.client.metrics;
    console.log(`Delivered: ${sent}, dropped: ${dropped}, failed: ${failed}`);
    if (emulator) await emulator.close();
    console.log('Bye.');
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void stop(signal));
}

/**
 * Listens with a Node HTTP server and returns what `start()` of an example returns: its URL, the
 * client, and `close()`, which stops accepting connections, lets open requests finish, then
 * delivers what is queued (`shutdown`).
 *
 * @param {(onListening: (error?: Error) => void) => import('node:http').Server} listen e.g. `(done) => app.listen(port, host, done)`
 *   (Express 5 hands a listen error to the callback; others emit 'error')
 * @param {{ client: object, shutdown: (timeoutMs?: number) => Promise<void> }} tracking the adapter's middleware
 */
export async function serve(listen, tracking) {
  const server = await new Promise((resolve, reject) => {
    const listening = listen((error) => (error ? reject(error) : resolve(listening)));
    listening.once('error', reject);
  });
  const address = server.address();
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let closing;
  return {
    url,
    client: tracking.client,
    close() {
      closing ??= (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await tracking.shutdown(5000);
      })();
      return closing;
    },
  };
}
