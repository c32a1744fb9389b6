import { describe, expect, it } from 'vitest';
import { FIELD_LIMITS } from './limits.js';
import { MAX_COUNT, normalizeItem } from './normalize.js';

const base = { url: 'https://shop.example/pricing', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };
const pairs = (count: number, value: (i: number) => unknown = (i) => `v${i}`) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, value(i)]));

describe('normalizeItem', () => {
  it('keeps an acceptable item as it is: a copy of the caller\'s, the very object when owned', () => {
    const hit = { ...base, title: 'Pricing', screen_width: 1920, tags: { plan: 'pro' }, disable_bot_filter: false, custom: { any: ['thing'] } };
    const copy = normalizeItem('hit', hit);
    expect(copy).toEqual(hit);
    expect(copy).not.toBe(hit);
    expect(normalizeItem('hit', hit, true)).toBe(hit);
  });

  it('refuses only what cannot be sent: a non-object, or a required field that is missing, empty or not a string', () => {
    for (const item of [null, undefined, 'hit', 42, () => base]) expect(normalizeItem('hit', item)).toBeUndefined();
    for (const field of ['url', 'ip', 'user_agent'] as const) {
      expect(normalizeItem('hit', { ...base, [field]: undefined })).toBeUndefined();
      expect(normalizeItem('hit', { ...base, [field]: '' })).toBeUndefined();
      expect(normalizeItem('hit', { ...base, [field]: 7 })).toBeUndefined();
    }
    expect(normalizeItem('event', base)).toBeUndefined();
    expect(normalizeItem('event', { ...base, event_name: ['Signup'] })).toBeUndefined();
    expect(normalizeItem('event', { ...base, event_name: 'Signup' })).toMatchObject({ event_name: 'Signup' });
    // Sessions need no url.
    expect(normalizeItem('session', { ip: base.ip, user_agent: base.user_agent })).toEqual({ ip: base.ip, user_agent: base.user_agent });
    expect(normalizeItem('session', { ip: base.ip })).toBeUndefined();
  });

  it('cuts every string field to its FIELD_LIMITS length, never inside a surrogate pair or a %XX escape', () => {
    const long = 'x'.repeat(5000);
    const item = normalizeItem('event', {
      ...base,
      user_agent: long,
      title: long,
      referrer: long,
      accept_language: long,
      x_forwarded_for: long,
      sec_ch_ua: long,
      dnt: long,
      event_name: long,
    });
    expect(item).toMatchObject({
      user_agent: 'x'.repeat(FIELD_LIMITS.user_agent),
      title: 'x'.repeat(FIELD_LIMITS.title),
      referrer: 'x'.repeat(FIELD_LIMITS.referrer),
      accept_language: 'x'.repeat(FIELD_LIMITS.accept_language),
      x_forwarded_for: 'x'.repeat(FIELD_LIMITS.x_forwarded_for),
      sec_ch_ua: 'x'.repeat(FIELD_LIMITS.sec_ch_ua),
      dnt: 'x'.repeat(FIELD_LIMITS.dnt),
      event_name: 'x'.repeat(FIELD_LIMITS.event_name),
    });
    const title = `${'a'.repeat(FIELD_LIMITS.title - 1)}😀`;
    expect(normalizeItem('hit', { ...base, title })?.title).toBe('a'.repeat(FIELD_LIMITS.title - 1));
    for (const tail of ['%2', '%']) {
      const url = `https://shop.example/${'p'.repeat(FIELD_LIMITS.url - 21 - tail.length)}${tail}F-rest`;
      const cut = normalizeItem('hit', { ...base, url })?.url as string;
      expect(cut.length).toBeLessThanOrEqual(FIELD_LIMITS.url);
      expect(cut.endsWith('p')).toBe(true);
    }
  });

  it('checks every string field of FIELD_LIMITS on the fast path too: an owned item one character over is cut, one of the wrong type loses the field', () => {
    const notFields = new Set(['host', 'tagCount', 'tagKey', 'tagValue', 'metaCount', 'metaKey', 'metaValue']);
    const fields = Object.keys(FIELD_LIMITS).filter((key) => !notFields.has(key)) as Array<keyof typeof FIELD_LIMITS>;
    expect(fields).toHaveLength(18);
    for (const field of fields) {
      const limit = FIELD_LIMITS[field];
      const owned: Record<string, unknown> = { ...base, event_name: 'E', [field]: 'y'.repeat(limit + 1) };
      expect(normalizeItem('event', owned, true)?.[field], field).toBe('y'.repeat(limit));
      const required = ['url', 'ip', 'user_agent', 'event_name'].includes(field);
      expect(normalizeItem('event', { ...base, event_name: 'E', [field]: 42 }, true), field).toEqual(required ? undefined : { ...base, event_name: 'E' });
    }
  });

  it('drops a string field that is not a string (a title of 404, an object, null), keeping the hit', () => {
    for (const title of [404, true, { text: 'x' }, null, ['Pricing'], Symbol('t')]) {
      expect(normalizeItem('hit', { ...base, title })).toEqual(base);
    }
    expect(normalizeItem('hit', { ...base, referrer: 12, sec_ch_ua_mobile: false })).toEqual(base);
  });

  it('keeps screen sizes and durations that are finite and not negative, rounded to integers; drops the rest', () => {
    expect(normalizeItem('hit', { ...base, screen_width: 1920.4, screen_height: 0 })).toEqual({ ...base, screen_width: 1920, screen_height: 0 });
    expect(normalizeItem('event', { ...base, event_name: 'E', event_duration: 2.6 })?.event_duration).toBe(3);
    for (const bad of [-5, -0.6, Number.NaN, Number.POSITIVE_INFINITY, MAX_COUNT + 1, '1920', null, {}]) {
      expect(normalizeItem('hit', { ...base, screen_width: bad })).toEqual(base);
      expect(normalizeItem('event', { ...base, event_name: 'E', event_duration: bad })).toEqual({ ...base, event_name: 'E' });
    }
    expect(normalizeItem('hit', { ...base, screen_width: MAX_COUNT })?.screen_width).toBe(MAX_COUNT);
  });

  it('keeps booleans that are booleans, drops the rest', () => {
    expect(normalizeItem('hit', { ...base, disable_bot_filter: true })?.disable_bot_filter).toBe(true);
    expect(normalizeItem('hit', { ...base, disable_bot_filter: 'yes' })).toEqual(base);
    expect(normalizeItem('event', { ...base, event_name: 'E', non_interactive: 1 })).toEqual({ ...base, event_name: 'E' });
  });

  it('keeps the first 20 tags, cuts keys and values to 50, turns scalars into strings and leaves other values and empty keys out', () => {
    const tags = normalizeItem('hit', { ...base, tags: pairs(21) })?.tags as Record<string, string>;
    expect(Object.keys(tags)).toEqual(Object.keys(pairs(20)));
    const cut = normalizeItem('hit', { ...base, tags: { ['k'.repeat(60)]: 'v'.repeat(60) } })?.tags;
    expect(cut).toEqual({ ['k'.repeat(50)]: 'v'.repeat(50) });
    const mixed = { n: 42, b: false, big: 10n, nan: Number.NaN, o: { x: 1 }, a: [1], nil: null, u: undefined, f: () => 1, '': 'empty key', s: 'kept' };
    expect(normalizeItem('hit', { ...base, tags: mixed })?.tags).toEqual({ n: '42', b: 'false', big: '10', s: 'kept' });
    // Left-out pairs do not count against the 20.
    const sparse = { ...pairs(5, () => null), ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`t${i}`, 'v'])) };
    expect(Object.keys(normalizeItem('hit', { ...base, tags: sparse })?.tags as object)).toHaveLength(20);
  });

  it('drops tags that are not an object, or that nothing is left of', () => {
    for (const tags of ['a=b', 42, ['a'], null, {}, { o: {} }]) expect(normalizeItem('hit', { ...base, tags })).toEqual(base);
  });

  it('keeps the first 20 meta pairs, keys cut to 100 and values to 2000, scalars as strings, other values left out', () => {
    const event = (event_meta: unknown) => normalizeItem('event', { ...base, event_name: 'E', event_meta })?.event_meta;
    expect(Object.keys(event(pairs(25)) as object)).toHaveLength(20);
    expect(event({ ['k'.repeat(150)]: 'v'.repeat(2500) })).toEqual({ ['k'.repeat(100)]: 'v'.repeat(2000) });
    expect(event({ seats: 4, trial: true, plan: 'pro', nested: { no: 1 }, list: [1] })).toEqual({ seats: '4', trial: 'true', plan: 'pro' });
    expect(event('plan=pro')).toBeUndefined();
  });

  it('keeps fields it does not know, and leaves out a property whose getter throws', () => {
    const hit = { ...base, extra: 'kept', nested: { a: 1 } };
    Object.defineProperty(hit, 'title', { enumerable: true, get: () => { throw new Error('no title'); } });
    expect(normalizeItem('hit', hit)).toEqual({ ...base, extra: 'kept', nested: { a: 1 } });
    const tags = { ok: 'yes' };
    Object.defineProperty(tags, 'bad', { enumerable: true, get: () => { throw new Error('no tag'); } });
    expect(normalizeItem('hit', { ...base, tags })?.tags).toEqual({ ok: 'yes' });
  });

  it('never changes the caller\'s object, its tags or its meta', () => {
    const tags = pairs(25);
    const meta = { n: 1, o: { deep: true } };
    const hit = { ...base, title: 404, screen_width: -5, tags, event_meta: meta, event_name: 'E' };
    const before = structuredClone(hit);
    const fixed = normalizeItem('event', hit);
    expect(fixed).not.toBe(hit);
    expect(hit).toEqual(before);
    expect(hit.tags).toBe(tags);
    expect(Object.keys(tags)).toHaveLength(25);
    expect(meta).toEqual({ n: 1, o: { deep: true } });
  });

  it('fixes an owned item in place, and a key named __proto__ never becomes its prototype', () => {
    const owned: Record<string, unknown> = { ...base, title: 7, tags: pairs(21) };
    expect(normalizeItem('hit', owned, true)).toBe(owned);
    expect(owned).toEqual({ ...base, tags: pairs(20) });
    const parsed = JSON.parse(`{"url":"${base.url}","ip":"${base.ip}","user_agent":"x","__proto__":{"polluted":true},"tags":{"__proto__":"t"}}`) as object;
    const item = normalizeItem('hit', parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect((item as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(item.tags)) as unknown).toEqual(JSON.parse('{"__proto__":"t"}'));
  });
});

describe('a map whose keys cannot be listed (a hostile Proxy)', () => {
  const hostile = () =>
    new Proxy({}, {
      ownKeys() {
        throw new Error('no keys for you');
      },
    });

  it('loses only that field, given or owned, never the item', () => {
    const base = { url: 'https://e.example/', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };
    for (const owned of [false, true]) {
      expect(normalizeItem('hit', { ...base, tags: hostile() }, owned)).toEqual(base);
      expect(normalizeItem('event', { ...base, event_name: 'Signup', event_meta: hostile() }, owned)).toEqual({ ...base, event_name: 'Signup' });
    }
  });
});
