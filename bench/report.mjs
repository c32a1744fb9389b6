// Turns the runs into numbers per framework and variant, checks the targets, and writes BENCHMARKS.md.
import { createRequire } from 'node:module';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

const require = createRequire(import.meta.url);

export const TARGETS = {
  throughputRatio: { express: 0.95, koa: 0.95, fastify: 0.93 },
  p99DeltaMs: 1,
  trackNs: 1000,
  postsPer1000: 20,
  hangingRatio: 0.95,
};

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Per framework and variant: medians over the rounds, totals, and whether every hit arrived. */
export function summarize(runs, frameworks, variants) {
  const table = {};
  for (const framework of frameworks) {
    table[framework] = {};
    for (const variant of variants) {
      const mine = runs.filter((run) => run.framework === framework && run.variant === variant);
      if (mine.length === 0) continue;
      const sum = (pick) => mine.reduce((total, run) => total + pick(run), 0);
      table[framework][variant] = {
        runs: mine.length,
        rps: median(mine.map((run) => run.rps)),
        rpsAll: mine.map((run) => Math.round(run.rps)),
        cpu: median(mine.map((run) => run.cpuUsPerRequest)),
        elu: median(mine.map((run) => run.elu)),
        p50: median(mine.map((run) => run.p50)),
        p99: median(mine.map((run) => run.p99)),
        served: sum((run) => run.served),
        received: sum((run) => run.received.hits),
        posts: sum((run) => run.received.ingestPosts),
        dropped: sum((run) => run.app.metrics?.dropped ?? 0),
        errors: sum((run) => run.errors + run.non2xx),
        // Every run on its own: what its app served, the emulator received.
        lossless: mine.every((run) => run.received.hits === run.served),
      };
    }
  }
  return table;
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const signed = (value, digits) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : 'n/a');
const mark = (ok) => (ok ? 'met' : '**missed**');

/** The micro-benchmark's floor of in-process delivery per hit (µs): track + serialise + a POST's share. */
function floorPerHitUs(micro) {
  return (micro.perRequest.track.median + micro.floor.serialiseNs + micro.floor.postNsPerHit) / 1000;
}

/** The best throughput ratio to bare an in-process sender can reach: bare / (bare + floor). */
function bestRatio(bare, micro) {
  return bare.cpu / (bare.cpu + floorPerHitUs(micro));
}

/** Which targets were met, each with its numbers. */
export function checkTargets(table, micro) {
  const checks = [];
  for (const [framework, rows] of Object.entries(table)) {
    const { bare, ours, hanging } = rows;
    if (!bare || !ours) continue;
    const measured = ours.rps / bare.rps;
    const capacity = bare.cpu / ours.cpu;
    const target = TARGETS.throughputRatio[framework];
    checks.push({
      what: `${framework}: throughput with our middleware, measured / from the app's CPU per request`,
      target: target === undefined ? 'none set (reported)' : `>= ${target} of bare`,
      actual:
        `${fmt(measured, 2)} (${int(ours.rps)} vs ${int(bare.rps)} req/s) / ${fmt(capacity, 2)} (${fmt(ours.cpu, 1)} vs ${fmt(bare.cpu, 1)} µs)` +
        (micro?.floor ? `; the floor of in-process delivery allows at most ${fmt(bestRatio(bare, micro), 2)}` : ''),
      ok: target === undefined ? undefined : measured >= target && capacity >= target,
    });
    const delta = ours.p99 - bare.p99;
    checks.push({
      what: `${framework}: p99 latency with our middleware (fixed rate)`,
      target: `<= bare + ${TARGETS.p99DeltaMs} ms`,
      actual: `${signed(delta, 2)} ms (${fmt(ours.p99, 2)} vs ${fmt(bare.p99, 2)} ms)`,
      ok: delta <= TARGETS.p99DeltaMs,
    });
    checks.push({
      what: `${framework}: hits lost (each run: served = received after close)`,
      target: '0',
      actual: `${int(ours.served - ours.received)} of ${int(ours.served)}${ours.dropped ? ` (the client dropped ${int(ours.dropped)})` : ''}`,
      ok: ours.lossless && ours.dropped === 0,
    });
    // Batches of 50 are full but for the one a load phase ends with (warm-up, throughput, latency: three per run).
    const perThousand = (ours.posts / ours.received) * 1000;
    const fullBatches = Math.ceil(ours.received / 50);
    checks.push({
      what: `${framework}: POSTs per 1000 hits`,
      target: `<= ${TARGETS.postsPer1000} (full batches but the last of each load phase)`,
      actual: `${fmt(perThousand, 2)} (${int(ours.posts)} POSTs for ${int(ours.received)} hits: ${int(ours.posts - fullBatches)} partial batches in ${ours.runs} runs)`,
      ok: ours.posts <= fullBatches + 3 * ours.runs,
    });
    if (hanging) {
      const ratio = hanging.rps / ours.rps;
      checks.push({
        what: `${framework}: while the API hangs, throughput and p99 vs healthy`,
        target: `>= ${TARGETS.hangingRatio}, p99 <= healthy + ${TARGETS.p99DeltaMs} ms`,
        actual: `${fmt(ratio, 2)}, p99 ${fmt(hanging.p99, 2)} vs ${fmt(ours.p99, 2)} ms`,
        ok: ratio >= TARGETS.hangingRatio && hanging.p99 - ours.p99 <= TARGETS.p99DeltaMs,
      });
    }
  }
  if (micro) {
    const track = micro.perRequest.track.median;
    checks.push({
      what: 'decision + extraction + enqueue (tracker.track), per request',
      target: `<= ${TARGETS.trackNs} ns`,
      actual: `${fmt(track)} ns (median of 300 chunks of 1000)`,
      ok: track <= TARGETS.trackNs,
    });
    const first = micro.bursts[0];
    if (first) {
      const perThousand = (first.posts / Math.max(1, first.received)) * 1000;
      checks.push({
        what: 'burst of 100k hits: POSTs per 1000 hits delivered',
        target: `<= ${TARGETS.postsPer1000}`,
        actual: fmt(perThousand, 2),
        ok: perThousand <= TARGETS.postsPer1000,
      });
    }
  }
  return checks;
}

function version(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return 'n/a';
  }
}

/** The machine and the versions, for the top of the report. */
export function environment() {
  const cpu = cpus();
  return {
    cpu: `${cpu[0]?.model?.trim() ?? 'unknown'} (${cpu.length} cores)`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAtStart: loadavg().map((value) => value.toFixed(2)).join(' '),
    versions: Object.fromEntries(
      [
        'express',
        'koa',
        'fastify',
        '@nestjs/core',
        '@nestjs/platform-express',
        'pirsch-sdk',
        'autocannon',
        '@pirsch-node/core',
        '@pirsch-node/express',
        '@pirsch-node/koa',
        '@pirsch-node/fastify',
        '@pirsch-node/nest',
      ].map((name) => [name, version(name)]),
    ),
  };
}

const VARIANT_TEXT = {
  bare: 'the framework alone',
  ours: 'with our middleware (given a client), delivering to the emulator in another process',
  sdk: 'with the official `pirsch-sdk`: `hit(hitFromRequest(req))` per request in a middleware, not awaited',
  hanging: 'ours, while the emulator never answers an ingest request',
};

/** The Markdown of BENCHMARKS.md. */
export function renderMarkdown({ env, settings, table, checks, micro, runs, commit, loadAtEnd, startedAt, seconds }) {
  const lines = [];
  const push = (...more) => lines.push(...more);
  push('# Benchmarks', '');
  push(
    `Written by \`npm run bench\` (bench/run.mjs) on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      `${commit ? ` at commit \`${commit.id}\`${commit.changedFiles > 0 ? ` plus uncommitted changes to ${commit.changedFiles} file${commit.changedFiles === 1 ? '' : 's'}` : ''}` : ''}, in ${Math.round(seconds / 60)} min. Loopback only; every number below is from that one run.`,
    '',
  );
  push('## Machine', '');
  push('| | |', '| --- | --- |');
  push(`| CPU | ${env.cpu} |`, `| Memory | ${env.memory} |`, `| OS | ${env.os} |`, `| Node | ${env.node} |`);
  push(`| Load average (1, 5, 15 min) | ${env.loadAtStart} at start, ${loadAtEnd} at end |`);
  push(`| Pinning | ${settings.pinned ? 'app on core 0; autocannon and the emulator on core 1 (taskset)' : 'none (taskset not available)'} |`);
  push('', '| Package | Version |', '| --- | --- |');
  for (const [name, v] of Object.entries(env.versions)) push(`| ${name} | ${v} |`);
  push('');

  if (table) {
    push('## Throughput and latency', '');
    push(
      `Each run starts the app in a fresh process, warms it up for ${settings.warmup} s, then measures **throughput** with autocannon ` +
        `(${settings.connections} connections, no pipelining, ${settings.duration} s) and **latency** at a fixed ${int(settings.rate)} requests ` +
        `per second (10 keep-alive connections, ${settings.latencyDuration} s, each request timed in µs from issue to the end of its answer), a load ` +
        'every framework handles, so the percentiles show the time a request takes rather than time spent queueing. ' +
        `${settings.rounds} rounds; within a round the variants run in rotating order. ` +
        'Every request is `GET /` with the headers a desktop Chrome sends (user agent, language, referrer, client hints); ' +
        'the handler answers a small HTML page. Medians over the rounds.',
      '',
    );
    for (const [variant, text] of Object.entries(VARIANT_TEXT)) push(`- **${variant}**: ${text}`);
    push('');
    push(
      '"app CPU" is the CPU time the app process used (all its threads, delivery included) per request served during the ' +
        'throughput run, and "loop busy" its event loop utilization then. On this 2-core machine autocannon and the emulator ' +
        'share the second core, so a fast framework can be limited by the load generator (loop well below 100 %), and the ' +
        "emulator's work for our batches (or the SDK's one request per hit) takes CPU from autocannon, not from the app. The " +
        'app\'s CPU per request does not depend on that: "capacity" is bare CPU / variant CPU, the throughput ratio the app ' +
        'alone would reach on a core of its own.',
      '',
    );
    push('| Framework | Variant | req/s | vs bare | app CPU µs/req | capacity vs bare | loop busy | p50 ms | p99 ms | p99 vs bare | served | hits received | POSTs |');
    push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [framework, rows] of Object.entries(table)) {
      const bare = rows.bare;
      for (const variant of Object.keys(VARIANT_TEXT)) {
        const row = rows[variant];
        if (!row) continue;
        const isBare = variant === 'bare';
        push(
          `| ${framework} | ${variant} | ${int(row.rps)} | ${bare ? fmt(row.rps / bare.rps, 2) : 'n/a'} | ${fmt(row.cpu, 1)} | ` +
            `${bare ? fmt(bare.cpu / row.cpu, 2) : 'n/a'} | ${fmt(row.elu * 100)} % | ${fmt(row.p50, 2)} | ${fmt(row.p99, 2)} | ` +
            `${bare && !isBare ? signed(row.p99 - bare.p99, 2) : '-'} | ${int(row.served)} | ${isBare ? '-' : int(row.received)} | ${isBare ? '-' : int(row.posts)} |`,
        );
      }
    }
    push('');
    const dropped = Object.entries(table)
      .filter(([, rows]) => rows.hanging)
      .map(([framework, rows]) => `${framework} ${int(rows.hanging.dropped)}`)
      .join(', ');
    push(
      '"served" counts the requests the handler answered over all rounds, warm-up and latency runs included; "hits received" is what ' +
        'the emulator recorded once the app had stopped and its client had closed (the SDK\'s unawaited requests were awaited at stop). ' +
        'With the API hanging nothing can be delivered: the client keeps at most `maxQueueSize` (10,000) hits and drops the oldest ' +
        `past that, so memory stays bounded${dropped ? ` (dropped: ${dropped})` : ''}.`,
      '',
    );

    if (Object.values(table).some((rows) => rows.decide && rows.extract)) {
      push('### Where the time goes', '');
      push(
        "The app's CPU per request (µs), medians over the rounds, as our adapter's work is added step by step: `empty` is an " +
          'empty middleware of the kind our adapter is (the framework\'s own cost of one more middleware, which no adapter can ' +
          'avoid); `decide` runs our adapter with `filter: () => false` (its per-request work and the skip decision); `extract` ' +
          'tracks into a client that discards every hit (adds extraction and the call); `naive` sends the hits the least way a sender ' +
          'can (every 50 serialised in a microtask and POSTed with undici alone: no queue, no retries, no bounds), so `naive delivery` ' +
          'is what delivering from the app\'s process costs in this app at the least; `ours` sends them through our client, and ' +
          '`our queue over naive` is what the queue (bounds, retries, backoff, flush, metrics) adds to that. ' +
          'These variants run in every round, throughput only. Steps of a microsecond or two are within the noise of one run here.',
        '',
      );
      push('| Framework | bare | empty | decide | extract | naive | ours | one more middleware | adapter + decision | extraction | naive delivery | our queue over naive | API hanging |');
      push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
      for (const [framework, rows] of Object.entries(table)) {
        const { bare, empty, decide, extract, naive, ours, hanging } = rows;
        if (!bare || !decide || !extract || !ours) continue;
        const base = empty ?? bare;
        const cell = (row) => (row ? fmt(row.cpu, 1) : 'n/a');
        const step = (to, from) => (to && from ? signed(to.cpu - from.cpu, 1) : 'n/a');
        push(
          `| ${framework} | ${cell(bare)} | ${cell(empty)} | ${cell(decide)} | ${cell(extract)} | ${cell(naive)} | ${cell(ours)} | ` +
            `${step(empty, bare)} | ${step(decide, base)} | ${step(extract, decide)} | ${step(naive, extract)} | ${step(ours, naive)} | ${cell(hanging)} |`,
        );
      }
      push('');
    }
    if (micro?.floor) {
      const floorUs = floorPerHitUs(micro);
      push('### The floor: what sending each hit costs at least', '');
      push(
        `Any SDK that delivers from the app's process pays, per page view, at least: deciding, extracting and enqueueing (\`tracker.track()\`, ` +
          `${fmt(micro.perRequest.track.median)} ns here), serialising the hit into a batch (\`JSON.stringify\` and UTF-8, ` +
          `${fmt(micro.floor.serialiseNs)} ns for ${fmt(micro.floor.bytesPerHit)} bytes) and its share of one POST of 50 with undici ` +
          `alone to a server that answers at once (${fmt(micro.floor.postUs, 1)} µs of CPU per POST, ${fmt(micro.floor.postNsPerHit)} ns per hit): ` +
          `**${fmt(floorUs, 2)} µs per hit**, measured in the micro-benchmark process (below), where code and data stay hot in the CPU's caches. ` +
          'The best throughput ratio such an SDK can reach is then bare / (bare + floor). In a busy app the same work costs more ' +
          '(caches shared with the framework, more garbage collection), which the `naive delivery` column above shows. ' +
          `(${int(micro.floor.posts)} timed POSTs, ${int(micro.floor.failed)} refused.)`,
        '',
      );
      push('| Framework | bare µs/req | + floor µs/hit | best possible ratio | target | measured (CPU) |', '| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const [framework, rows] of Object.entries(table)) {
        const { bare, ours } = rows;
        if (!bare || !ours) continue;
        const target = TARGETS.throughputRatio[framework];
        push(
          `| ${framework} | ${fmt(bare.cpu, 1)} | ${fmt(floorUs, 2)} | ${fmt(bestRatio(bare, micro), 2)} | ` +
            `${target === undefined ? 'none' : `>= ${target}`} | ${fmt(bare.cpu / ours.cpu, 2)} |`,
        );
      }
      push('');
    }
  }

  if (micro) {
    push('## Per request: decision, extraction, enqueue', '');
    push(
      'Real `IncomingMessage` objects with the same browser headers, built outside the timing; 300 timed chunks of 1000 calls ' +
        'after 50 warm-up chunks. Between chunks (untimed) the client delivers what the chunk enqueued to the emulator, so each chunk meets ' +
        'the queue as a server under sustainable load does. The decision and extraction rows turn the event loop only. ' +
        '`client.hit()` only queues: a batch is serialised in a microtask right after the call that cut it, still in the same ' +
        'event-loop turn, which the last row includes.',
      '',
    );
    push('| What | ns/op (median) | ns/op (mean) |', '| --- | ---: | ---: |');
    const rows = {
      decision: 'skip decision only (`track()` of a skipped `.css` request)',
      extraction: '`hitFromRequest(req)`',
      enqueue: '`client.hit(hit)` (enqueue; batching included)',
      track: '`tracker.track()` of a tracked page: decision + extraction + enqueue',
      trackAndBatch: 'the same, plus the microtask after the calls: serialising each cut batch (one per 50 hits) and starting its request',
    };
    for (const [key, text] of Object.entries(rows)) {
      const value = micro.perRequest[key];
      push(`| ${text} | ${fmt(value.median)} | ${fmt(value.mean)} |`);
    }
    const c = micro.perRequest.client;
    push('', `The client of these runs delivered ${int(c.sent)} items, dropped ${int(c.dropped)}, failed ${int(c.failed)}.`, '');
    if (micro.floor) {
      const f = micro.floor;
      push('Delivery without our queue, the floor any in-process SDK pays per hit (see "The floor" above):', '');
      push('| What | per hit |', '| --- | ---: |');
      push(`| \`JSON.stringify\` of a 50-hit batch with \`time\`, then UTF-8 (${fmt(f.bytesPerHit)} bytes a hit) | ${fmt(f.serialiseNs)} ns |`);
      push(
        `| one POST of that batch with undici alone (4 connections) to a server that answers at once: ${fmt(f.postUs, 1)} µs of CPU per POST ` +
          `(${int(f.posts)} POSTs, ${int(f.failed)} refused) | ${fmt(f.postNsPerHit)} ns |`,
        '',
      );
    }

    push('## Queue under a burst of 100,000 hits', '');
    push('One client with default options (batches of 50, 4 requests at a time, at most 10,000 items held), delivering to the emulator.', '');
    push('| Burst | time | POSTs | POSTs per 1000 hits | delivered | dropped | peak items held | peak heap | peak RSS |');
    push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const burst of micro.bursts) {
      const shape =
        burst.perTurn === burst.total
          ? 'all in one synchronous loop'
          : burst.spacingMs > 0
            ? `${burst.perTurn} every ${burst.spacingMs} ms (${int((burst.perTurn * 1000) / burst.spacingMs)}/s)`
            : `${burst.perTurn} per event-loop turn, as fast as possible`;
      push(
        `| ${shape} | ${fmt(burst.seconds, 2)} s | ${int(burst.posts)} | ${fmt((burst.posts / Math.max(1, burst.received)) * 1000, 1)} | ` +
          `${int(burst.received)} | ${int(burst.dropped)} | ${int(burst.peakHeld)} | +${fmt(burst.peakHeapMiB, 1)} MiB | +${fmt(burst.peakRssMiB, 1)} MiB |`,
      );
    }
    push(
      '',
      'Peak heap and RSS are the highest values sampled on every event-loop turn, over a baseline taken after a GC with the ' +
        '100,000 hits already built; heap includes garbage not yet collected (request bodies serialized and sent).',
      '',
    );
  }

  if (checks.length > 0) {
    push('## Targets', '');
    push('| Target | Wanted | Measured | |', '| --- | --- | --- | --- |');
    for (const check of checks) push(`| ${check.what} | ${check.target} | ${check.actual} | ${check.ok === undefined ? '-' : mark(check.ok)} |`);
    push('');
  }
  if (runs?.length) {
    push('<details><summary>Every run</summary>', '');
    push('| Round | Framework | Variant | req/s | app CPU µs/req | loop busy | p50 ms | p99 ms | p99 at full load ms | served | received | POSTs | client dropped |');
    push('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const run of runs) {
      push(
        `| ${run.round} | ${run.framework} | ${run.variant} | ${int(run.rps)} | ${fmt(run.cpuUsPerRequest, 1)} | ${fmt(run.elu * 100)} % | ` +
          `${fmt(run.p50, 2)} | ${fmt(run.p99, 2)} | ${fmt(run.loadedP99)} | ${int(run.served)} | ` +
          `${int(run.received.hits)} | ${int(run.received.ingestPosts)} | ${int(run.app.metrics?.dropped ?? 0)} |`,
      );
    }
    push('', '</details>', '');
  }
  return lines.join('\n');
}
