// The report of bench/toggled.mjs (BENCHMARKS-TOGGLED.md, or BENCHMARKS-LATENCY.md for a latency
// run), rendered from what a run recorded: its settings, every phase, and what the API received.
// `node bench/toggled.mjs --from-phases <file>` renders it again from a saved run, so a change to
// the statistics reaches a report without measuring again.
import { TARGETS } from './report.mjs';
import { renderLatency, renderToggled, summarizeLatency, summarizeToggled } from './toggled-stats.mjs';

/** The lines of one section (`${framework} ${mode}`) of a recorded run. */
export function sectionOf(raw, key) {
  const [framework, mode] = key.split(' ');
  const { settings, variants } = raw;
  const recorded = raw.phases[key];
  const latency = settings.latency > 0;
  const target = TARGETS.capacityRatio[framework];
  const summary = latency ? summarizeLatency(recorded, variants, TARGETS.p99DeltaMs) : summarizeToggled(recorded, variants, target, TARGETS.hangingRatio);
  const lines = latency ? renderLatency({ framework, summary, settings }) : renderToggled({ framework, mode, summary, target, settings });
  const hits = raw.hits?.[key];
  if (hits && hits.sending > 0) {
    lines.push(
      '',
      `Hits: the API received ${hits.received.toLocaleString('en-US')} from the variants that deliver, which served ${hits.sending.toLocaleString('en-US')} requests ` +
        '(a response cut off when the load generator closes its connections, at the end of each phase in the processes mode, is not tracked, by design; ' +
        '`npm run bench` checks every run for lost hits).',
    );
  }
  if (summary.bound && !latency) lines.push('', `Bound per cycle, in order: ${summary.bound.values.map((value) => value.toFixed(3)).join(' ')}`);
  return lines;
}

/**
 * The whole report of a recorded run. `rerendered` ({ date, commit }) says when and by which
 * code a saved run was rendered again.
 */
export function renderReport(raw, { rerendered } = {}) {
  const { settings } = raw;
  const written =
    `Written by \`node bench/toggled.mjs\` on ${raw.date ?? 'an unknown day'} at commit ${raw.commit ?? 'unknown'}, on ${raw.cpu ?? 'an unknown CPU'} ` +
    `(${raw.cpuCount ?? 2} cores), Node ${raw.node}. Loopback only; every number below is from that one run.` +
    (rerendered
      ? ` Rendered again from its phases (\`node bench/toggled.mjs --from-phases\`) on ${rerendered.date} at commit ${rerendered.commit}, with that commit's statistics.`
      : '');
  const glossary =
    '`bare` is the framework alone, `empty` an adapter that only hears the response end, `extract` our adapter tracking into a client that discards each ' +
    'hit, `naive` the same into the least a sender can do (every batch of hits serialised and POSTed with undici alone), ' +
    "`ours` our adapter and client, `wrapped` the same in front of an Express app (`withPirsch`) instead of as its middleware, `hanging` ours delivering to an API that never answers it (the others' API answers at the same time), `before` and `hanging-before` ours and hanging with the packages of the `--baseline` checkout. " +
    '`bare (2)` is a second bare app, so its difference from `bare` shows what is left of the noise (an A/A check).';
  const intro =
    settings.latency > 0
      ? [
          '# Latency at a fixed rate, measured side by side',
          '',
          written,
          '',
          'Every variant runs in its own app process (the same apps as `npm run bench`, BENCHMARKS.md), all up at once and pinned to the same core; ' +
            `in phases of ${settings.phaseMs} ms, in a shuffled order per cycle, one of them gets a fixed ${settings.latency} requests per second, well below ` +
            'what it can serve, each request timed from its issue to the end of its answer (as the latency run of `npm run bench` does), so the percentiles ' +
            "show the time a request takes rather than time spent queueing. Each phase's p99 is compared with the same cycle's: a stretch in which the " +
            'shared machine stalls its processes raises the p99 of the phases it spans, and the pairs keep less of that than separate runs do. ' +
            'The targets: p99 within 1 ms of bare, and while the API hangs within 1 ms of healthy.',
          '',
          glossary,
        ]
      : [
          '# The least in-process bound, measured side by side',
          '',
          written,
          '',
          `Two ways, each with phases of ${settings.phaseMs} ms in a shuffled order per cycle, so every variant is measured in every cycle, seconds apart. ` +
            '**Processes:** every variant runs in its own app process (the same apps as `npm run bench`, BENCHMARKS.md), all up at once ' +
            'and pinned to the same core, and the load moves from one process to the next (it reconnects each phase). ' +
            '**One process:** every variant is its own app inside one process, behind one server that hands each request to the ' +
            "variant of the phase, under one continuous load; the variants share the process's JIT, so a framework's code sees all " +
            'of them at once. The load generator and the API share the other core. A neighbour that slows the shared machine for a ' +
            'while slows the variants of the cycles it spans alike, and each difference is taken within a cycle: where separate runs ' +
            '(BENCHMARKS.md) put a slow minute on one variant, these pairs keep less of it.',
          '',
          `${glossary} The least in-process bound is the capacity (bare / variant, app CPU per request) left to ` +
            'an SDK that decides and extracts for free and delivers as cheaply as `naive`: bare / (bare + (empty − bare) + (naive − extract)), ' +
            'the two steps taken together and their sum at least 0. Each cycle gets its own bound; with the sum (not each step) held at 0 or more, ' +
            "a cycle's bound falls below a target exactly when its two measured steps add up to more than the target allows, so noise that " +
            'moves a step either way moves the count of cycles below the target neither way, and the sign test counts fairly.',
        ];
  return [...intro, '', Object.keys(raw.phases).map((key) => sectionOf(raw, key).join('\n')).join('\n\n')].join('\n');
}
