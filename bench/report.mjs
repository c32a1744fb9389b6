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
      const served = mine.reduce((sum, run) => sum + run.served, 0);
      const received = mine.reduce((sum, run) => sum + run.received.hits, 0);
      const posts = mine.reduce((sum, run) => sum + run.received.ingestPosts, 0);
      const dropped = mine.reduce((sum, run) => sum + (run.app.metrics?.dropped ?? 0), 0);
      const errors = mine.reduce((sum, run) => sum + run.errors + run.non2xx, 0);
      table[framework][variant] = {
        rps: median(mine.map((run) => run.rps)),
        rpsAll: mine.map((run) => Math.round(run.rps)),
        p50: median(mine.map((run) => run.p50)),
        p99: median(mine.map((run) => run.p99)),
        served,
        received,
        posts,
        dropped,
        errors,
        // Every run on its own: what its app served, the emulator received.
        lossless: mine.every((run) => run.received.hits === run.served),
      };
    }
  }
  return table;
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a');
const mark = (ok) => (ok ? 'met' : '**missed**');

/** Which targets were met, each with its numbers. */
export function checkTargets(table, micro) {
  const checks = [];
  for (const [framework, rows] of Object.entries(table)) {
    const { bare, ours, hanging } = rows;
    if (!bare || !ours) continue;
    const ratio = ours.rps / bare.rps;
    const target = TARGETS.throughputRatio[framework];
    checks.push({
      what: `${framework}: throughput with our middleware`,
      target: target === undefined ? 'none set (reported)' : `>= ${target} of bare`,
      actual: `${fmt(ratio, 3)} (${int(ours.rps)} vs ${int(bare.rps)} req/s)`,
      ok: target === undefined ? undefined : ratio >= target,
    });
    const delta = ours.p99 - bare.p99;
    checks.push({
      what: `${framework}: p99 latency with our middleware`,
      target: `<= bare + ${TARGETS.p99DeltaMs} ms`,
      actual: `${fmt(delta, 2)} ms (${fmt(ours.p99, 2)} vs ${fmt(bare.p99, 2)} ms)`,
      ok: delta <= TARGETS.p99DeltaMs,
    });
    checks.push({
      what: `${framework}: hits lost (every run: served = received after close)`,
      target: '0',
      actual: `${int(ours.served - ours.received)} of ${int(ours.served)}${ours.dropped ? `, ${int(ours.dropped)} dropped by the client` : ''}`,
      ok: ours.lossless && ours.dropped === 0,
    });
    const perThousand = (ours.posts / ours.received) * 1000;
    checks.push({
      what: `${framework}: POSTs per 1000 hits`,
      target: `<= ${TARGETS.postsPer1000}`,
      actual: fmt(perThousand, 1),
      ok: perThousand <= TARGETS.postsPer1000,
    });
    if (hanging) {
      const hangingRatio = hanging.rps / ours.rps;
      checks.push({
        what: `${framework}: throughput while the API hangs`,
        target: `>= ${TARGETS.hangingRatio} of healthy, p99 <= healthy + ${TARGETS.p99DeltaMs} ms`,
        actual: `${fmt(hangingRatio, 3)}, p99 ${fmt(hanging.p99, 2)} vs ${fmt(ours.p99, 2)} ms`,
        ok: hangingRatio >= TARGETS.hangingRatio && hanging.p99 - ours.p99 <= TARGETS.p99DeltaMs,
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
        what: 'burst of 100k hits: POSTs per 1000 hits',
        target: `<= ${TARGETS.postsPer1000}`,
        actual: fmt(perThousand, 1),
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
  ours: 'with our middleware, delivering to the emulator in another process',
  sdk: 'with the official `pirsch-sdk`: `hit(hitFromRequest(req))` per request, not awaited',
  hanging: 'ours, while the emulator never answers an ingest request',
};

/** The Markdown of BENCHMARKS.md. */
export function renderMarkdown({ env, settings, table, checks, micro, runs, commit, loadAtEnd, startedAt, seconds }) {
  const lines = [];
  const push = (...more) => lines.push(...more);
  push('# Benchmarks', '');
  push(
    `Written by \`npm run bench\` (bench/run.mjs) on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      `${commit ? ` at commit \`${commit}\`` : ''}, in ${Math.round(seconds / 60)} min. Loopback only; every number below is from that one run.`,
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
      `autocannon, ${settings.connections} connections, no pipelining, ${settings.warmup} s warm-up then ${settings.duration} s per run, ` +
        `${settings.rounds} rounds; within a round the variants run in rotating order, each in a fresh app process. ` +
        'Every request is `GET /` with the headers a desktop Chrome sends (user agent, language, referrer, client hints), ' +
        'and the handler answers a small HTML page. Medians over the rounds; ratios are to bare.',
      '',
    );
    for (const [variant, text] of Object.entries(VARIANT_TEXT)) push(`- **${variant}**: ${text}`);
    push('');
    push('| Framework | Variant | req/s (median) | ratio to bare | p50 ms | p99 ms | p99 vs bare | served | hits received | POSTs | per round req/s |');
    push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const [framework, rows] of Object.entries(table)) {
      const bare = rows.bare;
      for (const [variant, row] of Object.entries(rows)) {
        const ratio = bare ? fmt(row.rps / bare.rps, 3) : 'n/a';
        const delta = bare ? `${row.p99 - bare.p99 >= 0 ? '+' : ''}${fmt(row.p99 - bare.p99, 2)}` : 'n/a';
        push(
          `| ${framework} | ${variant} | ${int(row.rps)} | ${ratio} | ${fmt(row.p50, 2)} | ${fmt(row.p99, 2)} | ${delta} | ${int(row.served)} | ` +
            `${variant === 'bare' ? '-' : int(row.received)} | ${variant === 'bare' ? '-' : int(row.posts)} | ${row.rpsAll.join(', ')} |`,
        );
      }
    }
    push('');
    push(
      '"served" counts the requests the handler answered over all rounds (warm-up included); "hits received" is what the emulator ' +
        'recorded once the app had stopped and its client had closed. With the API hanging, nothing can be delivered: the client ' +
        `keeps at most \`maxQueueSize\` (10,000) hits and drops the oldest past that, so memory stays bounded (${
          Object.values(table)
            .map((rows) => rows.hanging?.dropped)
            .filter((value) => value !== undefined)
            .map(int)
            .join(', ') || 'n/a'
        } dropped).`,
      '',
    );
  }

  if (micro) {
    push('## Per request: decision, extraction, enqueue', '');
    push(
      'Real `IncomingMessage` objects with the same browser headers, built outside the timing; 300 timed chunks of 1000 calls ' +
        'after 50 warm-up chunks. Between chunks (untimed) the client delivers what the chunk enqueued to the emulator, so each chunk meets ' +
        'the queue as a server under sustainable load does. The decision and extraction rows turn the event loop only.',
      '',
    );
    push('| What | ns/op (median) | ns/op (mean) |', '| --- | ---: | ---: |');
    const rows = {
      decision: 'skip decision only (`track()` of a skipped `.css` request)',
      extraction: '`hitFromRequest(req)`',
      enqueue: '`client.hit(hit)` (enqueue; batching included)',
      track: '`tracker.track()` of a tracked page: decision + extraction + enqueue',
    };
    for (const [key, text] of Object.entries(rows)) {
      const value = micro.perRequest[key];
      push(`| ${text} | ${fmt(value.median)} | ${fmt(value.mean)} |`);
    }
    const c = micro.perRequest.client;
    push('', `The client of these runs delivered ${int(c.sent)} items, dropped ${int(c.dropped)}, failed ${int(c.failed)}.`, '');

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
    push('| Round | Framework | Variant | req/s | p50 ms | p99 ms | served | received | POSTs | client dropped |');
    push('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const run of runs) {
      push(
        `| ${run.round} | ${run.framework} | ${run.variant} | ${int(run.rps)} | ${fmt(run.p50, 2)} | ${fmt(run.p99, 2)} | ${int(run.served)} | ` +
          `${int(run.received.hits)} | ${int(run.received.ingestPosts)} | ${int(run.app.metrics?.dropped ?? 0)} |`,
      );
    }
    push('', '</details>', '');
  }
  return lines.join('\n');
}
