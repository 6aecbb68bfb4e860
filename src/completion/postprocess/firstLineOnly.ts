/**
 * Single-line mode: the completion up to its first line break. A leading line break that
 * normalizeStart kept (a "next line" suggestion) is part of the one line shown.
 */
export function firstLineOnly(text: string): string {
  const from = text.startsWith('\n') ? 1 : 0;
  const end = text.indexOf('\n', from);
  return end < 0 ? text : text.slice(0, end);
}
