import type { CursorLines } from './cursorLines';
import { indentWidth } from './indentWidth';
import type { LanguageSyntax } from '../../languages/languages';
import { CLOSER_OF, IN_CODE, scanBrackets, type ScanState } from './scanBrackets';

/** A bracket opened before the cursor and not closed before it. */
export interface OpenBracket {
  readonly char: string;
  /** Indentation of the line it is on: the level its closing bracket is expected at. */
  readonly lineIndent: number;
}

/** A closing bracket after the cursor that closes a bracket opened before it. */
export interface SuffixCloser {
  readonly char: string;
  /** On the cursor's own line (typically auto-closed by the editor). */
  readonly onCursorLine: boolean;
  readonly lineIndent: number;
}

/** The brackets around the cursor, read once from the windows either side. */
export interface BracketContext {
  /** Whether the cursor is in code, a string or a comment. */
  readonly stateAtCursor: ScanState;
  /** Brackets still open at the cursor, outermost first. */
  readonly open: readonly OpenBracket[];
  /** Closers in the suffix for brackets open at the cursor, in document order. */
  readonly suffixClosers: readonly SuffixCloser[];
}

/**
 * More unmatched closers than any real nesting depth (code rarely nests past 10); the cap bounds
 * the list for a garbage suffix such as `)))))…`.
 */
const MAX_SUFFIX_CLOSERS = 32;

export function bracketContext(lines: CursorLines, syntax: LanguageSyntax): BracketContext {
  const open: OpenBracket[] = [];
  const prefix = lines.prefixWindow;
  let lineStart = 0;
  let lineIndent = -1;
  const stateAtCursor = scanBrackets(prefix, syntax, IN_CODE, (event, char, index) => {
    if (event === 'newline') {
      lineStart = index + 1;
      lineIndent = -1;
    } else if (event === 'open') {
      // Measured once per line, so a long line of brackets stays linear.
      if (lineIndent < 0) lineIndent = indentWidth(prefix.slice(lineStart, index));
      open.push({ char, lineIndent });
    } else if (open.length > 0 && CLOSER_OF[open[open.length - 1].char] === char) {
      // A closer that matches nothing open was opened before the window, or the lexer misread a
      // string; either way it says nothing about the brackets at the cursor.
      open.pop();
    }
  });

  const suffixClosers: SuffixCloser[] = [];
  const suffix = lines.suffixWindow;
  const nested: string[] = [];
  let onCursorLine = true;
  let suffixLineStart = 0;
  let suffixLineIndent = indentWidth(lines.linePrefix + lines.lineSuffix);
  scanBrackets(suffix, syntax, stateAtCursor, (event, char, index) => {
    if (event === 'newline') {
      onCursorLine = false;
      suffixLineStart = index + 1;
      suffixLineIndent = -1;
      return false;
    }
    if (event === 'open') {
      nested.push(char);
      return false;
    }
    if (nested.length > 0) {
      if (CLOSER_OF[nested[nested.length - 1]] === char) nested.pop();
      return false;
    }
    if (suffixLineIndent < 0) suffixLineIndent = indentWidth(suffix.slice(suffixLineStart, index));
    suffixClosers.push({ char, onCursorLine, lineIndent: suffixLineIndent });
    return suffixClosers.length >= MAX_SUFFIX_CLOSERS;
  });

  return { stateAtCursor, open, suffixClosers };
}
