// Terminal output of the demo: tables, numbers, a progress line. Colour only on a TTY without NO_COLOR.

const useColor = (stream) => Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';

/** Styling functions for `stream`, plain when it cannot show colour. */
export function styles(stream = process.stdout) {
  const on = useColor(stream);
  const wrap = (open, close) => (text) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : String(text));
  return { bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/** Characters a string takes on screen, without colour codes. */
const visible = (text) => String(text).replace(/\u001b\[\d+m/g, '').length;

const pad = (text, width, right) => {
  const gap = ' '.repeat(Math.max(0, width - visible(text)));
  return right ? gap + text : text + gap;
};

/** `1234567` as `1,234,567`. */
export const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '-');

/** A number with `digits` decimals, or `-`. */
export const num = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

/** `0.1234` as `12.3 %`. */
export const percent = (value) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '-');

/**
 * A boxed table. `columns` are `{ title, right? }` (all titles empty: no header row); rows are
 * arrays of cells (strings or numbers).
 *
 * @example
 * table('Top pages', [{ title: 'Page' }, { title: 'Views', right: true }], [['/', 12]]);
 */
export function table(title, columns, rows, { note } = {}) {
  const header = columns.some((column) => column.title !== '');
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? int(cell) : String(cell ?? ''))));
  if (cells.length === 0) cells.push(columns.map((_, i) => (i === 0 ? '(none)' : '')));
  const widths = columns.map((column, i) => Math.max(visible(column.title), ...cells.map((row) => visible(row[i] ?? ''))));
  const line = (left, mid, right) => `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`;
  const row = (values) => `│${values.map((value, i) => ` ${pad(value, widths[i], columns[i].right)} `).join('│')}│`;
  const out = [title, line('┌', '┬', '┐')];
  // A table whose columns have no titles is a list of label and value: no header row.
  if (header) out.push(row(columns.map((column) => column.title)), line('├', '┼', '┤'));
  for (const values of cells) out.push(row(values));
  out.push(line('└', '┴', '┘'));
  if (note) out.push(note);
  return out.join('\n');
}

/** Percentiles of a list of numbers (nearest rank). */
export function percentiles(values, wanted = [50, 95, 99]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
  return Object.fromEntries(wanted.map((p) => [`p${p}`, at(p)]));
}

/**
 * A progress line on stderr: redrawn in place on a terminal, printed at each quarter otherwise
 * (so logs and tests get a few lines, not hundreds), and once more by `stop()` if it changed.
 */
export function progress(render) {
  const stream = process.stderr;
  const s = styles(stream);
  let lastQuarter = -1;
  let lastText;
  let timer;
  const draw = (final = false) => {
    const { done, total, text } = render();
    if (stream.isTTY) {
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : width;
      stream.write(`\r\u001b[2K  ${s.cyan('█'.repeat(filled))}${s.dim('░'.repeat(width - filled))} ${text}${final ? '\n' : ''}`);
      return;
    }
    const quarter = total > 0 ? Math.floor((done / total) * 4) : 4;
    // The last line is always the final state, even when the last quarter was already printed.
    if (quarter > lastQuarter || (final && text !== lastText)) {
      stream.write(`  ${text}\n`);
      lastQuarter = quarter;
      lastText = text;
    }
  };
  return {
    start() {
      timer = setInterval(() => draw(), stream.isTTY ? 100 : 250);
      draw();
    },
    stop() {
      clearInterval(timer);
      draw(true);
    },
  };
}
