import { trimTrailingWhitespace } from './trimTrailingWhitespace';

/** Used when the caller's maxLines is not a positive number. */
export const DEFAULT_MAX_LINES = 16;

/**
 * At most `maxLines` lines. A leading line break (completion starts on the next line) does not
 * count: it adds no line of text to what is shown.
 */
export function limitLines(text: string, maxLines: number): string {
  const limit = Number.isFinite(maxLines) && maxLines >= 1 ? Math.floor(maxLines) : DEFAULT_MAX_LINES;
  const keep = limit + (text.startsWith('\n') ? 1 : 0);
  let end = -1;
  for (let n = 0; n < keep; n++) {
    end = text.indexOf('\n', end + 1);
    if (end < 0) return text;
  }
  return trimTrailingWhitespace(text.slice(0, end));
}
