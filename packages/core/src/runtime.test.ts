import { describe, expect, it } from 'vitest';
import { boundedUtf8Encoder, jsonArrayWriter } from './runtime.js';

const item = (n: number, title = `Page ${n}`) => ({ url: `https://shop.example/p/${n}`, ip: '203.0.113.5', user_agent: 'Mozilla/5.0', title, time: '2026-12-03T10:00:00.000Z' });
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('jsonArrayWriter (Node)', () => {
  it('writes the same JSON array as one JSON.stringify, in UTF-8, for any number of parts', () => {
    const writer = jsonArrayWriter(1 << 20);
    expect(writer).toBeDefined();
    const write = (items: object[]) => writer?.write(items);
    for (const count of [2, 99, 100, 101, 199, 200, 201, 350]) {
      // Multi-byte text, a quote and a backslash in some items: escaped and encoded as one call would.
      const items = Array.from({ length: count }, (_, n) => item(n, n % 7 === 0 ? `日本語 "q" \\ ${n}` : `Page ${n}`));
      const bytes = write(items);
      expect(bytes, `${count} items`).toBeInstanceOf(Uint8Array);
      expect(text(bytes as Uint8Array), `${count} items`).toBe(JSON.stringify(items));
      expect((bytes as Uint8Array).length).toBe(Buffer.byteLength(JSON.stringify(items)));
    }
  });

  it('says how many items fit when the array would pass its bound, at a part boundary, and never writes past it', () => {
    const items = Array.from({ length: 300 }, (_, n) => item(n, '語'.repeat(40)));
    const partBytes = Buffer.byteLength(JSON.stringify(items.slice(0, 100)));
    // Room for two parts and a half.
    const write = jsonArrayWriter(Math.floor(partBytes * 2.5));
    expect(write?.write(items)).toBe(200);
    const fits = write?.write(items.slice(0, 200));
    expect(fits).toBeInstanceOf(Uint8Array);
    expect(text(fits as Uint8Array)).toBe(JSON.stringify(items.slice(0, 200)));
  });

  it('leaves to the caller a first part larger than the bound, and items JSON cannot carry', () => {
    const items = Array.from({ length: 150 }, (_, n) => item(n, 'x'.repeat(100)));
    expect(jsonArrayWriter(2048)?.write(items)).toBeUndefined();
    const withBigInt = [...items.slice(0, 120), { ...item(120), extra: 1n }];
    expect(jsonArrayWriter(1 << 20)?.write(withBigInt)).toBeUndefined();
  });

  it('keeps nothing of an earlier, longer array in a later, shorter one', () => {
    const writer = jsonArrayWriter(1 << 20);
    const long = Array.from({ length: 250 }, (_, n) => item(n, 'long '.repeat(30)));
    const short = Array.from({ length: 120 }, (_, n) => item(n));
    const first = writer?.write(long) as Uint8Array;
    expect(text(first)).toBe(JSON.stringify(long));
    writer?.release(first);
    const second = writer?.write(short) as Uint8Array;
    // the same memory, written again: only the shorter array's bytes
    expect(second.buffer).toBe(first.buffer);
    expect(text(second)).toBe(JSON.stringify(short));
  });

  const memoryOf = (bytes: unknown) => (bytes as Uint8Array).buffer;
  const items = (n: number) => Array.from({ length: n }, (_, i) => item(i));

  it('lends each array its own memory until it is released, then writes the next one there', () => {
    const writer = jsonArrayWriter(1 << 16, 4)!;
    const a = writer.write(items(3)) as Uint8Array;
    const b = writer.write(items(5)) as Uint8Array;
    // both lent: never the same memory, and the first unchanged by the second
    expect(memoryOf(b)).not.toBe(memoryOf(a));
    expect(text(a)).toBe(JSON.stringify(items(3)));
    writer.release(a);
    const c = writer.write(items(2)) as Uint8Array;
    expect(memoryOf(c)).toBe(memoryOf(a));
    expect(text(b)).toBe(JSON.stringify(items(5)));
  });

  it('takes back only what it lent, once, and keeps at most `keep` blocks', () => {
    const writer = jsonArrayWriter(1 << 16, 1)!;
    const a = writer.write(items(3)) as Uint8Array;
    // bytes of another's, nothing, and a second release: none of them becomes a block
    writer.release(new Uint8Array(10));
    writer.release(undefined);
    writer.release(a);
    writer.release(a);
    const b = writer.write(items(3)) as Uint8Array;
    const c = writer.write(items(3)) as Uint8Array;
    expect(memoryOf(b)).toBe(memoryOf(a));
    expect(memoryOf(c)).not.toBe(memoryOf(a));
    // keep 1: of two released, the first is kept and the second let go
    writer.release(b);
    writer.release(c);
    const d = writer.write(items(1)) as Uint8Array;
    const e = writer.write(items(1)) as Uint8Array;
    expect(memoryOf(d)).toBe(memoryOf(a));
    expect([memoryOf(a), memoryOf(c)]).not.toContain(memoryOf(e));
  });

  it('keeps the block of an array it did not finish (too long, or an item JSON cannot carry) for the next', () => {
    // room for about 150 items: a hundred fit, two hundred do not
    const writer = jsonArrayWriter(Buffer.byteLength(JSON.stringify(items(150))), 1)!;
    const held = writer.write(items(1)) as Uint8Array;
    writer.release(held);
    expect(writer.write(items(300))).toBe(100);
    const next = writer.write(items(2)) as Uint8Array;
    expect(memoryOf(next)).toBe(memoryOf(held));
    writer.release(next);
    expect(writer.write([...items(2), { extra: 1n }])).toBeUndefined();
    expect(memoryOf(writer.write(items(2)))).toBe(memoryOf(held));
  });
});

describe('boundedUtf8Encoder (Node)', () => {
  it('encodes text within the bound, and for text past it says about how many UTF-16 units fit', () => {
    const encode = boundedUtf8Encoder(1000);
    expect(text(encode('a日b') as Uint8Array)).toBe('a日b');
    expect(encode('x'.repeat(1001))).toBe(1000);
    // 600 units of 3 bytes: 1800 bytes, of which 1000 hold about 333 units.
    const fits = encode('語'.repeat(600));
    expect(typeof fits).toBe('number');
    expect(fits).toBeGreaterThanOrEqual(300);
    expect(fits).toBeLessThanOrEqual(334);
  });
});
