// Lines and their indentation: indentation is read and written in columns, so that tabs and
// spaces compare; the editor's settings say how to write it, and the document's line end joins lines.

/** The editor's indentation settings for the document (VS Code's TextEditorOptions). */
export interface IndentOptions {
  insertSpaces: boolean;
  /** Columns of a tab, and of one indent level (VS Code's `indentSize` follows `tabSize` by default). */
  tabSize: number;
}

export type Eol = '\n' | '\r\n';

/** The text's lines, whatever its line ends (`\n`, `\r\n`). */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function leadingWhitespace(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** Width of leading whitespace, a tab advancing to the next multiple of `tabSize`. */
export function indentColumns(whitespace: string, tabSize: number): number {
  let width = 0;
  for (const ch of whitespace) width = ch === '\t' ? width + tabSize - (width % tabSize) : width + 1;
  return width;
}

/** `columns` of indentation in the editor's style: spaces, or tabs and then the spaces a tab would overshoot. */
export function renderIndent(columns: number, options: IndentOptions): string {
  if (options.insertSpaces) return ' '.repeat(columns);
  return '\t'.repeat(Math.floor(columns / options.tabSize)) + ' '.repeat(columns % options.tabSize);
}

/** The smallest indentation of the non-blank lines, in columns; 0 when all are blank. */
export function commonIndent(lines: readonly string[], tabSize: number): number {
  let min = Infinity;
  for (const line of lines) if (!isBlank(line)) min = Math.min(min, indentColumns(leadingWhitespace(line), tabSize));
  return min === Infinity ? 0 : min;
}
