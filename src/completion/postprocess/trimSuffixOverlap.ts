import type { BracketContext } from './bracketContext';
import type { CursorLines } from './cursorLines';
import { indentWidth } from './indentWidth';
import type { LanguageSyntax } from '../../languages/languages';
import { CLOSER_OF, scanBrackets } from './scanBrackets';
import { trimTrailingWhitespace } from './trimTrailingWhitespace';

/**
 * Longest overlap looked for between the completion's end and the rest of the cursor's line.
 * Re-emitted suffixes are a few characters (`)`, `);`, `") {`); 256 covers a whole long line while
 * keeping the search (quadratic in this bound) cheap.
 */
export const MAX_OVERLAP_CHARS = 256;

const WORD = /[\p{L}\p{N}_$]/u;

/**
 * Drops what only repeats the text after the cursor, which FIM models often re-emit.
 * - Lines: the completion stops at its first whole line that equals (indentation included) the
 *   next non-blank line below the cursor; a first line that does, on a blank cursor line, leaves
 *   nothing.
 * - Tail: the longest end of the completion that equals the start of the rest of the cursor's
 *   line is trimmed (`foo)` before `)` gives `foo`), provided that
 *   - it does not end inside a name of the suffix (`a + x` before `xs)` stays whole: the `x` is
 *     a new name, not the start of `xs` re-emitted);
 *   - it does not take a closer away from a bracket the completion itself opened (`bar()` before
 *     `)` stays whole) nor a quote, unless the cursor is inside a string that quote closes.
 */
export function trimSuffixOverlap(
  text: string,
  lines: CursorLines,
  brackets: BracketContext,
  syntax: LanguageSyntax,
): string {
  return trimTail(trimRepeatedLines(text, lines), lines, brackets, syntax);
}

function trimRepeatedLines(text: string, lines: CursorLines): string {
  const below = lines.linesAfter.find((line) => line.trim() !== '');
  if (below === undefined) return text;
  const target = below.trim();
  const targetIndent = indentWidth(below);
  const parts = text.split('\n');
  const firstIsWholeLine = lines.linePrefix.trim() === '';
  for (let i = firstIsWholeLine ? 0 : 1; i < parts.length; i++) {
    const line = i === 0 ? lines.linePrefix + parts[0] : parts[i];
    if (line.trim() === target && indentWidth(line) === targetIndent) {
      return trimTrailingWhitespace(parts.slice(0, i).join('\n'));
    }
  }
  return text;
}

function trimTail(text: string, lines: CursorLines, brackets: BracketContext, syntax: LanguageSyntax): string {
  const rest = lines.lineSuffix;
  if (rest.trim() === '') return text;
  const lastLine = text.length - (text.lastIndexOf('\n') + 1);
  for (let k = Math.min(rest.length, lastLine, MAX_OVERLAP_CHARS); k >= 1; k--) {
    const tail = rest.slice(0, k);
    if (tail.trim() === '' || !text.endsWith(tail)) continue;
    const kept = text.slice(0, text.length - k);
    if (endsInsideName(tail, rest[k])) continue;
    if (!safeToDrop(kept, tail, brackets, syntax)) continue;
    return kept;
  }
  return text;
}

function endsInsideName(tail: string, after: string | undefined): boolean {
  return after !== undefined && WORD.test(after) && WORD.test(tail[tail.length - 1]);
}

function safeToDrop(kept: string, tail: string, brackets: BracketContext, syntax: LanguageSyntax): boolean {
  const nested: string[] = [];
  const end = scanBrackets(kept, syntax, brackets.stateAtCursor, (event, char) => {
    if (event === 'open') nested.push(char);
    else if (event === 'close' && nested.length > 0 && CLOSER_OF[nested[nested.length - 1]] === char) nested.pop();
  });
  if (nested.length > 0 && /[)\]}]/.test(tail)) return false;
  // The suffix's quote closes a string only if one was open at the cursor (`"█";`); then the
  // completion's re-emitted quote may go if it closes the string the completion ends in.
  // With the cursor in code the suffix's quote opens a string, and the completion's stays.
  const quotes = [...syntax.quotes, ...syntax.multilineQuotes.map((q) => q[0])];
  if (quotes.some((q) => tail.includes(q))) {
    return brackets.stateAtCursor.mode === 'string' && end.mode === 'string' && tail.includes(end.close);
  }
  return true;
}
