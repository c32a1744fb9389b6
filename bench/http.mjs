// Throughput and latency: every framework in every variant, interleaved over rounds, with
// autocannon in this process, the app in its own (pinned) process and the API in a third.
import { Agent, get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { BREAKDOWN_VARIANTS, variantFits } from './apps.mjs';
import { APP_CORE, ask, startChild, stopChild } from './processes.mjs';

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

/** One autocannon run; resolves with its result. */
export function cannon(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** The value at percentile `p` (nearest rank) of sorted numbers. */
function percentile(sorted, p) {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Latency at a fixed request rate, with microsecond resolution (autocannon reports whole
 * milliseconds): `rate` GETs per second for `duration` s over `connections` keep-alive
 * connections, each timed from the moment it was issued (a request waiting for a free connection
 * counts that wait) to the end of its answer. Requests issued in the first `settleMs` (while the
 * connections open) are sent and awaited but not timed.
 */
export async function fixedRateLatency({ url, rate, duration, connections = 10, settleMs = 0 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.max(1, Math.round(rate * duration));
  const interval = 1000 / rate;
  const times = [];
  let errors = 0;
  const lag = monitorEventLoopDelay({ resolution: 1 });
  lag.enable();
  await new Promise((resolve) => {
    let issued = 0;
    let finished = 0;
    const started = performance.now();
    const done = () => {
      if (++finished === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      while (issued < due) {
        issued++;
        const sent = performance.now();
        const timed = sent - started >= settleMs;
        get(url, { agent, headers: BROWSER_HEADERS }, (res) => {
          res.resume();
          res.once('end', () => {
            if (timed) times.push(performance.now() - sent);
            done();
          });
        }).once('error', () => {
          errors++;
          done();
        });
      }
      if (issued < total) setTimeout(tick, 1);
    };
    tick();
  });
  lag.disable();
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1), count: times.length, errors, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 };
}

/**
 * Runs one measurement: a fresh app process for (framework, variant), a warm-up, the measured
 * run, then a stop that delivers what is left. Resolves with autocannon's numbers, the app's
 * counters and what the API received.
 */
export async function measure({ framework, variant, api, duration, warmup, connections, rate, latencyDuration }) {
  await api.call('reset');
  if (variant === 'hanging') await api.call('hang');
  const { child, ready } = await startChild('app-process.mjs', [framework, variant, api.url, api.accessKey], { core: APP_CORE });
  const mark = () => ask(child, 'mark', 'mark');
  const calibrate = async () => (await ask(child, 'calibrate', 'calibration')).ms;
  try {
    const load = { url: ready.url, headers: BROWSER_HEADERS };
    if (warmup > 0) await cannon({ ...load, connections, duration: warmup });
    // Throughput: as many requests as the connections can get answered, between two calibrations.
    const calibrationBefore = await calibrate();
    const before = await mark();
    const result = await cannon({ ...load, connections, duration });
    const after = await mark();
    const calibrationAfter = await calibrate();
    // Latency: a fixed rate well below every framework's capacity, so queueing does not dominate.
    const timed = latencyDuration > 0 ? await fixedRateLatency({ url: ready.url, rate, duration: latencyDuration }) : undefined;
    const app = await stopChild(child);
    const received = await api.call('counts');
    const servedInRun = after.served - before.served;
    return {
      framework,
      variant,
      rps: result.requests.average,
      // The app's own CPU time per request it served during the throughput run (all its threads,
      // delivery included): what the variant costs, whichever process was the bottleneck.
      cpuUsPerRequest: servedInRun > 0 ? (after.cpuUs - before.cpuUs) / servedInRun : Number.NaN,
      // Of which the kernel's (system time): socket reads and writes, for the app's own requests
      // and its POSTs to the API (on loopback the kernel's receive work for those runs here too).
      sysUsPerRequest: servedInRun > 0 ? (after.sysUs - before.sysUs) / servedInRun : Number.NaN,
      elu: after.elu,
      // The slower of the two calibrations around the throughput run (ms of CPU for a fixed piece of work).
      calibrationMs: Math.max(calibrationBefore, calibrationAfter),
      p50: timed ? timed.p50 : Number.NaN,
      p99: timed ? timed.p99 : Number.NaN,
      lagP99: timed ? timed.lagP99 : Number.NaN,
      lagMax: timed ? timed.lagMax : Number.NaN,
      loadedP99: result.latency.p99,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts + (timed?.errors ?? 0),
      served: app.served,
      app,
      received,
    };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

/** A run whose calibration took longer than this many times the lower quartile of the calibrations so far is measured again. */
export const DISTURBED_CALIBRATION = 1.25;
/** How many times a disturbed run is measured again at most; the least disturbed of them is kept. */
export const MAX_REPEATS = 2;

/**
 * Every framework and variant, `rounds` times, and the `breakdown` variants (partial ones that show
 * where the time goes; throughput only). Within a round the order of the variants rotates, so no
 * variant always runs first (on a cold machine) or last.
 */
export async function runHttp({ frameworks, variants, rounds, duration, warmup, connections, rate, latencyDuration, breakdown, api, log }) {
  const runs = [];
  const all = [...variants, ...breakdown];
  const allFor = (framework) => all.filter((variant) => variantFits(framework, variant));
  const total = rounds * frameworks.reduce((sum, framework) => sum + allFor(framework).length, 0);
  const record = (run) => {
    runs.push(run);
    const latency = Number.isNaN(run.p99) ? 'throughput only' : `p50 ${run.p50.toFixed(2)} ms  p99 ${run.p99.toFixed(2)} ms @ ${rate}/s (load lag p99 ${run.lagP99.toFixed(1)} max ${run.lagMax.toFixed(1)} ms)`;
    log(
      `[${String(runs.length).padStart(String(total).length)}/${total}] round ${run.round} ${run.framework.padEnd(7)} ${run.variant.padEnd(7)}${run.repeated ? ' (set aside)' : ''} ` +
        `${Math.round(run.rps).toString().padStart(6)} req/s  ${run.cpuUsPerRequest.toFixed(1).padStart(5)} µs CPU/req (sys ${run.sysUsPerRequest.toFixed(1).padStart(4)})  loop ${(run.elu * 100).toFixed(0).padStart(3)} % busy  calibration ${run.calibrationMs.toFixed(1)} ms  ` +
        `${latency}  served ${run.served}  received ${run.received.hits}`,
    );
  };
  // The reference calibration: the lower quartile of those seen so far (at least 4), robust to one
  // unusually fast measurement. A run measured while a neighbour slowed the app's core (its
  // calibration more than DISTURBED_CALIBRATION times the reference) is measured again.
  const calibrations = [];
  const reference = () => {
    if (calibrations.length < 4) return Number.POSITIVE_INFINITY;
    const sorted = [...calibrations].sort((x, y) => x - y);
    return sorted[Math.floor((sorted.length - 1) / 4)];
  };
  const disturbed = (run) => run.calibrationMs > reference() * DISTURBED_CALIBRATION;
  /** Measures `settings` again while `kept` looks disturbed; returns the least disturbed run. */
  const steady = async (kept, settings, round) => {
    while (disturbed(kept) && (kept.repeats ?? 0) < MAX_REPEATS) {
      log(`  disturbed: ${kept.framework} ${kept.variant} calibration ${kept.calibrationMs.toFixed(1)} ms vs reference ${reference().toFixed(1)} ms; measuring again`);
      const again = { ...(await measure(settings)), round };
      calibrations.push(again.calibrationMs);
      const repeats = (kept.repeats ?? 0) + 1;
      // The least disturbed is kept; the other stays in the record (every hit of every run must arrive).
      const [better, worse] = again.calibrationMs < kept.calibrationMs ? [again, kept] : [kept, again];
      record({ ...worse, repeated: true });
      kept = { ...better, repeats };
    }
    return kept;
  };
  for (let round = 0; round < rounds; round++) {
    for (const framework of frameworks) {
      const mine = allFor(framework);
      const order = mine.map((_, i) => mine[(i + round) % mine.length]);
      for (const variant of order) {
        const partial = BREAKDOWN_VARIANTS.includes(variant);
        const settings = { framework, variant, api, duration, warmup, connections, rate, latencyDuration: partial ? 0 : latencyDuration };
        const first = { ...(await measure(settings)), round: round + 1 };
        calibrations.push(first.calibrationMs);
        const run = await steady(first, settings, round + 1);
        record(run);
      }
    }
  }
  return runs;
}
