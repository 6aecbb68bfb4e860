import type { BlockScope } from './blockScope';
import type { CursorLines } from './cursorLines';
import { indentWidth } from './indentWidth';
import type { LanguageSyntax } from '../../languages/languages';
import { trimTrailingWhitespace } from './trimTrailingWhitespace';

const CLOSERS = ')]}';

/**
 * Multi-line: the completion ends where it leaves the block it was written in, judged by
 * indentation, which models keep consistent. The first line after the first one that is indented
 * less than the block's body (see blockScope) ends it, with two kinds of exception:
 * - a continuation (`else:`, `except:`) at or above the opening line's level is kept;
 * - a line that starts with a closing bracket is kept as the last line: whether the suffix already
 *   has that bracket is for truncateAtUnmatchedCloser to decide. A closing keyword (`end`, `fi`)
 *   is kept as the last line unless the next line of the suffix is that same line.
 * Without this rule small models run on past the end of the function into the next one.
 */
export function truncateAtBlockEnd(
  text: string,
  scope: BlockScope,
  syntax: LanguageSyntax,
  lines: CursorLines,
): string {
  const parts = text.split('\n');
  for (let i = 1; i < parts.length; i++) {
    const line = parts[i];
    const body = line.trim();
    if (body === '') continue;
    const indent = indentWidth(line);
    if (indent >= scope.minIndent) continue;
    if (syntax.continuation?.test(body) && indent >= scope.openerIndent) continue;
    if (CLOSERS.includes(body[0])) return parts.slice(0, i + 1).join('\n');
    if (syntax.endKeyword?.test(body) && !suffixStartsWithLine(lines, line)) {
      return parts.slice(0, i + 1).join('\n');
    }
    return trimTrailingWhitespace(parts.slice(0, i).join('\n'));
  }
  return text;
}

function suffixStartsWithLine(lines: CursorLines, line: string): boolean {
  const below = lines.linesAfter.find((l) => l.trim() !== '');
  return below !== undefined && below.trim() === line.trim() && indentWidth(below) === indentWidth(line);
}
