/**
 * No line ends in spaces or tabs, and the completion does not end in blank lines: ghost text
 * that ends in whitespace would leave it in the document once accepted.
 */
export function trimTrailingWhitespace(text: string): string {
  const trimmed = text.includes('\n') ? text.split('\n').map(trimLineEnd).join('\n') : trimLineEnd(text);
  let end = trimmed.length;
  while (end > 0 && trimmed[end - 1] === '\n') end--;
  return trimmed.slice(0, end);
}

// Not /[ \t]+$/: on a long run of spaces followed by text that backtracks quadratically.
function trimLineEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}
