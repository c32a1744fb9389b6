import { createClient, FIELD_LIMITS, PirschDropError, type EventOptions, type Hit, type PirschClient, type PirschError } from '@pirsch-node/core';
import { createPirschEmulator, type PirschEmulator } from '@pirsch-node/testing';
import { afterEach, expect, it } from 'vitest';
import { failOnUnhandledErrors } from './support/guard.js';

// One bad item never costs another: a stream of 10,000 hits and events with 1 % malformed, of
// every kind the API refuses, and some the client cannot know are bad (the emulator refuses them
// as the API would an invalid item). Every good item arrives once, every fixable one arrives
// fixed, and the refused ones are dropped alone, reported with the API's message.

failOnUnhandledErrors();

let emulator: PirschEmulator | undefined;
let client: PirschClient | undefined;
afterEach(async () => {
  await client?.close(1000);
  await emulator?.close();
  client = undefined;
  emulator = undefined;
});

const REFUSED_MESSAGE = 'this page may not be tracked';
const many = (count: number, value = 'v') => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, value]));

/** One way to get an item wrong, and what must arrive of it. */
interface Malformation {
  name: string;
  event?: true;
  /** Fields that spoil the item. */
  fields?: Record<string, unknown>;
  options?: Record<string, unknown>;
  /** Checks the item as it arrived. */
  arrived: (item: Record<string, unknown>) => void;
}

const MALFORMATIONS: Malformation[] = [
  { name: '21 tags', fields: { tags: many(21) }, arrived: (item) => expect(Object.keys(item.tags as object)).toHaveLength(FIELD_LIMITS.tagCount) },
  { name: 'a tag key over 50', fields: { tags: { ['k'.repeat(80)]: 'v' } }, arrived: (item) => expect(item.tags).toEqual({ ['k'.repeat(50)]: 'v' }) },
  { name: 'a tag value over 50', fields: { tags: { author: 'v'.repeat(80) } }, arrived: (item) => expect(item.tags).toEqual({ author: 'v'.repeat(50) }) },
  { name: 'tag values that are not strings', fields: { tags: { n: 7, o: { x: 1 } } }, arrived: (item) => expect(item.tags).toEqual({ n: '7' }) },
  { name: 'a title that is not a string', fields: { title: 404 }, arrived: (item) => expect(item).not.toHaveProperty('title') },
  { name: 'screen_width -5', fields: { screen_width: -5, screen_height: 800 }, arrived: (item) => expect([item.screen_width, item.screen_height]).toEqual([undefined, 800]) },
  { name: 'a fractional screen height', fields: { screen_height: 1080.4 }, arrived: (item) => expect(item.screen_height).toBe(1080) },
  { name: 'disable_bot_filter "yes"', fields: { disable_bot_filter: 'yes' }, arrived: (item) => expect(item).not.toHaveProperty('disable_bot_filter') },
  {
    name: 'meta values that are not strings, and too many',
    event: true,
    options: { meta: { ...many(25), nested: { a: 1 } } },
    arrived: (item) => expect(Object.keys(item.event_meta as object)).toHaveLength(FIELD_LIMITS.metaCount),
  },
  { name: 'a negative event_duration', event: true, options: { duration: -3 }, arrived: (item) => expect(item).not.toHaveProperty('event_duration') },
];

it('a stream of 10,000 items, 1 % malformed: every good item arrives once, the fixable fixed, the refused alone and reported with the API\'s message', async () => {
  emulator = await createPirschEmulator({ refuseItem: (item) => (String(item.url).includes('/refused/') ? REFUSED_MESSAGE : undefined) });
  const reported: PirschError[] = [];
  client = createClient({ baseUrl: emulator.url, accessKey: emulator.accessKey, onError: (error) => reported.push(error), minRetryDelayMs: 20, maxRetryDelayMs: 200 });

  const TOTAL = 10_000;
  const fixable = new Map<string, Malformation>();
  const refused = new Set<string>();
  const good = new Set<string>();
  for (let i = 0; i < TOTAL; i++) {
    const base: Hit = { url: `https://shop.example/p/${i}`, ip: `10.0.${(i >> 8) & 255}.${i & 255}`, user_agent: 'Mozilla/5.0 stream' };
    // 1 % malformed: 90 that can be fixed, 10 the API refuses.
    if (i % 100 === 37) {
      const n = Math.floor(i / 100);
      if (n % 10 === 9) {
        const url = `https://shop.example/refused/${i}`;
        refused.add(url);
        client.hit({ ...base, url });
      } else {
        const malformation = MALFORMATIONS[fixable.size % MALFORMATIONS.length] as Malformation;
        fixable.set(base.url, malformation);
        const item = { ...base, ...malformation.fields } as unknown as Hit;
        if (malformation.event) client.event('Signup', item, malformation.options as EventOptions);
        else client.hit(item);
      }
    } else {
      good.add(base.url);
      if (i % 10 === 0) client.event('Click', base, { meta: { n: String(i) } });
      else client.hit(base);
    }
    // A stream, not one burst: batches go out while it runs.
    if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
  }
  expect(await client.flush(30_000)).toBe(false); // false: the refused items were not delivered

  const arrived = [...emulator.hits, ...emulator.events] as unknown as Array<Record<string, unknown>>;
  const arrivedUrls = arrived.map((item) => item.url as string);
  expect(new Set(arrivedUrls).size).toBe(arrivedUrls.length); // each once
  expect(arrivedUrls).toHaveLength(good.size + fixable.size);
  for (const url of good) expect(arrivedUrls).toContain(url);
  const byUrl = new Map(arrived.map((item) => [item.url as string, item]));
  expect(fixable.size).toBe(90);
  expect(new Set(fixable.values()).size).toBe(MALFORMATIONS.length);
  for (const [url, malformation] of fixable) {
    const item = byUrl.get(url);
    expect(item, malformation.name).toBeDefined();
    malformation.arrived(item as Record<string, unknown>);
  }
  for (const url of refused) expect(byUrl.has(url)).toBe(false);

  expect(client.metrics).toMatchObject({ sent: good.size + fixable.size, dropped: refused.size, failed: 0, queued: 0, inFlight: 0 });
  const drops = reported.filter((error): error is PirschDropError => error instanceof PirschDropError);
  expect(reported).toEqual(drops);
  expect(drops.every((drop) => drop.reason === 'invalid' && drop.validation.item === REFUSED_MESSAGE && drop.message.includes(REFUSED_MESSAGE))).toBe(true);
  expect(drops.reduce((sum, drop) => sum + drop.count, 0)).toBe(refused.size);
  // Equal messages are summed: a handful of reports, not one per item.
  expect(drops.length).toBeLessThanOrEqual(refused.size);

  // Finding the refused ones cost a few requests each, not one per item of their batches.
  const ingest = emulator.requests.filter((request) => request.path.startsWith('/api/v1/hit') || request.path.startsWith('/api/v1/event'));
  const refusedRequests = ingest.filter((request) => request.status === 400).length;
  // Batches of up to 500 items (the default batchSize): a bisection of one is at most 10 deep.
  expect(refusedRequests).toBeLessThanOrEqual(refused.size * (Math.ceil(Math.log2(500)) + 1));
  console.log(
    `[malformed] ${TOTAL} items: ${arrivedUrls.length} delivered, ${client.metrics.dropped} dropped as refused, ${ingest.length} ingest requests (${refusedRequests} refused with 400), ${drops.length} reports`,
  );
}, 60_000);
