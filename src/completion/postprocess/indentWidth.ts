import { indentColumns, leadingWhitespace } from '../../shared/indentation';

/**
 * Columns a tab advances to. Indentation is only ever compared within one document, so any width
 * gives the same order for a file that indents consistently; 4 is VS Code's default `tabSize` and
 * keeps the order right in files that mix a tab with 4 spaces.
 */
export const TAB_WIDTH = 4;

/** Width in columns of a line's leading spaces and tabs. */
export function indentWidth(line: string): number {
  return indentColumns(leadingWhitespace(line), TAB_WIDTH);
}
