/**
 * Regular expressions in RE2 syntax (what Pirsch's Go backend accepts), matched in linear time.
 *
 * A `pattern` filter, a conversion goal or a funnel step comes from whoever calls the emulator, and
 * JavaScript's own engine backtracks: `^/(a+)+$` against 32 `a`s and a `!` takes minutes and blocks
 * the event loop. Here the pattern is compiled into a Thompson NFA and run by keeping the set of
 * live states (Pike/Thompson simulation): the work is at most (text length) x (program size),
 * whatever the pattern. RE2 has no backreferences and no lookaround, and neither has this; such
 * syntax is refused with a message, as are `\p{...}` classes (not implemented here).
 */

/** The longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 1000;
/** The largest compiled program accepted (instructions); `{n,m}` repeats count n..m times. */
export const MAX_PROGRAM_SIZE = 5000;
const MEMO_ENTRIES = 10_000;
const MEMO_TEXT_LENGTH = 2048;
/** RE2's own bound on `{n,m}`. */
const MAX_REPEAT = 1000;

/** A compiled pattern. `test` finds a match anywhere in the text (as Go's `MatchString`). */
export interface LinearRegex {
  readonly source: string;
  test(text: string): boolean;
}

/** Thrown for a pattern that is not valid RE2 syntax, or is valid but not supported here. */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
}

/**
 * Compiles `pattern` (RE2 syntax: `(?i)`, `(?s)`, `(?m)` flags, classes, `\d\w\s\b`, `{n,m}`,
 * named groups). Throws `RegexSyntaxError` for anything else.
 *
 * @example
 * compileRegex('(?i)^/blog/[^/]+$').test('/Blog/post'); // true
 * compileRegex('^/(a+)+$').test('/' + 'a'.repeat(10_000) + '!'); // false, at once
 */
export function compileRegex(pattern: string): LinearRegex {
  if (typeof pattern !== 'string') throw new RegexSyntaxError('the pattern must be a string');
  if (pattern.length > MAX_PATTERN_LENGTH) throw new RegexSyntaxError(`the pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  const ast = new Parser(pattern).parse();
  const program = new Compiler().compile(ast);
  // Paths repeat (every view of a page has the same one), so answers are remembered, up to a bound.
  const seen = new Map<string, boolean>();
  return {
    source: pattern,
    test: (text) => {
      const known = seen.get(text);
      if (known !== undefined) return known;
      const result = run(program, text);
      if (seen.size < MEMO_ENTRIES && text.length <= MEMO_TEXT_LENGTH) seen.set(text, result);
      return result;
    },
  };
}

/** A pattern checked for the API: the compiled regex, or the message of a 400. */
export function parseRegex(pattern: string): { ok: true; regex: LinearRegex } | { ok: false; message: string } {
  try {
    return { ok: true, regex: compileRegex(pattern) };
  } catch (error) {
    if (error instanceof RegexSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}

// --- syntax ---------------------------------------------------------------------------------

/** Inclusive code point ranges; `negated` inverts them. */
interface CharSet {
  ranges: Array<[number, number]>;
  negated: boolean;
  fold: boolean;
}

type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'nonword';

type Node =
  | { t: 'empty' }
  | { t: 'set'; set: CharSet }
  | { t: 'any'; dotNl: boolean }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number }
  | { t: 'assert'; kind: AssertKind };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const DIGIT: Array<[number, number]> = [[0x30, 0x39]];
const WORD: Array<[number, number]> = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Array<[number, number]> = [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]];
const POSIX: Record<string, Array<[number, number]>> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: DIGIT,
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: WORD,
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

/** The complement of sorted, merged ranges. */
function complement(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

class Parser {
  #pos = 0;
  readonly #src: string;

  constructor(src: string) {
    this.#src = src;
  }

  parse(): Node {
    const node = this.#alternation({ i: false, m: false, s: false });
    if (this.#pos < this.#src.length) throw new RegexSyntaxError(`unexpected ) at position ${this.#pos}`);
    return node;
  }

  #fail(message: string): never {
    throw new RegexSyntaxError(`${message} (at position ${this.#pos})`);
  }

  #peek(): string | undefined {
    return this.#src[this.#pos];
  }

  #eat(text: string): boolean {
    if (this.#src.startsWith(text, this.#pos)) {
      this.#pos += text.length;
      return true;
    }
    return false;
  }

  /** `flags` is changed in place by `(?i)` and the like, for the rest of the enclosing group. */
  #alternation(flags: Flags): Node {
    const items: Node[] = [this.#concatenation(flags)];
    while (this.#eat('|')) items.push(this.#concatenation(flags));
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  #concatenation(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') break;
      const atom = this.#atom(flags);
      if (atom === undefined) continue; // a flag group such as (?i)
      items.push(this.#quantified(atom));
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
  }

  #quantified(atom: Node): Node {
    let node = atom;
    let quantified = false;
    for (;;) {
      const c = this.#peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, -1];
      else if (c === '+') [min, max] = [1, -1];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const repeat = this.#repeat();
        if (!repeat) return node;
        [min, max] = repeat;
      } else return node;
      if (c !== '{') this.#pos++;
      if (quantified) this.#fail('bad repetition operator');
      if (atom.t === 'empty') this.#fail('missing argument to repetition operator');
      this.#eat('?'); // non-greedy: the same set of matches
      node = { t: 'rep', node, min, max };
      quantified = true;
    }
  }

  /** `{n}`, `{n,}`, `{n,m}`; undefined (and nothing consumed) when the brace is a literal, as in RE2. */
  #repeat(): [number, number] | undefined {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#pos, this.#pos + 32));
    if (!match) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? -1 : Number(match[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) this.#fail('invalid repeat count');
    this.#pos += match[0].length;
    return [min, max];
  }

  /** One atom, or undefined for a flag group that changed `flags`. */
  #atom(flags: Flags): Node | undefined {
    const c = this.#peek() as string;
    switch (c) {
      case '(':
        return this.#group(flags);
      case '[':
        return { t: 'set', set: this.#class(flags) };
      case '.':
        this.#pos++;
        return { t: 'any', dotNl: flags.s };
      case '^':
        this.#pos++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        this.#pos++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.#escape(flags);
      case '*':
      case '+':
      case '?':
        this.#fail('missing argument to repetition operator');
        break;
      default:
        break;
    }
    const cp = this.#src.codePointAt(this.#pos) as number;
    this.#pos += cp > 0xffff ? 2 : 1;
    return literal(cp, flags);
  }

  #group(flags: Flags): Node | undefined {
    this.#pos++; // (
    let inner: Flags = { ...flags };
    if (this.#eat('?')) {
      if (this.#eat('=') || this.#eat('!') || this.#eat('<=') || this.#eat('<!')) this.#fail('lookaround is not supported (RE2 syntax)');
      if (this.#eat('P<') || this.#eat('<')) {
        const name = /^[A-Za-z0-9_]+>/.exec(this.#src.slice(this.#pos));
        if (!name) this.#fail('invalid named capture');
        this.#pos += name[0].length;
      } else if (this.#eat(':')) {
        // non-capturing
      } else {
        const match = /^([imsU]*)(-([imsU]*))?([:)])/.exec(this.#src.slice(this.#pos));
        if (!match || (match[1] === '' && (match[3] ?? '') === '')) this.#fail('invalid or unsupported group syntax');
        this.#pos += match[0].length;
        const target = match[4] === ')' ? flags : (inner = { ...flags });
        for (const flag of match[1] ?? '') if (flag !== 'U') target[flag as keyof Flags] = true;
        for (const flag of match[3] ?? '') if (flag !== 'U') target[flag as keyof Flags] = false;
        if (match[4] === ')') return undefined;
      }
    }
    const node = this.#alternation(inner);
    if (!this.#eat(')')) this.#fail('missing closing )');
    return node;
  }

  #escape(flags: Flags): Node {
    this.#pos++; // backslash
    const c = this.#peek();
    if (c === undefined) this.#fail('trailing backslash at end of expression');
    switch (c) {
      case 'A':
        this.#pos++;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.#pos++;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.#pos++;
        return { t: 'assert', kind: 'word' };
      case 'B':
        this.#pos++;
        return { t: 'assert', kind: 'nonword' };
      case 'Q': {
        this.#pos++;
        const end = this.#src.indexOf('\\E', this.#pos);
        const text = this.#src.slice(this.#pos, end < 0 ? undefined : end);
        this.#pos = end < 0 ? this.#src.length : end + 2;
        const items = Array.from(text, (ch) => literal(ch.codePointAt(0) as number, flags));
        return items.length === 1 ? (items[0] as Node) : { t: 'cat', items };
      }
      default: {
        const set = this.#classEscape();
        return { t: 'set', set: { ...set, fold: flags.i } };
      }
    }
  }

  /** An escape that stands for characters (in or out of brackets), at the character after the backslash. */
  #classEscape(): { ranges: Array<[number, number]>; negated: boolean } {
    const c = this.#peek() as string;
    this.#pos++;
    const single = (cp: number) => ({ ranges: [[cp, cp]] as Array<[number, number]>, negated: false });
    switch (c) {
      case 'd':
        return { ranges: DIGIT, negated: false };
      case 'D':
        return { ranges: DIGIT, negated: true };
      case 'w':
        return { ranges: WORD, negated: false };
      case 'W':
        return { ranges: WORD, negated: true };
      case 's':
        return { ranges: SPACE, negated: false };
      case 'S':
        return { ranges: SPACE, negated: true };
      case 'a':
        return single(7);
      case 'f':
        return single(12);
      case 't':
        return single(9);
      case 'n':
        return single(10);
      case 'r':
        return single(13);
      case 'v':
        return single(11);
      case '0':
        return single(this.#octal());
      case 'x': {
        const match = /^(\{([0-9A-Fa-f]{1,6})\}|[0-9A-Fa-f]{2})/.exec(this.#src.slice(this.#pos));
        if (!match) this.#fail('invalid escape sequence \\x');
        this.#pos += match[0].length;
        const cp = parseInt(match[2] ?? match[1] ?? '', 16);
        if (cp > 0x10ffff) this.#fail('invalid escape sequence \\x');
        return single(cp);
      }
      case 'p':
      case 'P':
        return this.#fail('Unicode classes (\\p, \\P) are not supported by the emulator');
      default:
        if (/[1-9]/.test(c)) this.#fail('backreferences are not supported (RE2 syntax)');
        if (/[A-Za-z0-9_]/.test(c)) this.#fail(`invalid escape sequence \\${c}`);
        return single(c.codePointAt(0) as number);
    }
  }

  #octal(): number {
    const match = /^[0-7]{0,2}/.exec(this.#src.slice(this.#pos)) as RegExpExecArray;
    this.#pos += match[0].length;
    return parseInt(`0${match[0]}`, 8);
  }

  #class(flags: Flags): CharSet {
    this.#pos++; // [
    const negated = this.#eat('^');
    const ranges: Array<[number, number]> = [];
    let first = true;
    for (;;) {
      const c = this.#peek();
      if (c === undefined) this.#fail('missing closing ]');
      if (c === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.#src.slice(this.#pos, this.#pos + 12));
      if (posix) {
        const named = POSIX[posix[2] ?? ''];
        if (!named) this.#fail('invalid character class range');
        ranges.push(...(posix[1] ? complement(named) : named));
        this.#pos += posix[0].length;
        continue;
      }
      const lo = this.#classChar();
      if (typeof lo !== 'number') {
        ranges.push(...(lo.negated ? complement(lo.ranges) : lo.ranges));
        continue;
      }
      if (this.#peek() === '-' && this.#src[this.#pos + 1] !== ']' && this.#src[this.#pos + 1] !== undefined) {
        this.#pos++;
        const hi = this.#classChar();
        if (typeof hi !== 'number' || hi < lo) this.#fail('invalid character class range');
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    return { ranges, negated, fold: flags.i };
  }

  /** A character of a bracket class, or a class escape such as `\d`. */
  #classChar(): number | { ranges: Array<[number, number]>; negated: boolean } {
    if (this.#peek() === '\\') {
      this.#pos++;
      if (this.#peek() === undefined) this.#fail('trailing backslash at end of expression');
      const escaped = this.#classEscape();
      const only = escaped.ranges[0];
      if (!escaped.negated && escaped.ranges.length === 1 && only && only[0] === only[1]) return only[0];
      return escaped;
    }
    const cp = this.#src.codePointAt(this.#pos) as number;
    this.#pos += cp > 0xffff ? 2 : 1;
    return cp;
  }
}

function literal(cp: number, flags: Flags): Node {
  return { t: 'set', set: { ranges: [[cp, cp]], negated: false, fold: flags.i } };
}

// --- program --------------------------------------------------------------------------------

type Instruction =
  | { op: 'set'; set: CharSet }
  | { op: 'any'; dotNl: boolean }
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; x: number }
  | { op: 'assert'; kind: AssertKind }
  | { op: 'match' };

class Compiler {
  readonly #program: Instruction[] = [];
  /**
   * Nodes visited: some emit nothing (`a{0}`, `\Q\E`), so repeats nested around them never fill
   * the program, yet `((((a{0}){1000}){1000}){1000}){1000}` would visit 10^12 of them.
   */
  #visited = 0;

  compile(node: Node): Instruction[] {
    this.#emit(node);
    this.#push({ op: 'match' });
    return this.#program;
  }

  #push(instruction: Instruction): number {
    if (this.#program.length >= MAX_PROGRAM_SIZE) throw new RegexSyntaxError(`the pattern is too large (more than ${MAX_PROGRAM_SIZE} steps once repeats are expanded)`);
    this.#program.push(instruction);
    return this.#program.length - 1;
  }

  #emit(node: Node): void {
    if (++this.#visited > 4 * MAX_PROGRAM_SIZE) throw new RegexSyntaxError(`the pattern is too large (more than ${4 * MAX_PROGRAM_SIZE} parts once repeats are expanded)`);
    switch (node.t) {
      case 'empty':
        return;
      case 'set':
        this.#push({ op: 'set', set: node.set });
        return;
      case 'any':
        this.#push({ op: 'any', dotNl: node.dotNl });
        return;
      case 'assert':
        this.#push({ op: 'assert', kind: node.kind });
        return;
      case 'cat':
        for (const item of node.items) this.#emit(item);
        return;
      case 'alt': {
        const jumps: number[] = [];
        node.items.forEach((item, index) => {
          if (index < node.items.length - 1) {
            const split = this.#push({ op: 'split', x: 0, y: 0 });
            this.#set(split, { op: 'split', x: split + 1, y: 0 });
            this.#emit(item);
            jumps.push(this.#push({ op: 'jmp', x: 0 }));
            this.#set(split, { op: 'split', x: split + 1, y: this.#program.length });
          } else {
            this.#emit(item);
          }
        });
        for (const jump of jumps) this.#set(jump, { op: 'jmp', x: this.#program.length });
        return;
      }
      case 'rep': {
        for (let i = 0; i < node.min; i++) this.#emit(node.node);
        if (node.max === -1) {
          const split = this.#push({ op: 'split', x: 0, y: 0 });
          this.#emit(node.node);
          this.#push({ op: 'jmp', x: split });
          this.#set(split, { op: 'split', x: split + 1, y: this.#program.length });
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.#push({ op: 'split', x: 0, y: 0 }));
          this.#emit(node.node);
        }
        for (const split of splits) this.#set(split, { op: 'split', x: split + 1, y: this.#program.length });
        return;
      }
    }
  }

  #set(index: number, instruction: Instruction): void {
    this.#program[index] = instruction;
  }
}

// --- matching -------------------------------------------------------------------------------

/** Code points whose case differs, cached: folding allocates strings, and a path repeats its characters. */
const foldCache = new Map<number, number[]>();

function fold(cp: number): number[] {
  let folded = foldCache.get(cp);
  if (folded) return folded;
  const ch = String.fromCodePoint(cp);
  folded = [cp];
  for (const other of [ch.toLowerCase(), ch.toUpperCase()]) {
    if (other !== ch && [...other].length === 1) folded.push(other.codePointAt(0) as number);
  }
  if (foldCache.size < 4096) foldCache.set(cp, folded);
  return folded;
}

function inRanges(ranges: Array<[number, number]>, cp: number): boolean {
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i] as [number, number];
    if (cp >= range[0] && cp <= range[1]) return true;
  }
  return false;
}

function matchesSet(set: CharSet, cp: number): boolean {
  let hit = inRanges(set.ranges, cp);
  if (!hit && set.fold) {
    const folded = fold(cp);
    for (let i = 1; i < folded.length && !hit; i++) hit = inRanges(set.ranges, folded[i] as number);
  }
  return hit !== set.negated;
}

const isWord = (cp: number | undefined) => cp !== undefined && inRanges(WORD, cp);

/** The code points of `text` (a surrogate pair is one character, as in Go's runes). */
function codePoints(text: string): Int32Array {
  const out = new Int32Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        out[length++] = (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[length++] = unit;
  }
  return out.subarray(0, length);
}

/**
 * Thompson simulation: `current` holds every program counter alive before character `at`; each
 * step moves all of them over one character at once, so no path is ever tried twice and the work
 * is at most (text length) x (program size).
 */
function run(program: Instruction[], text: string): boolean {
  const chars = codePoints(text);
  const size = program.length;
  let current = new Int32Array(size);
  let next = new Int32Array(size);
  let currentCount = 0;
  const mark = new Uint32Array(size);
  let generation = 1;
  const stack = new Int32Array(size * 2 + 2);

  /** Adds `start` and everything it reaches without reading a character, at position `at`; -1 on a match. */
  const add = (list: Int32Array, count: number, start: number, at: number): number => {
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const pc = stack[--top] as number;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      const instruction = program[pc] as Instruction;
      switch (instruction.op) {
        case 'match':
          return -1;
        case 'jmp':
          stack[top++] = instruction.x;
          break;
        case 'split':
          stack[top++] = instruction.y;
          stack[top++] = instruction.x;
          break;
        case 'assert':
          if (holds(instruction.kind, chars, at)) stack[top++] = pc + 1;
          break;
        default:
          list[count++] = pc;
      }
    }
    return count;
  };

  for (let at = 0; ; at++) {
    // Unanchored search: a new thread may start at every position.
    currentCount = add(current, currentCount, 0, at);
    if (currentCount < 0) return true;
    if (at >= chars.length) return false;
    const cp = chars[at] as number;
    generation++;
    let nextCount = 0;
    for (let i = 0; i < currentCount; i++) {
      const pc = current[i] as number;
      const instruction = program[pc] as Instruction;
      const moves = instruction.op === 'set' ? matchesSet(instruction.set, cp) : instruction.op === 'any' && (instruction.dotNl || cp !== 10);
      if (!moves) continue;
      nextCount = add(next, nextCount, pc + 1, at + 1);
      if (nextCount < 0) return true;
    }
    [current, next] = [next, current];
    currentCount = nextCount;
  }
}

function holds(kind: AssertKind, chars: Int32Array, at: number): boolean {
  switch (kind) {
    case 'bot':
      return at === 0;
    case 'eot':
      return at === chars.length;
    case 'bol':
      return at === 0 || chars[at - 1] === 10;
    case 'eol':
      return at === chars.length || chars[at] === 10;
    case 'word':
      return isWord(chars[at - 1]) !== isWord(chars[at]);
    case 'nonword':
      return isWord(chars[at - 1]) === isWord(chars[at]);
  }
}
