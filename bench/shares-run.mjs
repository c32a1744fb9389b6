// Profiles of running apps and what they say (bench/shares.mjs on its own, `npm run bench` after
// its HTTP runs): each app in its own process under load, V8's profiler started in the app after a
// warm-up, the samples given to their owners (bench/shares-analysis.mjs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BROWSER_HEADERS, cannon } from './http.mjs';
import { APP_CORE, CAN_PIN, ask, startChild, stopChild } from './processes.mjs';
import { TARGETS, median } from './report.mjs';
import { attribute, capacityFromShares } from './shares-analysis.mjs';

/** Capacity targets of issue 15 (bare / ours), as the rest of the report has them. */
const SHARE_TARGETS = TARGETS.capacityRatio;
/** Variants that track in front of the app: no framework hook of ours to dispatch. */
const IN_FRONT = (framework, variant) => variant === 'wrapped' || variant === 'least-wrapped' || (framework === 'nest' && variant === 'ours');

/**
 * Profiles every { framework, variant } of `pairs` `repeats` times (the repeats outermost), each in
 * a new app process: `warmup` s of load, then `duration` s profiled every `intervalUs` µs.
 * `api` is { url, accessKey, call } of a running bench/api-process.mjs. Resolves with a Map from
 * "framework variant" to the list of runs (attribute()'s result plus rps, served, hits, posts).
 */
export async function measureShares({ pairs, repeats, warmup, duration, intervalUs, connections, api, log, keep }) {
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'pirsch-shares-'));
  mkdirSync(dir, { recursive: true });
  const results = new Map(pairs.map(({ framework, variant }) => [`${framework} ${variant}`, []]));
  try {
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const { framework, variant } of pairs) {
        await api.call('reset');
        const { child, ready } = await startChild('app-process.mjs', [framework, variant, api.url, api.accessKey], { core: APP_CORE });
        const load = { url: ready.url, connections, headers: BROWSER_HEADERS };
        if (warmup > 0) await cannon({ ...load, duration: warmup });
        await ask(child, 'profile-start', 'profiling', { intervalUs });
        const result = await cannon({ ...load, duration });
        const file = join(dir, `${framework}-${variant}-${repeat}.cpuprofile`);
        const { mainShare } = await ask(child, 'profile-stop', 'profiled', { file });
        const app = await stopChild(child, 120_000);
        const counts = await api.call('counts');
        const shares = attribute(JSON.parse(readFileSync(file, 'utf8')));
        results.get(`${framework} ${variant}`).push({ ...shares, mainShare, rps: result.requests.average, served: app.served, hits: counts.hits ?? 0, posts: counts.ingestPosts ?? 0 });
        log(
          `  shares ${repeat}/${repeats} ${`${framework} ${variant}`.padEnd(16)} ${Math.round(result.requests.average).toString().padStart(5)} req/s  ` +
            `ours ${pct(shares.ours)} (track ${pct(shares.phases.track)}, serialise ${pct(shares.phases.serialise)}, post ${pct(shares.phases.post)})  gc ${pct(shares.gc)}  ` +
            `main thread ${pct(mainShare, 1)} of the CPU  ${shares.busy} busy samples`,
        );
      }
    }
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function pct(share, digits = 2) {
  return `${(share * 100).toFixed(digits)} %`;
}

/**
 * Per framework and variant: the median shares and the capacity they give. Capacity per repeat
 * takes that repeat's bare GC share (the repeats are outermost, so bare ran just before it).
 */
export function summarizeShares(pairs, results) {
  const rows = [];
  for (const { framework, variant } of pairs) {
    const list = results.get(`${framework} ${variant}`) ?? [];
    if (list.length === 0) continue;
    const bares = results.get(`${framework} bare`) ?? [];
    const capacities =
      variant === 'bare' || bares.length === 0 ? [] : list.map((run, index) => capacityFromShares(run, bares[index] ?? bares[0]));
    const of = (key) => median(list.map(key));
    rows.push({
      framework,
      variant,
      runs: list.length,
      rps: of((run) => run.rps),
      ours: of((run) => run.ours),
      oursLow: Math.min(...list.map((run) => run.ours)),
      oursHigh: Math.max(...list.map((run) => run.ours)),
      track: of((run) => run.phases.track),
      serialise: of((run) => run.phases.serialise),
      post: of((run) => run.phases.post),
      gc: of((run) => run.gc),
      mainShare: of((run) => run.mainShare ?? 1),
      capacity: capacities.length ? median(capacities) : undefined,
      capacityLow: capacities.length ? Math.min(...capacities) : undefined,
      capacityHigh: capacities.length ? Math.max(...capacities) : undefined,
      inFront: IN_FRONT(framework, variant),
      hitsPerPost: list.reduce((sum, run) => sum + run.hits, 0) / Math.max(1, list.reduce((sum, run) => sum + run.posts, 0)),
      top: [...list].sort((a, b) => a.ours - b.ours)[Math.floor(list.length / 2)].top,
    });
  }
  return rows;
}

/** What a variant other than our adapter is, in the checks. */
const VARIANT_KINDS = {
  wrapped: 'withPirsch in front of the app',
  naive: 'our adapter into the least sender (bench/least.mjs)',
  least: 'the least tracking and sending any in-process middleware does (bench/least.mjs), no code of ours',
  'least-wrapped': 'the least tracking and sending any in-process design does, in front of the app (bench/least.mjs), no code of ours',
};

/**
 * The targets as the shares see them. Capacity from the shares is an upper bound (see
 * capacityFromShares): below a target it is a miss; at or above it, not a hit.
 */
export function shareChecks(rows) {
  return rows
    .filter((row) => row.capacity !== undefined && SHARE_TARGETS[row.framework] !== undefined)
    .map((row) => {
      const target = SHARE_TARGETS[row.framework];
      const kind = VARIANT_KINDS[row.variant] ?? (row.inFront ? 'our module in front of Express' : `our ${row.framework === 'fastify' ? 'plugin' : 'middleware'}`);
      return {
        what: `${row.framework}: capacity from profiles, at most (${kind}; from the shares, median of ${row.runs} repeats)`,
        target: `>= ${target} of bare`,
        actual:
          `at most ${row.capacity.toFixed(3)} (${row.capacityLow.toFixed(3)} to ${row.capacityHigh.toFixed(3)}); ours ${pct(row.ours)} of the main thread's CPU` +
          (row.capacity >= target ? ': not ruled out, not shown' : ': below the target even so'),
        ok: row.capacity >= target ? undefined : false,
      };
    });
}

/** The report's section: the table, our functions with the most samples, every run. */
export function renderShares(rows, results, { repeats, warmup, duration, intervalUs, connections }) {
  const lines = [
    `Each app runs in its own process${CAN_PIN ? ' on core 0 (the load generator and the API on core 1)' : ''}, warms up for ${warmup} s under ${connections} connections, then V8's profiler, started inside the app, samples it every ${intervalUs} µs for ${duration} s of the same load. ${repeats} repeats, each app in a new process each time, the repeats outermost (every app of a repeat, then the next repeat).`,
    '',
    "A sample is **ours** when the first frame on its stack that is not Node's own code or V8's belongs to our packages, to undici (only our delivery uses undici in these apps) or to the bench's least tracking and sending (bench/least.mjs, the `naive` and `least` variants): the code that asked for the work. A socket write undici makes for our POST is ours; one Express makes for its response is Express's. Our wrapper in front of Express owns only what it does itself, not the app it calls. The framework and our code are sampled in the same process over the same seconds, so a neighbour that slows the machine slows both alike: the share keeps far less of the noise that moves capacity measured across processes.",
    '',
    "**Capacity from the shares, at most.** The profile sees the main thread; /proc gives the main thread's part of the process's CPU time (`main`; the rest is the garbage collector's helpers and the JIT's compilers; the profiler's own sampling thread is left out, and the times are schedstat's nanoseconds). Of the main thread's samples, those neither ours nor the garbage collector's are the framework's own work, so capacity (bare / ours, CPU per request) ≤ (1 − ours − GC) × main / ((1 − GC) × main of bare), which counts the change in GC and in the other threads. It is an upper bound, for every variant: it takes the framework's own work per request to be the same with us, and our code can only add to it, by a framework's dispatch of our middleware or hook (its frames, not ours; `empty` above measures it) and by what our work takes from the framework's (the caches and memory a batch of some 500 hits and its 200 KB of JSON take, where the framework's next requests then miss). Below a target, the target is missed; at or above it, it is not ruled out, and not shown met.",
    '',
    "**Phases:** `serialise` is a sample under the queue's `#bodyOf`/`#serialize` (the batch's JSON and its UTF-8 bytes), `post` one in undici or in the queue's sending (`#sendNext`, the transport's `send`), `track` the rest (deciding, extracting, building the hit, enqueueing, our listeners).",
    '',
    '| framework | variant | req/s (median) | ours: median (lowest to highest) | track | serialise | post | GC | main | capacity from shares, at most (lowest to highest) | target | hits per POST |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const row of rows) {
    const capacity = row.capacity === undefined ? '' : `${row.capacity.toFixed(3)} (${row.capacityLow.toFixed(3)} to ${row.capacityHigh.toFixed(3)})`;
    lines.push(
      `| ${row.framework} | ${row.variant} | ${Math.round(row.rps)} | ${pct(row.ours)} (${pct(row.oursLow)} to ${pct(row.oursHigh)}) | ${pct(row.track)} | ${pct(row.serialise)} | ${pct(row.post)} | ${pct(row.gc)} | ${pct(row.mainShare, 1)} | ` +
        `${capacity} | ${row.variant === 'bare' ? '' : (SHARE_TARGETS[row.framework] ?? '')} | ${row.variant === 'bare' ? '' : row.hitsPerPost.toFixed(1)} |`,
    );
  }
  lines.push('', "`bare` runs none of our code: its share shows what the rule gives us wrongly (it should be 0). req/s is the load generator's and moves with the machine; the shares are what to read.", '');
  lines.push("**Our functions with the most samples** (the median repeat's; each sample counted for the nearest function of ours on its stack):", '');
  for (const row of rows) {
    if (row.variant === 'bare') continue;
    lines.push(`- ${row.framework} ${row.variant}: ${row.top.map((entry) => `${entry.name} ${pct(entry.share)}`).join(', ')}.`);
  }
  lines.push('', '<details><summary>Every profiled run</summary>', '');
  lines.push('| framework | variant | repeat | req/s | served | hits received | POSTs | busy samples | ours | GC | main |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    (results.get(`${row.framework} ${row.variant}`) ?? []).forEach((run, index) => {
      lines.push(`| ${row.framework} | ${row.variant} | ${index + 1} | ${Math.round(run.rps)} | ${run.served} | ${run.hits} | ${run.posts} | ${run.busy} | ${pct(run.ours)} | ${pct(run.gc)} | ${pct(run.mainShare ?? 1, 1)} |`);
    });
  }
  lines.push('', '</details>', '');
  return lines;
}
