import type { CursorLines } from './cursorLines';
import { endsWithBlockOpener } from './endsWithBlockOpener';
import { indentWidth } from './indentWidth';
import type { LanguageSyntax } from '../../languages/languages';

/** The indentation bounds of the block the completion is written in. */
export interface BlockScope {
  /** A completion line (after the first) indented less than this has left the block. */
  readonly minIndent: number;
  /** Level of the line that opened the block; `else:` and the like at or above it continue it. */
  readonly openerIndent: number;
}

/**
 * - Cursor on a blank line: the block's body is at the cursor's indentation, or one level under
 *   the line above if that line opens a block and the cursor is not yet indented.
 * - Text before the cursor ending in an opener (`{`, `:`): the body is anything deeper than
 *   this line.
 * - Other text before the cursor: the completion continues a statement at this line's level.
 * In a language with `scopeStart` (Python), when nothing of the enclosing `def`/`class` follows
 * the cursor, the completion may dedent down to that scope's body: it may finish a loop and then
 * `return`, but a line at the `def`'s own level ends it.
 */
export function blockScope(lines: CursorLines, syntax: LanguageSyntax): BlockScope {
  const { linePrefix, linesBefore } = lines;
  let minIndent: number;
  let openerIndent: number;
  if (linePrefix.trim() === '') {
    const cursorIndent = indentWidth(linePrefix);
    const above = lastNonBlankIndex(linesBefore);
    if (above >= 0 && endsWithBlockOpener(linesBefore[above], syntax) !== undefined) {
      openerIndent = indentWidth(linesBefore[above]);
      minIndent = Math.max(cursorIndent, openerIndent + 1);
    } else {
      minIndent = cursorIndent;
      openerIndent = parentIndent(linesBefore, cursorIndent);
    }
  } else {
    const lineIndent = indentWidth(linePrefix);
    if (endsWithBlockOpener(linePrefix, syntax) !== undefined) {
      minIndent = lineIndent + 1;
      openerIndent = lineIndent;
    } else {
      minIndent = lineIndent;
      openerIndent = parentIndent(linesBefore, lineIndent);
    }
  }

  if (syntax.scopeStart) {
    const scopeIndent = enclosingScopeIndent(lines, syntax.scopeStart, minIndent);
    const below = lines.linesAfter.find((line) => line.trim() !== '');
    if (scopeIndent !== undefined && (below === undefined || indentWidth(below) <= scopeIndent)) {
      minIndent = Math.min(minIndent, scopeIndent + 1);
    }
  }
  return { minIndent, openerIndent };
}

function lastNonBlankIndex(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return i;
  return -1;
}

/** Indentation of the nearest line above that is indented less than `indent`; 0 if none. */
function parentIndent(linesBefore: readonly string[], indent: number): number {
  for (let i = linesBefore.length - 1; i >= 0; i--) {
    const line = linesBefore[i];
    if (line.trim() !== '' && indentWidth(line) < indent) return indentWidth(line);
  }
  return 0;
}

/**
 * Level of the innermost `def`/`class` enclosing a body at `bodyIndent`, walking up through the
 * enclosing blocks (each a line indented less than the one before); the cursor's own line counts
 * when it is the `def` line.
 */
function enclosingScopeIndent(lines: CursorLines, scopeStart: RegExp, bodyIndent: number): number | undefined {
  if (lines.linePrefix.trim() !== '' && scopeStart.test(lines.linePrefix)) {
    const own = indentWidth(lines.linePrefix);
    if (own < bodyIndent) return own;
  }
  let ceiling = bodyIndent;
  for (let i = lines.linesBefore.length - 1; i >= 0 && ceiling > 0; i--) {
    const line = lines.linesBefore[i];
    if (line.trim() === '') continue;
    const indent = indentWidth(line);
    if (indent >= ceiling) continue;
    if (scopeStart.test(line)) return indent;
    ceiling = indent;
  }
  return undefined;
}
