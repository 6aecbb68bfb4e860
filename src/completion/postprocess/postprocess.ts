import { blockScope } from './blockScope';
import { bracketContext } from './bracketContext';
import { cursorLines } from './cursorLines';
import { firstLineOnly } from './firstLineOnly';
import { isOnlySuffixClosers } from './isOnlySuffixClosers';
import { languageSyntax } from '../../languages/languages';
import { DEFAULT_MAX_LINES, limitLines } from './limitLines';
import { normalizeStart } from './normalizeStart';
import { placeSuffixClosersOnOwnLine } from './placeSuffixClosersOnOwnLine';
import { repeatsRecentLines } from './repeatsRecentLines';
import { sanitizeRaw } from './sanitizeRaw';
import { trimSuffixOverlap } from './trimSuffixOverlap';
import { trimTrailingWhitespace } from './trimTrailingWhitespace';
import { truncateAtBlockEnd } from './truncateAtBlockEnd';
import { MAX_LOOP_PERIOD, truncateAtLoop } from './truncateAtLoop';
import { truncateAtUnmatchedCloser } from './truncateAtUnmatchedCloser';
import type { CompletionPosition, PostprocessOptions } from './types';

// The stage's two verbs from one module: decide before generation, clean up after it.
export { shouldBeMultiline } from './shouldBeMultiline';

/**
 * Raw model output to the ghost text shown at the cursor; undefined = show nothing.
 * Pure and editor-agnostic; never throws, and runs in time linear in bounded windows of its
 * inputs (see sanitizeRaw and cursorLines), whatever they contain.
 *
 * Stages, in order; each may only shorten the text:
 *  1. sanitize: bound the length, `\n` line ends, cut at a leaked special token, drop controls;
 *  2. fit the start to the cursor (leading line breaks, doubled spaces);
 *  3. single-line: first line only; multi-line: stop at a self-repeating loop and at the end of
 *     the enclosing block by indentation;
 *  4. bracket balance: stop at a closer for a bracket opened before the cursor, dropping it when
 *     the suffix already has it;
 *  5. drop what only repeats the suffix;
 *  6. at most maxLines lines, no trailing whitespace;
 *  7. drop the lot if it is empty, repeats the lines above, or is only closers the suffix has.
 */
export function postprocess(raw: string, pos: CompletionPosition, options: PostprocessOptions): string | undefined {
  try {
    return run(raw, pos, options);
  } catch {
    // Every stage is written not to throw; this keeps a bug in one from breaking typing.
    return undefined;
  }
}

function run(raw: string, pos: CompletionPosition, options: PostprocessOptions): string | undefined {
  const sanitized = sanitizeRaw(raw);
  if (sanitized === undefined) return undefined;
  const lines = cursorLines(pos);
  const syntax = languageSyntax(pos?.languageId);
  const multiline = options?.multiline === true;
  const maxLines = options?.maxLines ?? DEFAULT_MAX_LINES;

  const started = normalizeStart(sanitized, lines, multiline);
  if (started === undefined) return undefined;
  // Lines past maxLines are never shown; the few kept beyond it let loop detection see a repeat
  // that starts on the last shown line.
  let text = multiline ? limitLines(started, maxLines + MAX_LOOP_PERIOD) : firstLineOnly(started);
  text = trimTrailingWhitespace(text);
  if (multiline) {
    text = truncateAtLoop(text, lines.linePrefix);
    text = truncateAtBlockEnd(text, blockScope(lines, syntax), syntax, lines);
  }
  const brackets = bracketContext(lines, syntax);
  text = truncateAtUnmatchedCloser(text, brackets, lines, syntax);
  text = trimSuffixOverlap(text, lines, brackets, syntax);
  text = trimTrailingWhitespace(limitLines(text, maxLines));

  if (text.trim() === '' || repeatsRecentLines(text, lines) || isOnlySuffixClosers(text, lines)) return undefined;
  return multiline ? placeSuffixClosersOnOwnLine(text, lines) : text;
}
