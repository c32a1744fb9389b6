// Throughput and latency: every framework in every variant, interleaved over rounds, with
// autocannon in this process, the app in its own (pinned) process and the emulator in a third.
import autocannon from 'autocannon';
import { APP_CORE, exited, nextMessage, startChild } from './processes.mjs';

/** Headers a browser sends, so extraction does its real work. */
export const BROWSER_HEADERS = {
  'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'accept-language': 'de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  referer: 'https://www.google.com/',
  'sec-ch-ua': '"Chromium";v="126", "Google Chrome";v="126", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Windows"',
};

function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * Runs one measurement: a fresh app process for (framework, variant), a warm-up, the measured
 * run, then a stop that delivers what is left. Resolves with autocannon's numbers, the app's
 * counters and what the emulator received.
 */
export async function measure({ framework, variant, emulator, duration, warmup, connections }) {
  await emulator.call('reset');
  if (variant === 'hanging') await emulator.call('hang');
  const { child, ready } = await startChild('app-process.mjs', [framework, variant, emulator.url, emulator.accessKey], { core: APP_CORE });
  try {
    const load = { url: ready.url, connections, headers: BROWSER_HEADERS };
    if (warmup > 0) await cannon({ ...load, duration: warmup });
    const result = await cannon({ ...load, duration });
    const stopped = nextMessage(child, 'stopped', 60_000);
    child.send({ cmd: 'stop' });
    const app = await stopped;
    await exited(child);
    const received = await emulator.call('counts');
    return {
      framework,
      variant,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      served: app.served,
      app,
      received,
    };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/**
 * Every framework and variant, `rounds` times. Within a round the order of the variants rotates,
 * so no variant always runs first (on a cold machine) or last.
 */
export async function runHttp({ frameworks, variants, rounds, duration, warmup, connections, emulator, log }) {
  const runs = [];
  const total = rounds * frameworks.length * variants.length;
  for (let round = 0; round < rounds; round++) {
    for (const framework of frameworks) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        const run = await measure({ framework, variant, emulator, duration, warmup, connections });
        run.round = round + 1;
        runs.push(run);
        log(
          `[${String(runs.length).padStart(String(total).length)}/${total}] round ${round + 1} ${framework.padEnd(7)} ${variant.padEnd(7)} ` +
            `${Math.round(run.rps).toString().padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  served ${run.served}  hits received ${run.received.hits}`,
        );
      }
    }
  }
  return runs;
}
