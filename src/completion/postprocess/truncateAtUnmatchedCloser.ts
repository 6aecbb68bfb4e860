import type { BracketContext } from './bracketContext';
import type { CursorLines } from './cursorLines';
import { indentWidth } from './indentWidth';
import type { LanguageSyntax } from '../../languages/languages';
import { CLOSER_OF, scanBrackets } from './scanBrackets';

/**
 * Bracket balance: a closing bracket in the completion that closes a bracket opened before the
 * cursor ends the completion.
 * - If the suffix already has that closer, the completion stops before it: the model re-wrote the
 *   `}` or `)` that is already there. The suffix has it when its next unmatched closer is the same
 *   bracket and is on the cursor's line (auto-closed) or at the indentation of the line that opened
 *   the bracket. The indentation test tells a method's missing `}` from the class's `}` below it.
 *   A closer alone on its line goes with its whole line.
 * - Otherwise the completion writes the closer itself and ends with that line.
 * A closer that does not match the bracket it would close (`(` … `}`) ends the completion before
 * it: the model has lost track of the nesting. Brackets in strings and comments do not count.
 */
export function truncateAtUnmatchedCloser(
  text: string,
  brackets: BracketContext,
  lines: CursorLines,
  syntax: LanguageSyntax,
): string {
  const nested: string[] = [];
  let outer = brackets.open.length - 1;
  let closedOuter = false;
  let lineStart = 0;
  let lineNumber = 0;
  let cutAt = -1;

  scanBrackets(text, syntax, brackets.stateAtCursor, (event, char, index) => {
    if (event === 'newline') {
      if (closedOuter) {
        cutAt = index;
        return true;
      }
      lineStart = index + 1;
      lineNumber++;
      return false;
    }
    if (event === 'open') {
      nested.push(char);
      return false;
    }
    if (nested.length > 0) {
      if (CLOSER_OF[nested[nested.length - 1]] === char) {
        nested.pop();
        return false;
      }
      cutAt = index;
      return true;
    }
    const opener = outer >= 0 ? brackets.open[outer] : undefined;
    if (opener !== undefined && CLOSER_OF[opener.char] !== char) {
      cutAt = index;
      return true;
    }
    const expectedIndent =
      opener?.lineIndent ??
      (lineNumber === 0 ? indentWidth(lines.linePrefix) : indentWidth(text.slice(lineStart, index)));
    // Always the suffix's first closer: while the completion closes brackets itself, the suffix's
    // first closer belongs to a bracket further out, the next one this loop will meet.
    const inSuffix = brackets.suffixClosers[0];
    if (inSuffix?.char === char && (inSuffix.onCursorLine || inSuffix.lineIndent === expectedIndent)) {
      // Alone on a later line: drop the line with its line break.
      if (lineNumber > 0 && text.slice(lineStart, index).trim() === '') cutAt = lineStart - 1;
      else cutAt = index;
      return true;
    }
    outer--;
    closedOuter = true;
    return false;
  });

  if (cutAt < 0) return text;
  return trimLineEnd(text.slice(0, cutAt));
}

function trimLineEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(0, end);
}
