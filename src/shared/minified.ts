/**
 * A line longer than this is minified or generated code: nothing to complete in (the prompt would
 * be one unreadable line) and nothing to take definitions from.
 */
export const MINIFIED_LINE_CHARS = 10_000;

/** Whether `text` has a line longer than MINIFIED_LINE_CHARS (scans line ends only). */
export function hasMinifiedLine(text: string): boolean {
  let start = 0;
  for (let end = text.indexOf('\n'); ; end = text.indexOf('\n', start)) {
    if ((end < 0 ? text.length : end) - start > MINIFIED_LINE_CHARS) return true;
    if (end < 0) return false;
    start = end + 1;
  }
}
