import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's benchmark table and the figures under it are copied by hand from BENCHMARKS.md
// (written by `npm run bench`): this keeps the copy true to the report it cites.

const root = fileURLToPath(new URL('../', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
/** The README with every run of white space one space: sentences wrap anywhere. */
const flat = readme.replace(/\s+/g, ' ');
const report = readFileSync(`${root}BENCHMARKS.md`, 'utf8');

const VARIANTS = ['bare', 'ours', 'sdk', 'hanging'] as const;
type Variant = (typeof VARIANTS)[number];
interface Figures {
  rps: string;
  ratio: string;
  us: string;
}

/** The rows of the Markdown table under `header` (its first line, as written), each row's cells keyed by the header's. */
function tableAfter(text: string, header: string, file: string): Record<string, string>[] {
  const start = text.indexOf(header);
  if (start === -1) throw new Error(`${file}: no table headed "${header}"`);
  const cells = (line: string): string[] => line.split('|').slice(1, -1).map((cell) => cell.trim());
  const [head = '', , ...lines] = text.slice(start).split('\n');
  const names = cells(head);
  const rows = [];
  for (const line of lines) {
    if (!line.startsWith('|')) break;
    const values = cells(line);
    rows.push(Object.fromEntries(names.map((name, index) => [name, values[index] ?? ''])));
  }
  return rows;
}

const reportRows = tableAfter(report, '| Framework | Variant | req/s | vs bare | app CPU µs/req |', 'BENCHMARKS.md');

/** The report's main table: framework -> variant -> req/s, its ratio to bare and app CPU µs/req (rounded as the README shows it). */
function reportFigures(): Map<string, Map<string, Figures>> {
  const table = new Map<string, Map<string, Figures>>();
  for (const row of reportRows) {
    const framework = row.Framework ?? '';
    if (!table.has(framework)) table.set(framework, new Map());
    table.get(framework)!.set(row.Variant ?? '', { rps: row['req/s'] ?? '', ratio: row['vs bare'] ?? '', us: String(Math.round(Number(row['app CPU µs/req']))) });
  }
  return table;
}

/** The README's table: framework -> variant -> what its cell says. */
function readmeFigures(): Map<string, Map<Variant, Figures>> {
  const table = new Map<string, Map<Variant, Figures>>();
  const header = '| Framework | bare | with pirsch-node | with pirsch-sdk | API hanging (pirsch-node) |';
  for (const row of tableAfter(readme, header, 'README.md')) {
    const { Framework: name = '', ...cellsOf } = row;
    const framework = (name.split(' ')[0] ?? '').toLowerCase().replace(/js$/, '');
    const figures = new Map<Variant, Figures>();
    Object.values(cellsOf).forEach((cell, index) => {
      const match = /^([\d,]+) req\/s(?: \(([\d.]+)\))?, (\d+) µs$/.exec(cell);
      if (!match) throw new Error(`README.md: benchmark cell "${cell}" not understood`);
      figures.set(VARIANTS[index]!, { rps: match[1]!, ratio: match[2] ?? '', us: match[3]! });
    });
    table.set(framework, figures);
  }
  return table;
}

describe("the README's benchmark figures", () => {
  it('match BENCHMARKS.md, framework by framework', () => {
    const measured = reportFigures();
    const copied = readmeFigures();
    expect([...copied.keys()].sort()).toEqual([...measured.keys()].sort());
    for (const [framework, figures] of copied) {
      for (const variant of VARIANTS) {
        const expected = measured.get(framework)?.get(variant);
        expect(expected, `${framework} ${variant} in BENCHMARKS.md`).toBeDefined();
        const cell = figures.get(variant)!;
        expect({ framework, variant, rps: cell.rps, us: cell.us }).toEqual({ framework, variant, rps: expected!.rps, us: expected!.us });
        // The ratio to bare is shown for ours and the SDK.
        if (variant === 'ours' || variant === 'sdk') expect(cell.ratio, `${framework} ${variant}`).toBe(expected!.ratio);
      }
    }
  });

  it("state the hits delivered and tracker.track()'s cost as the report does", () => {
    // What the API received from ours (in the report's main table, where served = received is checked per run).
    const delivered = reportRows.filter((row) => row.Variant === 'ours').map((row) => Number((row['hits received'] ?? '').replace(/,/g, '')));
    expect(delivered.length).toBe(4);
    const total = delivered.reduce((sum, count) => sum + count, 0).toLocaleString('en-US');
    expect(/delivered every one of its ([\d,]+) hits/.exec(readme)?.[1]).toBe(total);
    const track = /`tracker\.track\(\)`, (\d+) ns here/.exec(report)?.[1];
    expect(track).toBeDefined();
    expect(/`tracker\.track\(\)` \(decision,\s+extraction and enqueue\) takes (\d+) ns per request/.exec(readme)?.[1]).toBe(track);
  });
});

// The README's side-by-side table is copied by hand from BENCHMARKS-TOGGLED.md (written by
// `node bench/toggled.mjs`).
const toggled = readFileSync(`${root}BENCHMARKS-TOGGLED.md`, 'utf8');
const MODES = { 'each variant in its own process': 'processes', 'every variant in one process': 'one process' } as const;

/** The report's figures, as the README's cells write them: "framework mode bound|capacity" -> cell. */
function toggledFigures(): Map<string, string> {
  const figures = new Map<string, string>();
  for (const section of toggled.split('\n### ').slice(1)) {
    const heading = /^(\w+): (each variant in its own process|every variant in one process)/.exec(section);
    if (!heading) continue;
    const key = `${heading[1]} ${MODES[heading[2] as keyof typeof MODES]}`;
    const bound = /median ([\d.]+) \(95 % interval ([\d.]+) to ([\d.]+)\); below the target of ([\d.]+) in (\d+) of (\d+) cycles \(sign test, one-sided, p = ([\d.e-]+)\)/.exec(section);
    if (bound) figures.set(`${key} bound`, `${bound[1]} (${bound[2]} to ${bound[3]}), below ${bound[4]} in ${bound[5]} of ${bound[6]} cycles, p = ${bound[7]}`);
    const capacity = /bare \/ ours per cycle: median ([\d.]+) \(95 % interval ([\d.]+) to ([\d.]+)\); at or above the target of ([\d.]+) in (\d+) of (\d+) cycles/.exec(section);
    if (capacity) figures.set(`${key} capacity`, `${capacity[1]} (${capacity[2]} to ${capacity[3]}), at or above ${capacity[4]} in ${capacity[5]} of ${capacity[6]} cycles`);
  }
  return figures;
}

describe("the README's side-by-side figures", () => {
  it('match BENCHMARKS-TOGGLED.md, framework by framework and mode by mode', () => {
    const measured = toggledFigures();
    const rows = tableAfter(readme, '| Side by side (BENCHMARKS-TOGGLED.md) | each variant in its own process | every variant in one process |', 'README.md');
    expect(rows.length).toBeGreaterThan(0);
    let compared = 0;
    for (const row of rows) {
      const label = row['Side by side (BENCHMARKS-TOGGLED.md)'] ?? '';
      const match = /^(Express|Nest): (least in-process bound|with pirsch-node)$/.exec(label);
      expect(match, `README row "${label}"`).not.toBeNull();
      const framework = match![1]!.toLowerCase();
      const what = match![2] === 'least in-process bound' ? 'bound' : 'capacity';
      for (const [column, mode] of [
        ['each variant in its own process', 'processes'],
        ['every variant in one process', 'one process'],
      ] as const) {
        const expected = measured.get(`${framework} ${mode} ${what}`);
        expect(expected, `${framework} ${mode} ${what} in BENCHMARKS-TOGGLED.md`).toBeDefined();
        expect(row[column], `${label}, ${column}`).toBe(expected);
        compared++;
      }
    }
    expect(compared).toBe(8);
  });
});

// The README's table of profiles is copied by hand from BENCHMARKS.md's section "Our share of the
// running app's CPU (profiles)" (written by bench/shares-run.mjs).
const PROFILE_ROWS: Record<string, [string, string]> = {
  'Express, middleware': ['express', 'ours'],
  'Express, withPirsch': ['express', 'wrapped'],
  'Koa, middleware': ['koa', 'ours'],
  'Fastify, plugin': ['fastify', 'ours'],
  'NestJS, module in front': ['nest', 'ours'],
};

describe("the README's profile figures", () => {
  it("match BENCHMARKS.md's shares, row by row", () => {
    const measured = tableAfter(report, '| framework | variant | req/s (median) | ours: median (lowest to highest) |', 'BENCHMARKS.md');
    const rows = tableAfter(readme, '| Profiles (BENCHMARKS.md) | ours: share of the main thread | track | serialise | post | capacity, at most | target |', 'README.md');
    expect(rows.map((row) => row['Profiles (BENCHMARKS.md)'])).toEqual(Object.keys(PROFILE_ROWS));
    for (const row of rows) {
      const [framework, variant] = PROFILE_ROWS[row['Profiles (BENCHMARKS.md)']!]!;
      const expected = measured.find((entry) => entry.framework === framework && entry.variant === variant);
      expect(expected, `${framework} ${variant} in BENCHMARKS.md`).toBeDefined();
      expect({ framework, variant, ours: row['ours: share of the main thread'], track: row.track, serialise: row.serialise, post: row.post, capacity: row['capacity, at most'], target: row.target }).toEqual({
        framework,
        variant,
        ours: expected!['ours: median (lowest to highest)'],
        track: expected!.track,
        serialise: expected!.serialise,
        post: expected!.post,
        capacity: (expected!['capacity from shares, at most (lowest to highest)'] ?? '').split(' ')[0],
        target: expected!.target,
      });
    }
  });
});

const NAMES: Record<string, string> = { express: 'Express', koa: 'Koa', fastify: 'Fastify', nest: 'Nest' };

describe("the README's sentences on the full run", () => {
  it("give each profile's bound with its spread, and each p99 against bare, as BENCHMARKS.md has them", () => {
    const measured = tableAfter(report, '| framework | variant | req/s (median) | ours: median (lowest to highest) |', 'BENCHMARKS.md');
    for (const [label, [framework, variant]] of Object.entries(PROFILE_ROWS)) {
      const bound = measured.find((entry) => entry.framework === framework && entry.variant === variant)?.['capacity from shares, at most (lowest to highest)'];
      expect(bound, `${label} in BENCHMARKS.md`).toMatch(/^[\d.]+ \([\d.]+ to [\d.]+\)$/);
      expect(flat.includes(`at most ${bound}`), `${label}: the README says "at most ${bound}"`).toBe(true);
    }
    const ours = reportRows.filter((row) => row.Variant === 'ours');
    expect(ours.length).toBe(4);
    for (const row of ours) {
      const delta = (row['p99 vs bare'] ?? '').replace(/^-/, '−').replace(/^\+/, '');
      const bare = reportRows.find((other) => other.Framework === row.Framework && other.Variant === 'bare')?.['p99 ms'];
      // Above bare: the difference and both p99s; below: the difference alone.
      if (delta.startsWith('−')) expect(flat.includes(delta), `${row.Framework}: the README says p99 ${delta}`).toBe(true);
      else {
        const sentence = `${delta} ms above it for ${NAMES[row.Framework ?? ''] ?? row.Framework} (${row['p99 ms']} against ${bare} ms`;
        expect(flat.includes(sentence), `${row.Framework}: the README says "${sentence}"`).toBe(true);
      }
    }
  });
});

// The README's table of split profiles is copied by hand from BENCHMARKS-SPLIT.md (written by
// bench/split.mjs): each row's capacity with pirsch-node and with the least design of its kind.
const SPLIT_ROWS: Record<string, [string, string, string]> = {
  'Express, middleware': ['express', 'ours', 'least'],
  'Express, withPirsch': ['express', 'wrapped', 'least-wrapped'],
  'Koa, middleware': ['koa', 'ours', 'least'],
  'Fastify, plugin': ['fastify', 'ours', 'least'],
};

describe("the README's split figures", () => {
  it('match BENCHMARKS-SPLIT.md, row by row, and the A/A line its bare rows', () => {
    const split = readFileSync(`${root}BENCHMARKS-SPLIT.md`, 'utf8');
    const measured = tableAfter(split, '| framework | variant | capacity: median (lowest to highest) |', 'BENCHMARKS-SPLIT.md');
    const capacityOf = (framework: string, variant: string): string | undefined => measured.find((entry) => entry.framework === framework && entry.variant === variant)?.['capacity: median (lowest to highest)'];
    const rows = tableAfter(readme, '| Split profiles (BENCHMARKS-SPLIT.md) | with pirsch-node | the least design of its kind | target |', 'README.md');
    expect(rows.map((row) => row['Split profiles (BENCHMARKS-SPLIT.md)'])).toEqual(Object.keys(SPLIT_ROWS));
    const entry = (framework: string, variant: string) => measured.find((line) => line.framework === framework && line.variant === variant);
    const first = (cell: string | undefined) => Number.parseFloat(cell ?? 'NaN');
    for (const row of rows) {
      const [framework, ours, least] = SPLIT_ROWS[row['Split profiles (BENCHMARKS-SPLIT.md)']!]!;
      const charged = (variant: string) => entry(framework, variant)?.['charged: median (lowest to highest)']?.split(' ')[0];
      expect(row['charged: pirsch-node, least design']).toBe(`${charged(ours)}, ${charged(least)}`);
      const target = first(entry(framework, ours)?.target);
      // "the least design is at or above every target by the median"
      expect(first(capacityOf(framework, least)), `${framework} ${least}`).toBeGreaterThanOrEqual(target);
      expect({ framework, ours: row['with pirsch-node'], least: row['the least design of its kind'], target: row.target }).toEqual({
        framework,
        ours: capacityOf(framework, ours),
        least: capacityOf(framework, least),
        target: measured.find((entry) => entry.framework === framework && entry.variant === ours)?.target,
      });
    }
    const oursOf = (framework: string, variant: string): string | undefined => measured.find((entry) => entry.framework === framework && entry.variant === variant)?.ours;
    const shares = /our code took ([0-9.]+) % of the busy samples with Koa against the least design's ([0-9.]+) %, and ([0-9.]+) % with Fastify against ([0-9.]+) %/.exec(flat);
    expect(shares, "the sentence on our share and the least design's").not.toBeNull();
    const oneDecimal = (share: string | undefined) => (share === undefined ? undefined : Number.parseFloat(share).toFixed(1));
    expect(shares!.slice(1)).toEqual([oursOf('koa', 'ours'), oursOf('koa', 'least'), oursOf('fastify', 'ours'), oursOf('fastify', 'least')].map(oneDecimal));
    // the check without inlining, from its own report
    const unInlined = tableAfter(readFileSync(`${root}BENCHMARKS-SPLIT-NO-INLINING.md`, 'utf8'), '| framework | variant | capacity: median (lowest to highest) |', 'BENCHMARKS-SPLIT-NO-INLINING.md');
    const noInlining = (framework: string, variant: string) => unInlined.find((entry) => entry.framework === framework && entry.variant === variant)?.['capacity: median (lowest to highest)']?.split(' ')[0];
    const check = /pirsch-node ([0-9.]+) \(Express's\s+middleware\), ([0-9.]+) \(`withPirsch`\), ([0-9.]+) \(Koa\) and ([0-9.]+) \(Fastify\), the least design ([0-9.]+), ([0-9.]+),\s+([0-9.]+) and ([0-9.]+)\./.exec(flat);
    expect(check, 'the sentence on the split without inlining').not.toBeNull();
    expect(check!.slice(1)).toEqual([
      noInlining('express', 'ours'),
      noInlining('express', 'wrapped'),
      noInlining('koa', 'ours'),
      noInlining('fastify', 'ours'),
      noInlining('express', 'least'),
      noInlining('express', 'least-wrapped'),
      noInlining('koa', 'least'),
      noInlining('fastify', 'least'),
    ]);
    // The sentences on each target, against the saved run's repeats.
    const atOrAbove = (key: string, target: number) => repeatsOf([TABLE_RUN], key, target)[1];
    const median = (framework: string, variant: string) => capacityOf(framework, variant)?.split(' ')[0];
    expect(/meets Koa's target by the median in this run: ([0-9.]+) \((\d) of 4 repeats at or above 0\.88\)/.exec(flat)?.slice(1)).toEqual([median('koa', 'ours'), atOrAbove('koa ours', 0.88)]);
    expect(first(median('koa', 'ours'))).toBeGreaterThanOrEqual(0.88);
    expect(/Fastify's it misses in this run: ([0-9.]+) \((\d) of 4 repeats at or above 0\.85\)/.exec(flat)?.slice(1)).toEqual([median('fastify', 'ours'), atOrAbove('fastify ours', 0.85)]);
    expect(first(median('fastify', 'ours'))).toBeLessThan(0.85);
    expect(/Express's it misses in every repeat as a middleware \(([0-9.]+),/.exec(flat)?.[1]).toBe(median('express', 'ours'));
    expect(atOrAbove('express ours', 0.93)).toBe('0');
    expect(/with `withPirsch` in front it reads ([0-9.]+) by the median \((\d) of 4 repeats at or above 0\.93\)/.exec(flat)?.slice(1)).toEqual([median('express', 'wrapped'), atOrAbove('express wrapped', 0.93)]);
    expect(/Express\s+([0-9.]+) as a middleware \((\d) of 4 repeats at or above 0\.93;/.exec(flat)?.slice(1)).toEqual([median('express', 'least'), atOrAbove('express least', 0.93)]);
    // "least design, then naive, then pirsch-node"
    const steps = /Express\s+([0-9.]+), ([0-9.]+), ([0-9.]+); Koa ([0-9.]+), ([0-9.]+), ([0-9.]+); Fastify ([0-9.]+), ([0-9.]+), ([0-9.]+)\./.exec(flat);
    expect(steps, 'the sentence on least, naive and pirsch-node').not.toBeNull();
    expect(steps!.slice(1)).toEqual(['express', 'koa', 'fastify'].flatMap((framework) => [median(framework, 'least'), median(framework, 'naive'), median(framework, 'ours')]));
    const aa = /A\/A \(bare against bare\): ([0-9.]+) \(Express\), ([0-9.]+) \(Koa\) and ([0-9.]+) \(Fastify\)/.exec(flat);
    expect(aa, 'the A/A sentence under the split table').not.toBeNull();
    expect(aa!.slice(1)).toEqual(['express', 'koa', 'fastify'].map((framework) => capacityOf(framework, 'bare')?.split(' ')[0]));
  });
});

describe("the README's decomposition of our share", () => {
  it("matches BENCHMARKS-SHARES.md's ours, naive and least rows", () => {
    const shares = tableAfter(readFileSync(`${root}BENCHMARKS-SHARES.md`, 'utf8'), '| framework | variant | req/s (median) | ours: median (lowest to highest) |', 'BENCHMARKS-SHARES.md');
    const oursOf = (framework: string, variant: string) => shares.find((entry) => entry.framework === framework && entry.variant === variant)?.['ours: median (lowest to highest)']?.split(' ')[0];
    const text = /ours takes ([0-9.]+) %, naive ([0-9.]+) % and the least design\s+([0-9.]+) %[^]*?in\s+Fastify ([0-9.]+), ([0-9.]+) and ([0-9.]+) %; in Express ([0-9.]+), ([0-9.]+) and ([0-9.]+) %/.exec(flat);
    expect(text, 'the sentence on ours, naive and the least design').not.toBeNull();
    expect(text!.slice(1)).toEqual(['koa', 'fastify', 'express'].flatMap((framework) => ['ours', 'naive', 'least'].map((variant) => oursOf(framework, variant))));
  });
});

describe("the README's phases of our share", () => {
  it("match BENCHMARKS-SHARES.md's track, serialise and post", () => {
    const shares = tableAfter(readFileSync(`${root}BENCHMARKS-SHARES.md`, 'utf8'), '| framework | variant | req/s (median) | ours: median (lowest to highest) |', 'BENCHMARKS-SHARES.md');
    const phase = (framework: string, variant: string, name: string) => shares.find((entry) => entry.framework === framework && entry.variant === variant)?.[name]?.split(' ')[0];
    const track = /tracking \(deciding, extracting, building and enqueueing the hit: Koa ([0-9.]+) % against the least design's ([0-9.]+), Fastify ([0-9.]+) against ([0-9.]+), Express ([0-9.]+) against ([0-9.]+)\)/.exec(flat);
    expect(track, 'the sentence on tracking').not.toBeNull();
    expect(track!.slice(1)).toEqual(['koa', 'fastify', 'express'].flatMap((framework) => [phase(framework, 'ours', 'track'), phase(framework, 'least', 'track')]));
    const rest = /Koa ([0-9.]+) against ([0-9.]+)\) and posting \(([0-9.]+) against ([0-9.]+)\)[^]*?naive\) takes ([0-9.]+) % in Koa/.exec(flat);
    expect(rest, 'the sentence on serialising, posting and naive').not.toBeNull();
    expect(rest!.slice(1)).toEqual([phase('koa', 'ours', 'serialise'), phase('koa', 'least', 'serialise'), phase('koa', 'ours', 'post'), phase('koa', 'least', 'post'), phase('koa', 'naive', 'track')]);
  });
});

describe("the README's table of the performance steps", () => {
  it('matches the saved split runs of each step, framework by framework, with the commit each measured', async () => {
    // @ts-expect-error: the bench's modules are plain JavaScript without types
    const { summarizeSplit } = (await import('../bench/split.mjs')) as unknown as {
      summarizeSplit: (results: Map<string, unknown[]>) => Array<{ framework: string; variant: string; capacity: number; capacityLow: number; capacityHigh: number }>;
    };
    const rows = tableAfter(readme, '| Step (bench/split-steps/) | package code |', 'README.md');
    expect(rows.length).toBeGreaterThanOrEqual(5);
    const columns: Record<string, string> = { express: 'Express, middleware', koa: 'Koa', fastify: 'Fastify' };
    for (const row of rows) {
      const file = /`([\w-]+\.json)`/.exec(row['Step (bench/split-steps/)'] ?? '')?.[1];
      expect(file, `a saved run named in "${row['Step (bench/split-steps/)']}"`).toBeDefined();
      const saved = JSON.parse(readFileSync(`${root}bench/split-steps/${file}`, 'utf8')) as { commit: string; results: Record<string, unknown[]> };
      // The commit the run recorded (its packages were built from it), first in the row's cell.
      expect(row['package code']?.split(':')[0], file).toBe(/`[0-9a-f]+`/.exec(saved.commit)?.[0]);
      const summary = summarizeSplit(new Map(Object.entries(saved.results)));
      for (const [framework, column] of Object.entries(columns)) {
        const ours = summary.find((entry) => entry.framework === framework && entry.variant === 'ours');
        expect(row[column], `${file} ${framework}`).toBe(`${ours?.capacity.toFixed(3)} (${ours?.capacityLow.toFixed(3)} to ${ours?.capacityHigh.toFixed(3)})`);
      }
    }
  });
});

/** The saved run of the README's split table (bench/split.mjs --results). */
const TABLE_RUN = 'bench/split-steps/g8.json';

/** Over the saved runs `files`, the repeats of `key` ("framework variant"): their median, how many at or above `target`, and how many. */
function repeatsOf(files: string[], key: string, target: number): string[] {
  const all = files.flatMap((file) => (JSON.parse(readFileSync(`${root}${file}`, 'utf8')).results[key] as { capacity: number }[]).map((run) => run.capacity));
  all.sort((a, b) => a - b);
  const middle = all.length / 2;
  const median = all.length % 2 === 1 ? all[Math.floor(middle)]! : (all[middle - 1]! + all[middle]!) / 2;
  return [median.toFixed(3), String(all.filter((capacity) => capacity >= target).length), String(all.length)];
}

/** The README's sentence that starts with `lead` gives pirsch-node's median and counts over `files`, framework by framework. */
function expectPooledSentence(lead: string, files: string[]): void {
  const sentence = new RegExp(
    `${lead} ([0-9.]+) for Express's middleware \\((none|\\d+) of (\\d+) at or above 0\\.93\\), ([0-9.]+) for Koa \\((\\d+) of (\\d+) at or above 0\\.88\\) and ([0-9.]+) for Fastify \\((\\d+) of (\\d+) at or above 0\\.85\\)`,
  ).exec(flat);
  expect(sentence, `the sentence "${lead} ..."`).not.toBeNull();
  const [, expressMedian, expressAbove, expressCount, koaMedian, koaAbove, koaCount, fastifyMedian, fastifyAbove, fastifyCount] = sentence!;
  expect([expressMedian, expressAbove === 'none' ? '0' : expressAbove, expressCount]).toEqual(repeatsOf(files, 'express ours', 0.93));
  expect([koaMedian, koaAbove, koaCount]).toEqual(repeatsOf(files, 'koa ours', 0.88));
  expect([fastifyMedian, fastifyAbove, fastifyCount]).toEqual(repeatsOf(files, 'fastify ours', 0.85));
}

describe("the README's pooled figures since the finish channel", () => {
  it('are the medians and counts of the 20 saved repeats they name', () => {
    expectPooledSentence('median reads', ['g4', 'g5', 'g6a', 'g7', 'g8'].map((name) => `bench/split-steps/${name}.json`));
  });

  it('are, for the package code of steps 8 and 9, the medians and counts of their 8 repeats', () => {
    expectPooledSentence('the package code of those steps reads', ['g9', 'g10'].map((name) => `bench/split-steps/${name}.json`));
  });

  it("are, for step 10 (Express's req.pirsch on the socket), the medians and counts of its 4 repeats", () => {
    expectPooledSentence('step 10 reads', ['bench/split-steps/g11.json']);
  });

  it('are, for step 11 (aborted responses counted), the medians and counts of its 4 repeats', () => {
    expectPooledSentence('step 11 reads', ['bench/split-steps/g12.json']);
  });

  it('are, for step 13 (batch bodies in lent memory), the medians and counts of its 4 repeats', () => {
    expectPooledSentence('step 13 reads', ['bench/split-steps/floor3.json']);
  });
});

describe("the README's Nest split", () => {
  it('gives the median, spread and count of bench/split-steps/nest1.json for ours, the least design and bare against bare', () => {
    const runs = JSON.parse(readFileSync(`${root}bench/split-steps/nest1.json`, 'utf8')).results as Record<string, { capacity: number }[]>;
    const of = (variant: string) => {
      const all = runs[`nest ${variant}`]!.map((run) => run.capacity).sort((a, b) => a - b);
      const median = (all[1]! + all[2]!) / 2;
      return `${median.toFixed(3)} (${all[0]!.toFixed(3)} to ${all[3]!.toFixed(3)}`;
    };
    expect(runs['nest ours']).toHaveLength(4);
    const above = runs['nest ours']!.filter((run) => run.capacity >= 0.93).length;
    expect(flat).toContain(`reads ${of('ours')}; ${above} of 4 at or above 0.93), the least design as a Nest middleware ${of('least')}) and bare against bare ${of('bare')})`);
  });
});

// The README's paired p99 figures are copied by hand from BENCHMARKS-LATENCY.md (written by
// `node bench/toggled.mjs --latency`) and its run before the Express socket slot.
describe("the README's paired p99 figures", () => {
  /** A latency report's row of `variant` in `framework`'s section: its p99 over bare and its 95 % interval, as the README writes them. */
  const pairedOf = (file: string, framework: string, variant: string): string => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    const section = text.split('\n### ').find((part) => part.startsWith(`${framework}: latency`)) ?? '';
    const row = tableAfter(section, '| variant | p50, median (ms) | p99, median (ms) |', file).find((entry) => entry.variant === variant);
    expect(row, `${file}: ${framework} ${variant}`).toBeDefined();
    // The README writes a minus sign where the report has a hyphen.
    const interval = (row!['95 % interval'] ?? '').replace(/-/g, '−');
    return `${row!['p99 over bare, paired per cycle (ms)']} (${interval}`;
  };

  it('match BENCHMARKS-LATENCY.md and the run at 8ddeee3', () => {
    const now = pairedOf('BENCHMARKS-LATENCY.md', 'express', 'ours');
    expect(flat).toContain(`Express's p99 with our middleware read ${now.replace(' (', ' ms over bare\'s (95 % interval ')}`);
    expect(flat).toContain(`it read ${pairedOf('BENCHMARKS-LATENCY-8ddeee3.md', 'express', 'ours')})`);
    expect(flat).toContain(`Nest's read ${pairedOf('BENCHMARKS-LATENCY.md', 'nest', 'ours')}), ${pairedOf('BENCHMARKS-LATENCY-8ddeee3.md', 'nest', 'ours').split(' ')[0]} then`);
    expect(flat).toContain(`Express's read ${pairedOf('BENCHMARKS-LATENCY.md', 'express', 'hanging').replace(' (', " ms over bare's (")})`);
  });
});

// The README's side-by-side figures while the API hangs are copied by hand from
// BENCHMARKS-HANGING.md (written by `node bench/toggled.mjs --variants bare,ours,hanging,hanging-before`).
/** Per framework of a toggled report, the median and 95 % interval of its line that starts with `what`, as the README writes them (Express, Koa, Fastify, Nest). */
function ratioFigures(text: string, what: string): (string | undefined)[] {
  const figures = new Map<string, string>();
  for (const section of text.split('\n### ').slice(1)) {
    const framework = /^(\w+): each variant in its own process/.exec(section)?.[1];
    const at = section.indexOf(what);
    const ratio = /: median ([\d.]+) \(95 % interval ([\d.]+) to ([\d.]+)\)/.exec(section.slice(at));
    if (!framework || at < 0 || !ratio) continue;
    figures.set(framework, `${NAMES[framework] ?? framework} ${ratio[1]} (${ratio[2]} to ${ratio[3]})`);
  }
  return ['express', 'koa', 'fastify', 'nest'].map((framework) => figures.get(framework));
}

describe("the README's figures while the API hangs", () => {
  const hanging = readFileSync(`${root}BENCHMARKS-HANGING.md`, 'utf8');
  const figuresOf = (what: string) => ratioFigures(hanging, what);

  it('match BENCHMARKS-HANGING.md, healthy / hanging, framework by framework', () => {
    const [express, koa, fastify, nest] = figuresOf('healthy / hanging per cycle, app CPU per request of ours / hanging');
    expect([express, koa, fastify, nest].every(Boolean)).toBe(true);
    expect(flat).toContain(`it reads ${express}, ${koa}, ${fastify} and ${nest}:`);
  });

  it("match BENCHMARKS-HANGING.md, the change against the code before (hanging-before / hanging), framework by framework", () => {
    const [express, koa, fastify, nest] = figuresOf('The change while the API hangs');
    expect([express, koa, fastify, nest].every(Boolean)).toBe(true);
    expect(flat).toContain(`hanging-before / hanging per cycle) ${express}, ${koa}, ${fastify} and ${nest}:`);
  });
});

describe("the README's figures of batch bodies in lent memory, side by side with the code before", () => {
  it('match BENCHMARKS-BODIES.md, before / ours per cycle, framework by framework', () => {
    const [express, koa, fastify] = ratioFigures(readFileSync(`${root}BENCHMARKS-BODIES.md`, 'utf8'), 'The change, the baseline against this checkout');
    expect([express, koa, fastify].every(Boolean)).toBe(true);
    expect(flat).toContain(`before / ours per cycle) ${express}, ${koa} and ${fastify}:`);
  });
});

// The README's table of the floor target side by side: figures of saved split runs with the floor
// measured in each repeat (bench/split.mjs since 96ed6b4), recomputed here from those runs.
describe("the README's floor table from the split runs", () => {
  it('gives, row by row, the capacity, added and own CPU per tracked request and the floor of the saved run it names', async () => {
    // @ts-expect-error: the bench's modules are plain JavaScript without types
    const { summarizeSplit } = (await import('../bench/split.mjs')) as unknown as {
      summarizeSplit: (results: Map<string, unknown[]>) => Array<{
        framework: string;
        variant: string;
        capacity: number;
        capacityLow: number;
        capacityHigh: number;
        addedUs: number;
        addedOverFloor: number;
        addedOverFloorLow: number;
        addedOverFloorHigh: number;
        ownUs: number;
        ownPhasesUs: { track: number; serialise: number; post: number };
        floorUs: number;
      }>;
    };
    const rows = tableAfter(readme, '| Framework | run (bench/split-steps/) | capacity | added µs per tracked request |', 'README.md');
    expect(rows.length).toBeGreaterThanOrEqual(8);
    const names: Record<string, string> = { 'Express, middleware': 'express', Koa: 'koa', Fastify: 'fastify', Nest: 'nest' };
    for (const row of rows) {
      const run = /^(ours|least design)\b.*`([\w-]+\.json)`/.exec(row['run (bench/split-steps/)'] ?? '');
      expect(run, `a saved run named in "${row['run (bench/split-steps/)']}"`).not.toBeNull();
      const saved = JSON.parse(readFileSync(`${root}bench/split-steps/${run![2]}`, 'utf8')) as { results: Record<string, unknown[]> };
      const framework = names[row.Framework ?? ''];
      const variant = run![1] === 'ours' ? 'ours' : 'least';
      const s = summarizeSplit(new Map(Object.entries(saved.results))).find((entry) => entry.framework === framework && entry.variant === variant);
      expect(s, `${run![2]} ${framework} ${variant}`).toBeDefined();
      const where = `${row.Framework}, ${row['run (bench/split-steps/)']}`;
      expect(row.capacity, where).toBe(`${s!.capacity.toFixed(3)} (${s!.capacityLow.toFixed(3)} to ${s!.capacityHigh.toFixed(3)})`);
      expect(row['added µs per tracked request'], where).toBe(s!.addedUs.toFixed(2));
      expect(row['× floor (lowest to highest)'], where).toBe(`${s!.addedOverFloor.toFixed(2)} (${s!.addedOverFloorLow.toFixed(2)} to ${s!.addedOverFloorHigh.toFixed(2)})`);
      expect(row['own µs: track, serialise, post'], where).toBe(`${s!.ownUs.toFixed(2)}: ${s!.ownPhasesUs.track.toFixed(2)}, ${s!.ownPhasesUs.serialise.toFixed(2)}, ${s!.ownPhasesUs.post.toFixed(2)}`);
      expect(row['floor µs'], where).toBe(s!.floorUs.toFixed(2));
    }
  });
});
