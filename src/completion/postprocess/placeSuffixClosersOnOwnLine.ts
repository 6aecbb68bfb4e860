import type { CursorLines } from './cursorLines';
import { indentWidth } from './indentWidth';

/**
 * Multi-line, with closers after the cursor on its line (`useEffect(() => {█});`): a completion
 * that ends inside the block gets a final line break and the cursor line's indentation, so the
 * suffix's `});` lands on its own line, aligned with the line that opened the block, instead of
 * being glued to the end of the last statement. This final line is the one exception to "no
 * trailing whitespace": the suffix's closers follow it.
 */
export function placeSuffixClosersOnOwnLine(text: string, lines: CursorLines): string {
  if (!text.includes('\n') || !/^[ \t]*[)\]}]/.test(lines.lineSuffix)) return text;
  const lastLine = text.slice(text.lastIndexOf('\n') + 1);
  const cursorLine = lines.linePrefix + lines.lineSuffix;
  if (lastLine.trim() === '' || indentWidth(lastLine) <= indentWidth(cursorLine)) return text;
  return text + '\n' + cursorLine.slice(0, cursorLine.length - cursorLine.trimStart().length);
}
