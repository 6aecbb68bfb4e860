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

/**
 * A line after the whole lines of a streamed completion, standing for whatever the model writes
 * next: indented deeper than any block, no bracket, repeating nothing. Where even this line is cut
 * away, every continuation is.
 */
const PROBE = `${' '.repeat(256)}x`;

/**
 * Whether a multi-line completion streamed so far is already cut, whatever the model writes next:
 * one of postprocess()'s cuts that look only at the text before them (the line limit, a loop, the
 * end of the block by indentation, an unmatched closer) falls within its whole lines (the text up
 * to its last line break), or the line being written leaves the block. Generation can stop there: more output would be cut away. The cuts that
 * judge the end of the text (what repeats the suffix, whether it parses) are not asked, since more
 * text changes their answer. Never throws.
 */
export function cutOnStream(streamed: string, pos: CompletionPosition, options: PostprocessOptions): boolean {
  try {
    if (options?.multiline !== true) return false;
    const sanitized = sanitizeRaw(streamed.slice(0, streamed.lastIndexOf('\n') + 1));
    const lines = cursorLines(pos);
    const started = sanitized && normalizeStart(sanitized, lines, true);
    if (!started) return false;
    // Past this many whole lines postprocess() looks at nothing more (limitLines, twice).
    const limit = (options.maxLines ?? DEFAULT_MAX_LINES) + MAX_LOOP_PERIOD;
    if (started.split('\n').length - 1 - (started.startsWith('\n') ? 1 : 0) >= limit) return true;
    const syntax = languageSyntax(pos.languageId);
    const scope = blockScope(lines, syntax);
    let text = truncateAtLoop(started + PROBE, lines.linePrefix);
    text = truncateAtBlockEnd(text, scope, syntax, lines);
    text = truncateAtUnmatchedCloser(text, bracketContext(lines, syntax), lines, syntax);
    if (!text.endsWith(PROBE)) return true;
    // The line being written, once its first word is whole: the block-end rule reads no more of it
    // than its indentation and that word (`else`, `end`), so a line that leaves the block decides
    // before its end. A closer is kept as the last line, so it waits for the line break.
    const writing = streamed.slice(streamed.lastIndexOf('\n') + 1);
    if (!/^[ \t]*(?:[\p{L}\p{N}_$]+[^\p{L}\p{N}_$]|[^\p{L}\p{N}_$\s)\]}])/u.test(writing)) return false;
    return trimTrailingWhitespace(truncateAtBlockEnd(started + writing, scope, syntax, lines)).length <= trimTrailingWhitespace(started).length;
  } catch {
    return false;
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
