import { trimTrailingWhitespace } from './trimTrailingWhitespace';

/**
 * Longest repeating block looked for. Small models fall into loops of one line (the same call
 * again and again) or of two or three (a pair of assignments); longer periods are rare and
 * indistinguishable from real, regular code.
 */
export const MAX_LOOP_PERIOD = 3;

/**
 * Visible characters a repeated block needs, not counting closers and punctuation: `}` `}` and
 * `end` `end` follow each other in real code, as do 4-character lines like `i++;` in unrolled
 * loops; 5 is the bound Continue uses for "repeated line" (lineIsRepeated ignores lines of <= 4).
 */
export const MIN_LOOP_CHARS = 5;

/**
 * Cuts a multi-line completion where it starts repeating itself: the first line that begins a
 * block of 1-3 lines identical (indentation included) to the block right before it. The first
 * copy is kept; the repetition and everything after it go.
 */
export function truncateAtLoop(text: string, linePrefix: string): string {
  const parts = text.split('\n');
  const keys = parts.map((line, i) => (i === 0 ? linePrefix + line : line).trimEnd());
  for (let i = 1; i < parts.length; i++) {
    for (let period = 1; period <= MAX_LOOP_PERIOD && period <= i && i + period <= parts.length; period++) {
      if (repeatsBlockBefore(keys, i, period)) return trimTrailingWhitespace(parts.slice(0, i).join('\n'));
    }
  }
  return text;
}

function repeatsBlockBefore(keys: readonly string[], at: number, period: number): boolean {
  let visible = 0;
  for (let k = 0; k < period; k++) {
    if (keys[at + k] !== keys[at - period + k]) return false;
    visible += keys[at + k].replace(/[\s)\]};,.]/g, '').length;
  }
  return visible >= MIN_LOOP_CHARS;
}
