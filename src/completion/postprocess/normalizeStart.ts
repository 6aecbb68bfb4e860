import type { CursorLines } from './cursorLines';
import { indentWidth, TAB_WIDTH } from './indentWidth';

/**
 * Fits the start of the completion to where the cursor is.
 *
 * Leading line breaks (the model ended the cursor's line):
 * - cursor on a blank line: they are dropped, and the first line loses as much indentation as the
 *   cursor already has (the model wrote a fresh line with absolute indentation);
 * - text before the cursor and nothing after it: one line break is kept, so the completion is the
 *   next line ("next line" suggestion), in single-line mode too: the model judged the line complete,
 *   and the line it wrote is still one line of ghost text;
 * - text after the cursor, single-line mode: undefined. A line break would push the rest of the
 *   line down, which a one-line suggestion cannot show sensibly.
 *
 * No leading line break: if the text before the cursor ends with a space or tab, leading spaces on
 * the completion are dropped; models often repeat the space or the indentation the prompt ended
 * with (Cody's collapseDuplicativeWhitespace does the same).
 */
export function normalizeStart(text: string, lines: CursorLines, multiline: boolean): string | undefined {
  const { linePrefix, lineSuffix } = lines;
  const contentStart = afterLeadingBlankLines(text);
  if (contentStart > 0) {
    const rest = text.slice(contentStart);
    if (linePrefix.trim() === '') return dropIndent(rest, indentWidth(linePrefix));
    if (!multiline && lineSuffix.trim() !== '') return undefined;
    return '\n' + rest;
  }
  if (linePrefix.endsWith(' ') || linePrefix.endsWith('\t')) return text.replace(/^[ \t]+/, '');
  return text;
}

/** Index after the leading run of blank lines, 0 if the text does not start with one. */
function afterLeadingBlankLines(text: string): number {
  let start = 0;
  for (;;) {
    let i = start;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '\n') return start;
    start = i + 1;
  }
}

/** Removes leading whitespace from the first line up to `width` columns. */
function dropIndent(text: string, width: number): string {
  let i = 0;
  let columns = 0;
  for (; i < text.length; i++) {
    const next = text[i] === ' ' ? columns + 1 : text[i] === '\t' ? columns + TAB_WIDTH - (columns % TAB_WIDTH) : -1;
    if (next < 0 || next > width) break;
    columns = next;
  }
  return text.slice(i);
}
