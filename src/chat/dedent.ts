import { commonIndent, isBlank, splitLines } from '../shared/indentation';

/**
 * The selected lines without their common indentation, for the prompt: a small model copies the
 * indentation it is shown, and code at column 0 is what it has seen most. Blank lines are empty
 * and do not count for the common indent; lines are joined by `\n`. Tabs and spaces are compared
 * in columns (`tabSize`), so a file that mixes them still dedents.
 */
export function dedent(text: string, tabSize: number): string {
  const lines = splitLines(text);
  const base = commonIndent(lines, tabSize);
  return lines.map((line) => (isBlank(line) ? '' : removeColumns(line, base, tabSize))).join('\n');
}

/** The line without its first `columns` columns of indentation; a tab cut through keeps its other columns as spaces. */
function removeColumns(line: string, columns: number, tabSize: number): string {
  let width = 0;
  let i = 0;
  while (width < columns) width = line[i++] === '\t' ? width + tabSize - (width % tabSize) : width + 1;
  return ' '.repeat(width - columns) + line.slice(i);
}
