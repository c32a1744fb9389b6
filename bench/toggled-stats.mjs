// The statistics of bench/toggled.mjs: per cycle, each variant's app CPU per request; paired
// differences against bare within a cycle; the least in-process bound per cycle; medians with
// bootstrap intervals and a sign test against the target.
import { boundOf, median } from './report.mjs';

/** A seeded generator (mulberry32): the same seed gives the same phase order and the same interval. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The numbers 0 to count − 1 in an order drawn from `next` (a `random` generator). */
export function shuffled(count, next) {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A 95 % percentile-bootstrap interval of the median: [low, high]. */
export function medianInterval(values, { resamples = 2000, seed = 1 } = {}) {
  if (values.length < 2) return [Number.NaN, Number.NaN];
  const next = random(seed);
  const medians = [];
  for (let r = 0; r < resamples; r++) {
    const sample = Array.from(values, () => values[Math.floor(next() * values.length)]);
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(resamples * 0.025)], medians[Math.ceil(resamples * 0.975) - 1]];
}

/** One-sided sign test: the chance of `k` or more of `n` below a value whose true median is at it. */
export function signTestP(k, n) {
  let p = 0;
  let choose = 1; // C(n, 0)
  for (let i = 0; i <= n; i++) {
    if (i >= k) p += choose / 2 ** n;
    choose = (choose * (n - i)) / (i + 1);
  }
  return p;
}

/**
 * Labels the slots: a variant named more than once gets ' (2)', ' (3)', ... from its second slot
 * on, so `bare,bare,...` gives 'bare' and 'bare (2)', the A/A pair.
 */
export function slotLabels(variants) {
  const seen = new Map();
  return variants.map((variant) => {
    const count = (seen.get(variant) ?? 0) + 1;
    seen.set(variant, count);
    return count === 1 ? variant : `${variant} (${count})`;
  });
}

/** A phase's app CPU per request (µs); NaN when it served nothing. */
export const cpuPerRequest = (phase) => (phase.served > 0 ? phase.cpuUs / phase.served : Number.NaN);

/** A latency phase's p99 (ms); NaN when no request was timed. */
export const p99Of = (phase) => (phase.count > 0 ? phase.p99 : Number.NaN);

/**
 * Per cycle, each slot's value (`valueOf` of its phase, by default app CPU per request in µs):
 * `{ [label]: number }[]`. A cycle with a phase without a value is left out whole (its pairs would
 * not be pairs).
 */
export function cyclesOf(phases, variants, valueOf = cpuPerRequest) {
  const labels = slotLabels(variants);
  const byCycle = new Map();
  for (const phase of phases) {
    const cycle = byCycle.get(phase.cycle) ?? {};
    cycle[labels[phase.slot]] = valueOf(phase);
    byCycle.set(phase.cycle, cycle);
  }
  return [...byCycle.values()].filter((cycle) => labels.every((label) => Number.isFinite(cycle[label])));
}

/**
 * The least in-process bound of one cycle, as bench/report.mjs computes it from separate runs
 * (`boundOf`: bare / (bare + empty's hook + naive delivery alone), their sum at least 0).
 */
export function cycleBound(cycle) {
  const { bare, empty, extract, naive } = cycle;
  if (![bare, empty, extract, naive].every(Number.isFinite)) return Number.NaN;
  return boundOf(bare, empty, extract, naive).best;
}

/** Each label's median value, and but for bare its median difference from bare paired per cycle with a 95 % interval. */
function rowsOf(cycles, labels) {
  return labels.map((label) => {
    const overBare = label === 'bare' ? [] : cycles.map((cycle) => cycle[label] - cycle.bare);
    return { label, median: median(cycles.map((cycle) => cycle[label])), overBare: median(overBare), overBareInterval: medianInterval(overBare), overBareValues: overBare };
  });
}

/** A ratio per cycle summarised: median, 95 % interval, and how many cycles reach `target`. */
function ratioSummary(ratios, target) {
  if (ratios.length === 0) return undefined;
  return { median: median(ratios), interval: medianInterval(ratios), atTarget: ratios.filter((ratio) => ratio >= target).length, of: ratios.length, target };
}

/**
 * The summary of a toggled run: for each slot but bare, its median cost over bare (µs, paired
 * within cycles) with a 95 % interval; the A/A check when bare ran twice; the bound per cycle,
 * its median, interval, and how many cycles fell below `target` with the sign test's p; our
 * capacity (bare / ours) per cycle when ours ran, bare / wrapped when wrapped ran (Express), and
 * while its API hangs (ours / hanging, against `hangingTarget`) when hanging ran too, the change
 * (before / ours: above 1 where this checkout costs less than the baseline's) when before ran, and the change
 * while it hangs (hanging-before / hanging: above 1 where this checkout costs less than the
 * baseline's) when both ran.
 */
export function summarizeToggled(phases, variants, target, hangingTarget = 0.95) {
  const cycles = cyclesOf(phases, variants);
  const labels = slotLabels(variants);
  const rows = rowsOf(cycles, labels);
  const bounds = cycles.map(cycleBound).filter(Number.isFinite);
  const below = bounds.filter((bound) => bound < target).length;
  return {
    cycles: cycles.length,
    rows,
    // Our own capacity, bare / ours within each cycle.
    capacity: labels.includes('ours') ? ratioSummary(cycles.map((cycle) => cycle.bare / cycle.ours), target) : undefined,
    // Express: ours in front of the app (withPirsch), bare / wrapped within each cycle.
    wrapped: labels.includes('wrapped') ? ratioSummary(cycles.map((cycle) => cycle.bare / cycle.wrapped), target) : undefined,
    // While the API hangs: healthy / hanging within each cycle.
    hanging: labels.includes('ours') && labels.includes('hanging') ? ratioSummary(cycles.map((cycle) => cycle.ours / cycle.hanging), hangingTarget) : undefined,
    // The change: the baseline's code against this checkout's, the API answering both.
    change: labels.includes('ours') && labels.includes('before') ? ratioSummary(cycles.map((cycle) => cycle.before / cycle.ours), 1) : undefined,
    // The change while the API hangs: the baseline's code against this checkout's, both hanging.
    hangingChange:
      labels.includes('hanging') && labels.includes('hanging-before')
        ? ratioSummary(cycles.map((cycle) => cycle['hanging-before'] / cycle.hanging), 1)
        : undefined,
    bound:
      bounds.length === 0
        ? undefined
        : { median: median(bounds), interval: medianInterval(bounds), below, of: bounds.length, p: signTestP(below, bounds.length), values: bounds },
  };
}

/** The summary as Markdown lines. */
export function renderToggled({ framework, mode = 'processes', summary, target, settings }) {
  const us = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
  const lines = [
    mode === 'processes' ? `### ${framework}: each variant in its own process, the load moved between them` : `### ${framework}: every variant in one process, switched under one load`,
    '',
    `${summary.cycles} cycles of ${settings.phaseMs} ms per variant (the first ${settings.settleMs} ms of each phase not counted), ` +
      `${settings.connections} connections, phase order shuffled per cycle (seed ${settings.seed})` +
      `${mode === 'processes' && settings.replicas > 1 ? `; ${settings.replicas} processes per variant, one drawn for each cycle` : ''}.`,
    '',
    '| variant | app CPU per request, median (µs) | over bare, paired per cycle (µs) | 95 % interval |',
    '| --- | ---: | ---: | --- |',
  ];
  for (const row of summary.rows) {
    const interval = row.label === 'bare' ? '' : `${us(row.overBareInterval[0])} to ${us(row.overBareInterval[1])}`;
    lines.push(`| ${row.label} | ${us(row.median)} | ${row.label === 'bare' ? '' : us(row.overBare)} | ${interval} |`);
  }
  const ratioLine = (what, { median: middle, interval, atTarget, of, target: wanted }) =>
    `${what}: median ${middle.toFixed(3)} (95 % interval ${interval[0].toFixed(3)} to ${interval[1].toFixed(3)}); at or above the target of ${wanted} in ${atTarget} of ${of} cycles.`;
  if (summary.capacity) lines.push('', ratioLine('Capacity with pirsch-node, bare / ours per cycle', summary.capacity));
  if (summary.wrapped) lines.push('', ratioLine('Capacity with pirsch-node in front of the app (withPirsch), bare / wrapped per cycle', summary.wrapped));
  if (summary.hanging) lines.push('', ratioLine('While the API hangs (for the hanging variant only), healthy / hanging per cycle, app CPU per request of ours / hanging', summary.hanging));
  if (summary.change) lines.push('', ratioLine('The change, the baseline against this checkout, before / ours per cycle (above 1: this checkout costs less)', summary.change));
  if (summary.hangingChange) {
    lines.push('', ratioLine('The change while the API hangs, the baseline against this checkout, hanging-before / hanging per cycle (above 1: this checkout costs less)', summary.hangingChange));
  }
  if (summary.bound) {
    const { median: middle, interval, below, of, p } = summary.bound;
    lines.push(
      '',
      `Least in-process bound, bare / (bare + hook + delivery) per cycle, hook = empty − bare and delivery = naive − extract, their sum at least 0: median ${middle.toFixed(3)} ` +
        `(95 % interval ${interval[0].toFixed(3)} to ${interval[1].toFixed(3)}); below the target of ${target} in ${below} of ${of} cycles ` +
        `(sign test, one-sided, p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}).`,
    );
  }
  return lines;
}

/**
 * The summary of a latency run (`--latency <rate>`): per cycle each slot's p99 (ms) at the fixed
 * rate; for each slot its median p99 and p50, and but for bare its p99 over bare paired per cycle
 * with a 95 % interval and how many cycles it stayed within `allowanceMs`; for hanging the same
 * over ours (healthy), when both ran.
 */
export function summarizeLatency(phases, variants, allowanceMs = 1) {
  const cycles = cyclesOf(phases, variants, p99Of);
  const labels = slotLabels(variants);
  const p50s = cyclesOf(phases, variants, (phase) => (phase.count > 0 ? phase.p50 : Number.NaN));
  const within = (values) => values.filter((value) => value <= allowanceMs).length;
  const rows = rowsOf(cycles, labels).map((row) => ({ ...row, p50: median(p50s.map((cycle) => cycle[row.label])), within: within(row.overBareValues) }));
  let hanging;
  if (labels.includes('ours') && labels.includes('hanging')) {
    const overOurs = cycles.map((cycle) => cycle.hanging - cycle.ours);
    hanging = { overOurs: median(overOurs), interval: medianInterval(overOurs), within: within(overOurs) };
  }
  return { cycles: cycles.length, rows, hanging, allowanceMs };
}

/** The latency summary as Markdown lines. */
export function renderLatency({ framework, summary, settings }) {
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
  const lines = [
    `### ${framework}: latency at ${settings.latency} requests per second, each variant in its own process`,
    '',
    `${summary.cycles} cycles of ${settings.phaseMs} ms per variant at a fixed ${settings.latency} requests per second over 10 keep-alive connections ` +
      `(requests issued in the first ${settings.settleMs} ms of each phase not timed), phase order shuffled per cycle (seed ${settings.seed})` +
      `${settings.replicas > 1 ? `; ${settings.replicas} processes per variant, one drawn for each cycle` : ''}. Each phase's p99 and p50 are its own; ` +
      `the differences are paired within a cycle.`,
    '',
    `| variant | p50, median (ms) | p99, median (ms) | p99 over bare, paired per cycle (ms) | 95 % interval | cycles within ${summary.allowanceMs} ms of bare |`,
    '| --- | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const row of summary.rows) {
    const bare = row.label === 'bare';
    lines.push(
      `| ${row.label} | ${ms(row.p50)} | ${ms(row.median)} | ${bare ? '' : ms(row.overBare)} | ${bare ? '' : `${ms(row.overBareInterval[0])} to ${ms(row.overBareInterval[1])}`} | ${bare ? '' : `${row.within} of ${summary.cycles}`} |`,
    );
  }
  if (summary.hanging) {
    const { overOurs, interval, within } = summary.hanging;
    lines.push(
      '',
      `While the API hangs (for the hanging variant only), p99 of hanging over ours (healthy), paired per cycle: median ${ms(overOurs)} ms ` +
        `(95 % interval ${ms(interval[0])} to ${ms(interval[1])}); within ${summary.allowanceMs} ms in ${within} of ${summary.cycles} cycles.`,
    );
  }
  return lines;
}
