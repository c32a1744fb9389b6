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

/**
 * Per cycle, each slot's app CPU per request (µs): `{ [label]: number }[]`. A cycle with a phase
 * that served nothing is left out whole (its pairs would not be pairs).
 */
export function cyclesOf(phases, variants) {
  const labels = slotLabels(variants);
  const byCycle = new Map();
  for (const phase of phases) {
    const cycle = byCycle.get(phase.cycle) ?? {};
    cycle[labels[phase.slot]] = phase.served > 0 ? phase.cpuUs / phase.served : Number.NaN;
    byCycle.set(phase.cycle, cycle);
  }
  return [...byCycle.values()].filter((cycle) => labels.every((label) => Number.isFinite(cycle[label])));
}

/**
 * The least in-process bound of one cycle, as bench/report.mjs computes it from separate runs
 * (`boundOf`: bare / (bare + empty's hook + naive delivery alone), each step at least 0).
 */
export function cycleBound(cycle) {
  const { bare, empty, extract, naive } = cycle;
  if (![bare, empty, extract, naive].every(Number.isFinite)) return Number.NaN;
  return boundOf(bare, empty, extract, naive).best;
}

/**
 * The summary of a toggled run: for each slot but bare, its median cost over bare (µs, paired
 * within cycles) with a 95 % interval; the A/A check when bare ran twice; the bound per cycle,
 * its median, interval, and how many cycles fell below `target` with the sign test's p.
 */
export function summarizeToggled(phases, variants, target) {
  const cycles = cyclesOf(phases, variants);
  const labels = slotLabels(variants);
  const rows = [];
  for (const label of labels) {
    const costs = cycles.map((cycle) => cycle[label]);
    const overBare = label === 'bare' ? [] : cycles.map((cycle) => cycle[label] - cycle.bare);
    rows.push({ label, median: median(costs), overBare: median(overBare), overBareInterval: medianInterval(overBare) });
  }
  const bounds = cycles.map(cycleBound).filter(Number.isFinite);
  const below = bounds.filter((bound) => bound < target).length;
  // Our own capacity, bare / ours within each cycle.
  const capacities = labels.includes('ours') ? cycles.map((cycle) => cycle.bare / cycle.ours) : [];
  return {
    cycles: cycles.length,
    rows,
    capacity:
      capacities.length === 0
        ? undefined
        : { median: median(capacities), interval: medianInterval(capacities), atTarget: capacities.filter((ratio) => ratio >= target).length, of: capacities.length },
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
  if (summary.capacity) {
    const { median: middle, interval, atTarget, of } = summary.capacity;
    lines.push(
      '',
      `Capacity with pirsch-node, bare / ours per cycle: median ${middle.toFixed(3)} (95 % interval ${interval[0].toFixed(3)} to ${interval[1].toFixed(3)}); ` +
        `at or above the target of ${target} in ${atTarget} of ${of} cycles.`,
    );
  }
  if (summary.bound) {
    const { median: middle, interval, below, of, p } = summary.bound;
    lines.push(
      '',
      `Least in-process bound, bare / (bare + hook + delivery) per cycle, hook = empty − bare and delivery = naive − extract, each at least 0: median ${middle.toFixed(3)} ` +
        `(95 % interval ${interval[0].toFixed(3)} to ${interval[1].toFixed(3)}); below the target of ${target} in ${below} of ${of} cycles ` +
        `(sign test, one-sided, p = ${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}).`,
    );
  }
  return lines;
}
