import { languageSyntax } from '../../languages/languages';
import type { CompletionPosition } from './types';

/**
 * Characters of context each side of the cursor that the rules look at: 16 KiB is about 400
 * lines of code, enough to find the enclosing function's opening bracket and the lines right
 * below the cursor, while a 1 MB document costs no more than a small one (every rule is linear
 * in these windows).
 */
export const WINDOW_CHARS = 16_384;

/** The document around the cursor, split once into the lines every rule works with. */
export interface CursorLines {
  /** The cursor's line up to the cursor. */
  readonly linePrefix: string;
  /** The cursor's line from the cursor to its end. */
  readonly lineSuffix: string;
  /** Whole lines above the cursor's line, top to bottom (within the window). */
  readonly linesBefore: readonly string[];
  /** Whole lines below the cursor's line, top to bottom (within the window). */
  readonly linesAfter: readonly string[];
  /** The prefix window, starting on a line boundary, with `\n` line ends. */
  readonly prefixWindow: string;
  /** The suffix window, ending on a line boundary, with `\n` line ends. */
  readonly suffixWindow: string;
}

export function cursorLines(pos: CompletionPosition): CursorLines {
  const prefixWindow = startAtCode(windowBefore(typeof pos?.prefix === 'string' ? pos.prefix : ''), languageSyntax(pos?.languageId).topLevelCode);
  const suffixWindow = windowAfter(typeof pos?.suffix === 'string' ? pos.suffix : '');
  const before = prefixWindow.split('\n');
  const after = suffixWindow.split('\n');
  const linePrefix = before.pop() ?? '';
  const lineSuffix = after.shift() ?? '';
  return { linePrefix, lineSuffix, linesBefore: before, linesAfter: after, prefixWindow, suffixWindow };
}

function windowBefore(prefix: string): string {
  if (prefix.length <= WINDOW_CHARS) return normalizeLineEnds(prefix);
  const tail = prefix.slice(-WINDOW_CHARS);
  // Start on a whole line so that the first line's indentation is real.
  const lineStart = tail.indexOf('\n');
  return normalizeLineEnds(lineStart < 0 ? tail : tail.slice(lineStart + 1));
}

/**
 * From the first whole line that is surely code (LanguageSyntax.topLevelCode) at column 0, or else
 * the nearest one above the cursor at any indentation (a method's `def` when the window starts
 * inside a class's docstring); unchanged when there is none.
 */
function startAtCode(prefix: string, topLevelCode: RegExp | undefined): string {
  if (!topLevelCode) return prefix;
  const cursorLine = prefix.lastIndexOf('\n') + 1;
  let nearest = -1;
  for (let at = 0; at < cursorLine; ) {
    const end = prefix.indexOf('\n', at);
    const line = prefix.slice(at, end);
    const indent = line.length - line.trimStart().length;
    if (topLevelCode.test(line.slice(indent))) {
      if (indent === 0) return prefix.slice(at);
      nearest = at;
    }
    at = end + 1;
  }
  return nearest >= 0 ? prefix.slice(nearest) : prefix;
}

function windowAfter(suffix: string): string {
  if (suffix.length <= WINDOW_CHARS) return normalizeLineEnds(suffix);
  const head = suffix.slice(0, WINDOW_CHARS);
  // End on a whole line: a cut-off last line would look like a short, dedented one.
  const lineEnd = head.lastIndexOf('\n');
  return normalizeLineEnds(lineEnd < 0 ? head : head.slice(0, lineEnd));
}

/** CRLF and lone CR documents are handled as LF; VS Code converts inserted text to the document's EOL. */
function normalizeLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
