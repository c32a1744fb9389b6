import { describe, expect, it } from 'vitest';
import { RegexSyntaxError, compileRegex, parseRegex } from './linear-regex.js';

/** Patterns whose meaning is the same in RE2 and in JavaScript, checked against JavaScript's engine. */
const SAME_AS_JS: Array<[pattern: string, texts: string[]]> = [
  ['^/blog/[^/]+$', ['/blog/a', '/blog/', '/blog/a/b', '/x/blog/a']],
  ['blog', ['/blog', '/b/log', 'xblogx', '']],
  ['^/(a|b)*c$', ['/c', '/ababc', '/abd', '/abcc']],
  ['^/a{2,3}$', ['/a', '/aa', '/aaa', '/aaaa']],
  ['^/a{2}$', ['/aa', '/aaa']],
  ['^/a{2,}$', ['/a', '/aa', '/aaaaaa']],
  ['^/x?y+z*$', ['/y', '/xyy', '/xyzzz', '/xz']],
  ['\\d+', ['/page/42', '/page/']],
  ['^\\w+$', ['abc_1', 'a-b']],
  ['\\bword\\b', ['a word here', 'swordfish']],
  ['\\Bor\\B', ['word', 'or']],
  ['^[a-c\\d.]+$', ['ab1.c', 'abd']],
  ['^[^a-c]$', ['d', 'a']],
  ['^\\.\\*\\+$', ['.*+', 'a*+']],
  ['^(?:ab|cd)+$', ['abcdab', 'abc']],
  ['^(?P<first>a)(?<second>b)$', ['ab', 'ba']],
  ['a.c', ['abc', 'a\nc']],
  ['^$', ['', 'a']],
  ['^\\x41\\x{42}$', ['AB', 'ab']],
  ['^[[:digit:]]+$', ['123', '12a']],
  ['a{,2}', ['a{,2}', 'aa']],
  ['^(a*)*$', ['aaaa', 'aab']],
  ['^é+$', ['ééé', 'e']],
];

describe('compileRegex: RE2 syntax, linear-time matching', () => {
  it.each(SAME_AS_JS)('%s matches like JavaScript where the two agree', (pattern, texts) => {
    const ours = compileRegex(pattern);
    const js = new RegExp(pattern.replace('(?P<', '(?<').replace('[[:digit:]]', '[0-9]').replace('\\x{42}', '\\u0042').replace('a{,2}', 'a\\{,2\\}'), 'u');
    for (const text of texts) expect(ours.test(text), `${pattern} on ${JSON.stringify(text)}`).toBe(js.test(text));
  });

  it('honours the flags: (?i), (?s), (?m), scoped (?i:...) and (?-i)', () => {
    expect(compileRegex('(?i)^/Checkout/.*$').test('/checkout/step')).toBe(true);
    expect(compileRegex('^/Checkout$').test('/checkout')).toBe(false);
    expect(compileRegex('(?i:a)b').test('Ab')).toBe(true);
    expect(compileRegex('(?i:a)b').test('AB')).toBe(false);
    expect(compileRegex('(?i)a(?-i)b').test('Ab')).toBe(true);
    expect(compileRegex('(?i)a(?-i)b').test('AB')).toBe(false);
    expect(compileRegex('(?s)a.c').test('a\nc')).toBe(true);
    expect(compileRegex('^b$').test('a\nb')).toBe(false);
    expect(compileRegex('(?m)^b$').test('a\nb\nc')).toBe(true);
    expect(compileRegex('\\Ab\\z').test('b')).toBe(true);
    expect(compileRegex('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(compileRegex('\\Qa.b\\E').test('axb')).toBe(false);
  });

  it('refuses what RE2 refuses, and what the emulator does not implement, with a message', () => {
    for (const pattern of ['(', 'a)', '[a', '*a', 'a**', 'a{1001}', 'a{3,2}', '\\', '\\k', '[z-a]', '(?z)']) {
      const parsed = parseRegex(pattern);
      expect(parsed.ok, pattern).toBe(false);
    }
    expect(parseRegex('(a)\\1')).toEqual({ ok: false, message: expect.stringContaining('backreferences are not supported') });
    expect(parseRegex('a(?=b)')).toEqual({ ok: false, message: expect.stringContaining('lookaround is not supported') });
    expect(parseRegex('(?<!a)b')).toEqual({ ok: false, message: expect.stringContaining('lookaround is not supported') });
    expect(parseRegex('\\pL')).toEqual({ ok: false, message: expect.stringContaining('not supported') });
    expect(parseRegex('x'.repeat(1001))).toEqual({ ok: false, message: expect.stringContaining('longer than 1000') });
    expect(parseRegex('((a{1000}){1000})')).toEqual({ ok: false, message: expect.stringContaining('too large') });
  });

  it('matches a pattern that makes a backtracking engine explode, over a long text, with a bounded number of steps', () => {
    // With a backtracking engine, this is 2^n paths for n a's: n = 32 took 109 s in the old emulator.
    const regex = compileRegex('^/(a+)+$');
    const long = `/${'a'.repeat(5000)}!`;
    expect(regex.test(long)).toBe(false);
    expect(regex.test(`/${'a'.repeat(5000)}`)).toBe(true);
    expect(compileRegex('(x+x+)+y').test('x'.repeat(5000))).toBe(false);
    expect(compileRegex('^(\\w+\\s?)*$').test(`${'word '.repeat(1000)}!`)).toBe(false);
  });
});

describe('compiling nested repeats of nothing', () => {
  it('refuses them as too large instead of visiting 10^12 empty parts', () => {
    for (const pattern of ['((((a{0}){1000}){1000}){1000}){1000}', '(((\\Q\\E{1000}){1000}){1000}){1000}']) {
      expect(() => compileRegex(pattern), pattern).toThrow(RegexSyntaxError);
    }
  });
});
