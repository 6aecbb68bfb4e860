import type { CompletionPosition } from '../postprocess/types';
import { DEFAULT_LIMITS, withTree, type SyntaxLimits } from './parseWindow';
import { errorSpans, type ErrorSpan } from '../../treeSitter/syntaxErrors';
import { newErrors } from './syntaxErrors';
import { syntaxWindow } from './syntaxWindow';

/**
 * Shorter versions of a completion tried after the whole one: a 16-line completion's line cuts
 * plus a few token cuts. Out of tries or of limits.budgetMs, the completion is dropped: it is
 * known to add an error.
 */
const MAX_CUTS = 24;

/**
 * Completion text, after postprocess(), to the longest prefix of it that adds no syntax error to
 * the document: `prefix + cut + suffix` has no error that `prefix + suffix` lacked (judged in a
 * window around the cursor). Cuts are tried at line ends first, then at token ends in the first
 * non-blank line. Undefined when no non-blank cut parses: show nothing. The text is returned
 * unchanged when the language has no grammar, its grammar is still loading (loading starts), or
 * a parse ran over its time limit. Never throws. `limits` is for tests.
 *
 * Call it last in finish(), on multi-line and single-line completions alike:
 * `text = cutToParse(text, pos)`; if undefined, show nothing.
 */
export function cutToParse(completion: string, pos: CompletionPosition, limits: SyntaxLimits = DEFAULT_LIMITS): string | undefined {
  if (typeof completion !== 'string' || completion.trim() === '') return completion;
  try {
    return cut(completion, pos, limits);
  } catch {
    return completion;
  }
}

function cut(completion: string, pos: CompletionPosition, limits: SyntaxLimits): string | undefined {
  const deadline = performance.now() + limits.budgetMs;
  const window = syntaxWindow(pos);
  if (!window) return completion;
  const { prefix, suffix } = window;
  const before = withTree(pos.languageId, prefix + suffix, limits, errorSpans);
  if (!before) return completion;
  const added = (text: string): ErrorSpan[] | undefined =>
    withTree(pos.languageId, prefix + text + suffix, limits, (tree) => newErrors(before, errorSpans(tree), prefix.length, text.length));

  const whole = added(completion);
  if (!whole || whole.length === 0) return completion;
  // Text past the end of the first new error can't make it parse. Its start says less: an ERROR
  // node often starts at the statement that holds the cause (`ys = [1]]` is one ERROR).
  const firstError = Math.min(...whole.map((e) => e.end - prefix.length));
  let tries = 0;
  for (const end of cutPoints(completion, firstError)) {
    if (++tries > MAX_CUTS || performance.now() > deadline) break;
    const text = completion.slice(0, end).trimEnd();
    if (text.trim() === '') continue;
    if (added(text)?.length === 0) return text;
  }
  return undefined;
}

/** Ends of the candidate cuts, longest first: line ends up to `limit`, then token ends in the first non-blank line. */
function cutPoints(completion: string, limit: number): number[] {
  const lineEnds: number[] = [];
  for (let at = completion.indexOf('\n'); at >= 0 && at <= limit; at = completion.indexOf('\n', at + 1)) lineEnds.push(at);
  const lineStart = completion.search(/\S/);
  const lineEnd = completion.indexOf('\n', lineStart);
  const firstLine = completion.slice(lineStart, lineEnd < 0 ? completion.length : lineEnd);
  const tokenEnds: number[] = [];
  // A triple quote is one token: `""` cut from `"""Docstring` parses, as an empty string.
  for (const token of firstLine.matchAll(/\w+|(["'`])\1\1|[^\w\s]/g)) {
    const end = lineStart + token.index + token[0].length;
    if (end <= limit && end < lineStart + firstLine.length) tokenEnds.push(end);
  }
  return [...lineEnds.reverse(), ...tokenEnds.reverse()];
}
