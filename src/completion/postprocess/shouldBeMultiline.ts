import { bracketContext } from './bracketContext';
import { cursorLines, type CursorLines } from './cursorLines';
import { endsWithBlockOpener } from './endsWithBlockOpener';
import { indentWidth } from './indentWidth';
import { languageSyntax } from '../../languages/languages';
import type { CompletionPosition, MultilineMode } from './types';

/**
 * Text allowed after the cursor on its line for a block to count as being opened: closers the
 * editor auto-inserted, possibly followed by `;` or `,` (`useEffect(() => {█});`).
 */
const ONLY_CLOSERS = /^[\s)\]};,]*$/;

/**
 * Decided before generation (single-line generation stops at the first line break), so it must
 * be cheap and never throw. In 'auto' a completion is multi-line only where a new, empty block
 * is being written:
 * - the text before the cursor ends with a block opener (`{`, `=>`, Python `:`, `then`, `do`) and
 *   after the cursor there are only closers; `(` and `[` count only with nothing after the cursor,
 *   since with an auto-closed `)` the user is filling in arguments on this line;
 * - or the cursor's line is blank and the line above ends with an opener;
 * and in both cases the block has no body yet: the next non-blank line is indented no deeper than
 * the opening line (the matching `}`, the next `def`, or the end of the file).
 * A cursor inside a string or comment is never multi-line.
 */
export function shouldBeMultiline(pos: CompletionPosition, mode: MultilineMode): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  try {
    return opensEmptyBlock(pos);
  } catch {
    return false;
  }
}

function opensEmptyBlock(pos: CompletionPosition): boolean {
  const lines = cursorLines(pos);
  const syntax = languageSyntax(pos.languageId);
  const { linePrefix, lineSuffix } = lines;
  if (!ONLY_CLOSERS.test(lineSuffix)) return false;
  const brackets = bracketContext(lines, syntax);
  if (brackets.stateAtCursor.mode !== 'code') return false;
  const bracketsOpen = brackets.open.length;

  let openingLine: string;
  if (linePrefix.trim() !== '') {
    const opener = endsWithBlockOpener(linePrefix, syntax, bracketsOpen);
    if (opener === undefined) return false;
    if (opener === 'bracket' && lineSuffix.trim() !== '') return false;
    openingLine = linePrefix;
  } else {
    if (lineSuffix.trim() !== '') return false;
    const above = lastNonBlank(lines.linesBefore);
    if (above === undefined || endsWithBlockOpener(above, syntax, bracketsOpen) === undefined) return false;
    openingLine = above;
  }
  const below = firstNonBlank(lines);
  return below === undefined || indentWidth(below) <= indentWidth(openingLine);
}

function lastNonBlank(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return lines[i];
  return undefined;
}

function firstNonBlank(lines: CursorLines): string | undefined {
  return lines.linesAfter.find((line) => line.trim() !== '');
}
