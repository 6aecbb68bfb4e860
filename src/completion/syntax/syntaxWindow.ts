import { cursorLines } from '../postprocess/cursorLines';
import { languageSyntax } from '../../languages/languages';
import type { CompletionPosition } from '../postprocess/types';

/**
 * Characters parsed each side of the cursor: ~100 lines above and ~50 below, enough for the
 * enclosing function and the code right below. Parsing this 6 KB takes ~1 ms once V8 has
 * optimized the grammar (16 KB: ~3 ms, and 2-3x that on a busy 2-core machine).
 */
const BEFORE_CHARS = 4_096;
const AFTER_CHARS = 2_048;

/**
 * A line at column 0 that starts a word (`function`, `def`, `class`, `#include`, `@decorator`):
 * usually the start of a top-level declaration, so a window that starts or ends there cuts no
 * construct in two and adds no syntax errors of its own. Closers (`}`) and continuations do not match.
 */
const TOP_LEVEL = /^[A-Za-z_@#]/;

/** The text parsed around the cursor: the end of the prefix and the start of the suffix, `\n` line ends. */
export interface SyntaxWindow {
  readonly prefix: string;
  readonly suffix: string;
}

/**
 * Undefined where the text can't be parsed on its own: in an indentation-scoped language
 * (LanguageSyntax.topLevelCode) a window whose first line is indented (the cursor deep in a class
 * whose header is further up) parses as other blocks than the document's.
 */
export function syntaxWindow(pos: CompletionPosition): SyntaxWindow | undefined {
  const { prefixWindow, suffixWindow } = cursorLines(pos);
  const prefix = startAtTopLevel(prefixWindow);
  if (languageSyntax(pos.languageId).topLevelCode && /^[ \t]+\S/.test(prefix)) return undefined;
  return { prefix, suffix: endAtTopLevel(suffixWindow) };
}

function startAtTopLevel(prefix: string): string {
  let start = Math.max(0, prefix.length - BEFORE_CHARS);
  if (start > 0) start = prefix.indexOf('\n', start) + 1;
  const lines = prefix.slice(start).split('\n');
  lines.pop(); // the cursor's own line is never a start
  let at = start;
  for (const line of lines) {
    if (TOP_LEVEL.test(line)) return prefix.slice(at);
    at += line.length + 1;
  }
  return prefix.slice(start);
}

function endAtTopLevel(suffix: string): string {
  let end = suffix.length;
  if (end > AFTER_CHARS) end = Math.max(0, suffix.lastIndexOf('\n', AFTER_CHARS));
  // The last top-level line after the cursor's line ends the window; the cursor's line is kept whole.
  const firstBreak = suffix.indexOf('\n');
  if (firstBreak < 0 || firstBreak >= end) return suffix.slice(0, end);
  for (let at = suffix.lastIndexOf('\n', end - 1); at > firstBreak; at = suffix.lastIndexOf('\n', at - 1)) {
    if (TOP_LEVEL.test(suffix.slice(at + 1, at + 2))) return suffix.slice(0, at + 1);
  }
  return suffix.slice(0, end);
}
