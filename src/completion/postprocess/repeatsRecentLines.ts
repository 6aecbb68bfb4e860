import type { CursorLines } from './cursorLines';

/**
 * Visible characters a repeated block needs. Short lines (`}`, `end`, `i++;`, `break`) repeat in
 * real code; Continue's lineIsRepeated uses the same bound (lines of <= 4 characters never count).
 */
export const MIN_REPEAT_CHARS = 5;

/** "The last few lines": blocks of up to 3 lines, the longest loop small models fall into. */
export const MAX_REPEAT_LINES = 3;

/**
 * Whether the completion starts by repeating the lines right above it verbatim (whitespace at the
 * ends aside): its first line equals the line above, or its first 2-3 lines equal the last 2-3
 * non-blank lines before the cursor. A common small-model failure; the whole completion is
 * dropped, since what follows a copied line is a copy too. The first line counts as the whole
 * line it makes with the text before the cursor.
 */
export function repeatsRecentLines(text: string, lines: CursorLines): boolean {
  const startsNewLine = text.startsWith('\n') && lines.linePrefix.trim() !== '';
  const recent = lastNonBlankLines(lines.linesBefore, MAX_REPEAT_LINES);
  if (startsNewLine) recent.push(lines.linePrefix.trim());
  const written = firstNonBlankLines(startsNewLine ? text.slice(1) : lines.linePrefix + text, MAX_REPEAT_LINES);
  for (let m = 1; m <= MAX_REPEAT_LINES && m <= recent.length && m <= written.length; m++) {
    const block = recent.slice(recent.length - m);
    if (block.every((line, k) => line === written[k]) && block.join('').length >= MIN_REPEAT_CHARS) return true;
  }
  return false;
}

function lastNonBlankLines(lines: readonly string[], count: number): string[] {
  const found: string[] = [];
  for (let i = lines.length - 1; i >= 0 && found.length < count; i--) {
    const line = lines[i].trim();
    if (line !== '') found.unshift(line);
  }
  return found;
}

function firstNonBlankLines(text: string, count: number): string[] {
  const found: string[] = [];
  let start = 0;
  while (start <= text.length && found.length < count) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end).trim();
    if (line !== '') found.push(line);
    if (end < 0) break;
    start = end + 1;
  }
  return found;
}
