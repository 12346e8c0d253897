/**
 * Go's text/tabwriter, as far as the aliyun CLI uses it: cells end at a TAB, lines at a newline,
 * a column block is a run of lines that have a cell in that column, and each cell of a block is
 * padded to the block's widest cell plus `padding` (at least `minwidth`). With `debug`, a `|` is
 * written between columns. Widths count runes (utf8.RuneCount), as Go does. Pure.
 */

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
  padchar: string;
  /** tabwriter.Debug: `|` between columns. */
  debug: boolean;
}

interface Cell {
  text: string;
  width: number;
}

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function tabwrite(text: string, options: TabwriterOptions): string {
  const { minwidth, padding, padchar, debug } = options;
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: runeCount(t) })));
  // Text ending in a newline leaves an empty last line: Go writes nothing for it.
  if (lines.length > 0 && lines[lines.length - 1]!.length === 1 && lines[lines.length - 1]![0]!.text === '') {
    lines[lines.length - 1] = [];
  }
  const widths: number[] = [];
  let out = '';

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      line.forEach((cell, j) => {
        if (j > 0 && debug) out += '|';
        out += cell.text;
        if (j < widths.length) out += padchar.repeat(Math.max(0, widths[j]! - cell.width));
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  const format = (from: number, to: number): void => {
    const column = widths.length;
    let start = from;
    for (let at = from; at < to; at++) {
      if (column >= lines[at]!.length - 1) continue;
      // A cell in this column: the lines before it are printed, a column block begins.
      writeLines(start, at);
      start = at;
      let width = minwidth;
      for (; at < to; at++) {
        const line = lines[at]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + padding);
      }
      widths.push(width);
      format(start, at);
      widths.pop();
      start = at;
    }
    writeLines(start, to);
  };

  format(0, lines.length);
  return out;
}
