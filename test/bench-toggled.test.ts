import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { median } from '../bench/report.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { cycleBound, cyclesOf, medianInterval, random, renderLatency, renderToggled, signTestP, slotLabels, summarizeLatency, summarizeToggled } from '../bench/toggled-stats.mjs';

const VARIANTS = ['bare', 'bare', 'empty', 'extract', 'naive'];
/** What renderToggled reads of a run's settings. */
const SETTINGS = { phaseMs: 1000, settleMs: 150, connections: 50, seed: 1 };

/** Phases as bench/toggled-app.mjs records them: per cycle, each slot's CPU (µs) over 1000 requests. */
function phases(cycles: number[][]) {
  return cycles.flatMap((costs, cycle) => costs.map((cost, slot) => ({ cycle, slot, cpuUs: cost * 1000, served: 1000, ms: 850 })));
}

describe('bench toggled: the statistics of variants measured side by side in time', () => {
  it('labels a variant named twice as the A/A pair', () => {
    expect(slotLabels(VARIANTS)).toEqual(['bare', 'bare (2)', 'empty', 'extract', 'naive']);
  });

  it('pairs the slots of a cycle and leaves out a cycle with a phase that served nothing', () => {
    const recorded = phases([
      [100, 101, 103, 110, 112],
      [120, 119, 124, 130, 134],
    ]);
    recorded.push({ cycle: 2, slot: 0, cpuUs: 1000, served: 10, ms: 850 }, { cycle: 2, slot: 1, cpuUs: 1000, served: 0, ms: 850 });
    const cycles = cyclesOf(recorded, VARIANTS);
    expect(cycles).toEqual([
      { bare: 100, 'bare (2)': 101, empty: 103, extract: 110, naive: 112 },
      { bare: 120, 'bare (2)': 119, empty: 124, extract: 130, naive: 134 },
    ]);
  });

  it('computes the bound of a cycle as the report does, the sum of the two steps at least 0', () => {
    // hook 3, delivery 2: 100 / 105
    expect(cycleBound({ bare: 100, empty: 103, extract: 110, naive: 112 })).toBeCloseTo(100 / 105, 10);
    // hook -2 and delivery -1: their sum counts as 0, the bound is 1
    expect(cycleBound({ bare: 100, empty: 98, extract: 110, naive: 109 })).toBe(1);
    // hook -5 (noise) and delivery 8: 100 / 103, not 100 / 108 (a step below 0 is not zeroed alone)
    expect(cycleBound({ bare: 100, empty: 95, extract: 110, naive: 118 })).toBeCloseTo(100 / 103, 10);
    expect(cycleBound({ bare: 100, empty: 98, extract: 110 })).toBeNaN();
  });

  it('medians, a bootstrap interval that holds the median, and the one-sided sign test', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    const values = Array.from({ length: 41 }, (_, i) => i);
    const [low, high] = medianInterval(values);
    expect(low).toBeLessThan(20);
    expect(high).toBeGreaterThan(20);
    expect(low).toBeGreaterThan(10);
    expect(high).toBeLessThan(30);
    expect(medianInterval(values)).toEqual([low, high]); // seeded: the same interval each time
    expect(signTestP(10, 10)).toBeCloseTo(1 / 1024, 12);
    expect(signTestP(0, 10)).toBeCloseTo(1, 12);
    expect(signTestP(9, 10)).toBeCloseTo(11 / 1024, 12);
  });

  it('summarises a run: each variant over bare paired per cycle, the A/A check, the bound per cycle against the target', () => {
    // Every cycle slower or faster as a whole (the machine's noise); the steps stay the same.
    const cycles = Array.from({ length: 20 }, (_, i) => {
      const machine = 1 + (i % 5) * 0.1;
      return [100, 100, 103, 110, 112].map((cost) => cost * machine);
    });
    const summary = summarizeToggled(phases(cycles), VARIANTS, 0.93);
    expect(summary.cycles).toBe(20);
    const row = (label: string) => summary.rows.find((r: { label: string }) => r.label === label);
    expect(row('bare (2)').overBare).toBeCloseTo(0, 10);
    expect(row('empty').overBare).toBeCloseTo(3 * 1.2, 10); // the median machine factor is 1.2
    expect(summary.bound.median).toBeCloseTo(100 / 105, 10);
    expect(summary.bound.below).toBe(0);
    expect(summary.bound.of).toBe(20);
    expect(summary.bound.p).toBeCloseTo(1, 10);

    const lines = renderToggled({ framework: 'express', summary, target: 0.93, settings: SETTINGS }).join('\n');
    expect(lines).toContain('| bare (2) | 120.0 | 0.0 |');
    expect(lines).toContain('median 0.952');
    expect(lines).toContain('below the target of 0.93 in 0 of 20 cycles');
    expect(lines).not.toContain('processes per variant');

    const settings = { ...SETTINGS, replicas: 2 };
    expect(renderToggled({ framework: 'express', summary, target: 0.93, settings }).join('\n')).toContain('; 2 processes per variant, one drawn for each cycle.');
    // One process has no replicas to draw from.
    expect(renderToggled({ framework: 'express', mode: 'one-process', summary, target: 0.93, settings }).join('\n')).not.toContain('processes per variant');
  });

  it("gives our own capacity per cycle when ours ran, and none when it did not", () => {
    const withOurs = [...VARIANTS, 'ours'];
    const cycles = Array.from({ length: 10 }, (_, i) => [100, 100, 103, 110, 112, i < 4 ? 105 : 125].map((cost) => cost * (1 + i * 0.05)));
    const summary = summarizeToggled(phases(cycles), withOurs, 0.93);
    expect(summary.capacity.median).toBeCloseTo(100 / 125, 10);
    expect(summary.capacity.atTarget).toBe(4);
    expect(summary.capacity.of).toBe(10);
    const lines = renderToggled({ framework: 'nest', summary, target: 0.93, settings: SETTINGS }).join('\n');
    expect(lines).toContain('bare / ours per cycle: median 0.800');
    expect(lines).toContain('at or above the target of 0.93 in 4 of 10 cycles');
    expect(summarizeToggled(phases(cycles.map((costs) => costs.slice(0, 5))), VARIANTS, 0.93).capacity).toBeUndefined();
  });

  it('gives the capacity of ours in front of the app (wrapped, Express) per cycle when it ran, beside ours', () => {
    const variants = ['bare', 'ours', 'wrapped'];
    // ours 125 every cycle; wrapped 105 (0.952) in 6 cycles, 110 (0.909) in 4.
    const cycles = Array.from({ length: 10 }, (_, i) => [100, 125, i < 6 ? 105 : 110].map((cost) => cost * (1 + i * 0.04)));
    const summary = summarizeToggled(phases(cycles), variants, 0.93);
    expect(summary.wrapped.median).toBeCloseTo(100 / 105, 10);
    expect(summary.wrapped.atTarget).toBe(6);
    expect(summary.capacity.atTarget).toBe(0);
    const lines = renderToggled({ framework: 'express', summary, target: 0.93, settings: SETTINGS }).join('\n');
    expect(lines).toContain('in front of the app (withPirsch), bare / wrapped per cycle: median 0.952');
    expect(summarizeToggled(phases(cycles.map((costs) => costs.slice(0, 2))), ['bare', 'ours'], 0.93).wrapped).toBeUndefined();
  });

  it('counts cycles below the target fairly under noise: about half when the true bound is at the target', () => {
    // True costs: bare 100, hook 3, delivery 4.5, so the bound is 100 / 107.5 = 0.9302, at the
    // target of 0.93. Each phase gets its own noise (sd 4 µs). A bound that zeroed each step below 0
    // on its own counted about two cycles in three below the target, and a sign test over 60 cycles
    // then called the target unreachable (p < 0.01) where it is just reachable.
    const next = random(7);
    const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const cycles = Array.from({ length: 800 }, () => [100, 100, 103, 110, 114.5].map((cost) => cost + 4 * normal()));
    const summary = summarizeToggled(phases(cycles), VARIANTS, 0.93);
    expect(summary.bound.below / summary.bound.of).toBeGreaterThan(0.45);
    expect(summary.bound.below / summary.bound.of).toBeLessThan(0.55);
    expect(summary.bound.median).toBeGreaterThan(0.92);
    expect(summary.bound.median).toBeLessThan(0.94);
  });

  it('counts the cycles below the target when delivery costs more than the target allows', () => {
    const cycles = Array.from({ length: 12 }, (_, i) => [100 + i, 100 + i, 105 + i, 110 + i, 114 + i]);
    const summary = summarizeToggled(phases(cycles), VARIANTS, 0.93);
    // hook 5, delivery 4: about 100 / 109 < 0.93 in every cycle
    expect(summary.bound.below).toBe(12);
    expect(summary.bound.p).toBeCloseTo(1 / 4096, 12);
  });

  it('gives the capacity while the API hangs, healthy / hanging per cycle, against its own target, when ours and hanging ran', () => {
    const variants = ['bare', 'ours', 'hanging'];
    // ours 110; hanging 112 (0.982) in 7 cycles, 120 (0.917) in 3: the target of 0.95 is reached in 7 of 10.
    const cycles = Array.from({ length: 10 }, (_, i) => [100, 110, i < 3 ? 120 : 112].map((cost) => cost * (1 + i * 0.03)));
    const summary = summarizeToggled(phases(cycles), variants, 0.93, 0.95);
    expect(summary.hanging.median).toBeCloseTo(110 / 112, 10);
    expect(summary.hanging.atTarget).toBe(7);
    expect(summary.hanging.of).toBe(10);
    const lines = renderToggled({ framework: 'express', summary, target: 0.93, settings: SETTINGS }).join('\n');
    expect(lines).toContain('healthy / hanging per cycle, app CPU per request of ours / hanging: median 0.982');
    expect(lines).toContain('at or above the target of 0.95 in 7 of 10 cycles');
    expect(summarizeToggled(phases(cycles.map((costs) => costs.slice(0, 2))), ['bare', 'ours'], 0.93).hanging).toBeUndefined();
  });

  // The baseline's code against this checkout's: this checkout's cost 110 in every cycle, the
  // baseline's 121 (1.1) in 7 cycles and 99 (0.9) in 3: at or above 1 in 7 of 10.
  it.each([
    { key: 'change', line: 'before / ours per cycle', variants: ['bare', 'ours', 'before'], costs: [100, 110] },
    { key: 'hangingChange', line: 'hanging-before / hanging per cycle', variants: ['bare', 'ours', 'hanging', 'hanging-before'], costs: [100, 105, 110] },
  ])('gives the change, $line, when both ran', ({ key, line, variants, costs }) => {
    const cycles = Array.from({ length: 10 }, (_, i) => [...costs, i < 3 ? 99 : 121].map((cost) => cost * (1 + i * 0.02)));
    const summary = summarizeToggled(phases(cycles), variants, 0.93, 0.95);
    expect(summary[key].median).toBeCloseTo(1.1, 10);
    expect(summary[key].atTarget).toBe(7);
    const lines = renderToggled({ framework: 'koa', summary, target: 0.88, settings: SETTINGS }).join('\n');
    expect(lines).toContain(`${line} (above 1: this checkout costs less): median 1.100`);
    expect(lines).toContain('at or above the target of 1 in 7 of 10 cycles');
    // without the baseline's variant: no change
    expect(summarizeToggled(phases(cycles.map((cycle) => cycle.slice(0, -1))), variants.slice(0, -1), 0.93)[key]).toBeUndefined();
  });

  it("summarises a latency run: each phase's p99 paired within its cycle, the cycles within 1 ms, hanging against healthy", () => {
    const variants = ['bare', 'bare', 'ours', 'hanging'];
    // Every cycle's p99 moves with the machine (a slow cycle adds to all); ours adds 0.4 ms, hanging 1.5 ms more in 8 of 12 cycles.
    const recorded = Array.from({ length: 12 }, (_, cycle) => {
      const machine = (cycle % 4) * 2;
      const p99s = [3 + machine, 3.1 + machine, 3.4 + machine, 3.4 + machine + (cycle < 8 ? 1.5 : 0.2)];
      return p99s.map((p99, slot) => ({ cycle, slot, cpuUs: 1e5, served: 600, p50: 0.25 + slot / 100, p99, count: 600, errors: 0 }));
    }).flat();
    // A phase that timed nothing leaves its cycle out.
    recorded.push(...[3, 3, 3, 3].map((p99, slot) => ({ cycle: 12, slot, cpuUs: 1e5, served: 600, p50: 0.2, p99, count: slot === 2 ? 0 : 600, errors: 0 })));
    const summary = summarizeLatency(recorded, variants, 1);
    expect(summary.cycles).toBe(12);
    const row = (label: string) => summary.rows.find((r: { label: string }) => r.label === label);
    expect(row('bare (2)').overBare).toBeCloseTo(0.1, 10);
    expect(row('ours').overBare).toBeCloseTo(0.4, 10);
    expect(row('ours').within).toBe(12);
    expect(row('hanging').within).toBe(4);
    expect(row('ours').p50).toBeCloseTo(0.27, 10);
    expect(summary.hanging.overOurs).toBeCloseTo(1.5, 10);
    expect(summary.hanging.within).toBe(4);
    const lines = renderLatency({ framework: 'express', summary, settings: { ...SETTINGS, replicas: 2, latency: 1000 } }).join('\n');
    expect(lines).toContain('### express: latency at 1000 requests per second');
    expect(lines).toContain('; 2 processes per variant, one drawn for each cycle');
    expect(lines).toMatch(/\| ours \| 0\.27 \| [\d.]+ \| 0\.40 \| [-\d.]+ to [-\d.]+ \| 12 of 12 \|/);
    expect(lines).toContain('p99 of hanging over ours (healthy), paired per cycle: median 1.50 ms');
    expect(lines).toContain('within 1 ms in 4 of 12 cycles');
    expect(summarizeLatency(recorded, ['bare', 'bare', 'ours', 'naive'], 1).hanging).toBeUndefined();
  });
});
