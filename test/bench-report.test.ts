import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: the bench's report module is plain JavaScript without types
import { checkTargets, inProcessBound, leastInProcess, summarize } from '../bench/report.mjs';
// @ts-expect-error: the bench's modules are plain JavaScript without types
import { baselineSharesNest, variantFits } from '../bench/apps.mjs';

/** One run as bench/http.mjs records it, with only what summarize() reads. */
function run(round: number, variant: string, cpuUsPerRequest: number, repeated = false) {
  return {
    framework: 'express',
    variant,
    round,
    repeated,
    cpuUsPerRequest,
    rps: 1_000_000 / cpuUsPerRequest,
    elu: 1,
    p50: Number.NaN,
    p99: Number.NaN,
    served: 10,
    received: { hits: 0, ingestPosts: 0 },
    app: { metrics: {} },
    errors: 0,
    non2xx: 0,
  };
}

describe('bench report: the least in-process bound', () => {
  // Round by round: bare, empty (the end hook), extract, naive (the least delivery).
  const rounds = [
    [100, 102, 106, 110], // hook 2, delivery 4: 100 / 106
    [100, 99, 108, 109], // hook -1, delivery 1: their sum 0, so 100 / 100 (not 100 / 101: a step below 0 is not zeroed alone)
    [110, 114, 118, 128], // hook 4, delivery 10: 110 / 124
  ];
  const runs = rounds.flatMap(([bare, empty, extract, naive], i) => [
    run(i + 1, 'bare', bare as number),
    run(i + 1, 'empty', empty as number),
    run(i + 1, 'extract', extract as number),
    run(i + 1, 'naive', naive as number),
  ]);

  it('is computed from the medians and from each round on its own', () => {
    const table = summarize(runs, ['express'], ['bare', 'empty', 'extract', 'naive']);
    const bound = inProcessBound(table.express);
    // Medians: bare 100, empty 102, extract 108, naive 110: hook 2, delivery 2.
    expect(bound.hook).toBe(2);
    expect(bound.delivery).toBe(2);
    expect(bound.best).toBeCloseTo(100 / 104, 10);
    expect(bound.perRound).toHaveLength(3);
    expect(bound.perRound[0]).toBeCloseTo(100 / 106, 10);
    expect(bound.perRound[1]).toBe(1);
    expect(bound.perRound[2]).toBeCloseTo(110 / 124, 10);
  });

  it('says how many rounds the verdict holds in', () => {
    const table = summarize(runs, ['express'], ['bare', 'empty', 'extract', 'naive']);
    // Medians allow 0.96; the rounds 0.94, 1.00 and 0.89.
    expect(leastInProcess(table.express, 0.95)).toBe(
      ' The least an in-process SDK pays in this app, an empty adapter (2.0) and naive delivery (2.0) with deciding and extracting free,' +
        ' allows at most 0.96 of bare (per round 0.89–1.00, below the target in 2 of 3 rounds), which leaves 1.3 µs for deciding and' +
        ' extracting under the target of 0.95.',
    );
    expect(leastInProcess(table.express, 0.97)).toContain('allows at most 0.96 of bare, below the target of 0.97 (per round 0.89–1.00, below the target in 2 of 3 rounds): no in-process design reaches it in this app.');
  });

  it('shows a ratio that rounds to the target with the digits that tell them apart', () => {
    // bare 100, hook 0, delivery 7.56: 0.9297, below 0.93.
    const close = [1, 2, 3].flatMap((round) => [run(round, 'bare', 100), run(round, 'empty', 100), run(round, 'extract', 110), run(round, 'naive', 117.56)]);
    const table = summarize(close, ['express'], ['bare', 'empty', 'extract', 'naive']);
    expect(leastInProcess(table.express, 0.93)).toContain(
      'allows at most 0.9297 of bare, below the target of 0.93 (per round 0.9297, below the target in 3 of 3 rounds)',
    );
    // Far from the target: two digits.
    expect(leastInProcess(table.express, 0.85)).toContain('allows at most 0.93 of bare (per round 0.93, below the target in 0 of 3 rounds)');
  });

  it('leaves out a run set aside as disturbed, and a round that lacks one of the four runs', () => {
    const more = [...runs, run(2, 'naive', 500, true), run(4, 'bare', 100), run(4, 'empty', 100), run(4, 'naive', 100)];
    const table = summarize(more, ['express'], ['bare', 'empty', 'extract', 'naive']);
    const bound = inProcessBound(table.express);
    expect(bound.perRound).toHaveLength(3);
    expect(bound.perRound[1]).toBe(1);
  });

  it('shows a step measured below 0 as measured, and holds only the sum of the two at 0 or more', () => {
    // hook -0.3 (noise), delivery 5.5: the bound is 17.7 / 22.9, not 17.7 / 23.2.
    const steps = [1, 2, 3].flatMap((round) => [run(round, 'bare', 17.7), run(round, 'empty', 17.4), run(round, 'extract', 18.8), run(round, 'naive', 24.3)]);
    const bound = inProcessBound(summarize(steps, ['express'], ['bare', 'empty', 'extract', 'naive']).express);
    expect(bound.hook).toBeCloseTo(-0.3, 10);
    expect(bound.delivery).toBeCloseTo(5.5, 10);
    expect(bound.best).toBeCloseTo(17.7 / 22.9, 10);
    expect(bound.perRound[0]).toBeCloseTo(17.7 / 22.9, 10);
  });

  it('is undefined when the steps did not run', () => {
    const table = summarize(runs.filter((r) => r.variant !== 'naive'), ['express'], ['bare', 'empty', 'extract', 'naive']);
    expect(inProcessBound(table.express)).toBeUndefined();
  });
});

describe('bench report: Express in front of the app (wrapped)', () => {
  it('checks the capacity of wrapped against the same target as ours, and only Express has it', () => {
    const runs = [1, 2, 3].flatMap((round) => [run(round, 'bare', 100), run(round, 'ours', 118), run(round, 'wrapped', round === 2 ? 109 : 106)]);
    const checks = checkTargets(summarize(runs, ['express'], ['bare', 'ours', 'wrapped']), undefined);
    const wrapped = checks.find((check: { what: string }) => check.what.includes('in front of the app'));
    expect(wrapped).toMatchObject({ target: '>= 0.93 of bare', ok: true });
    expect(wrapped.actual).toMatch(/^0\.94 \(106\.0 vs 100\.0 µs; per round 0\.92–0\.94\)/);
    expect(checks.find((check: { what: string }) => check.what.includes('with our middleware'))).toMatchObject({ ok: false });
    expect(checkTargets(summarize(runs.filter((r) => r.variant !== 'wrapped'), ['express'], ['bare', 'ours', 'wrapped']), undefined).some((check: { what: string }) => check.what.includes('in front of the app'))).toBe(false);
    expect(['express', 'koa', 'fastify', 'nest'].map((framework) => variantFits(framework, 'wrapped'))).toEqual([true, false, false, false]);
    expect(variantFits('koa', 'ours')).toBe(true);
  });

  it("measures Nest's before only against a baseline that resolves this workspace's @nestjs copies", () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    expect(baselineSharesNest(root)).toBe(true);
    expect(baselineSharesNest(join(root, 'no-such-checkout'))).toBe(false);
    expect(baselineSharesNest(undefined)).toBe(false);
    expect(variantFits('koa', 'before')).toBe(true);
  });
});
