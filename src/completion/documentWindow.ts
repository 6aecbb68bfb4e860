import { PREFIX_CHUNK_LINES } from '../prompt/promptBudget';

/** The little of a text document the window needs; a VS Code TextDocument adapts to it. */
export interface DocumentLike {
  readonly lineCount: number;
  lineText(line: number): string;
}

export interface CursorPosition {
  line: number;
  character: number;
}

export interface WindowLimits {
  maxPrefixLines: number;
  maxPrefixChars: number;
  maxSuffixLines: number;
  maxSuffixChars: number;
}

export interface DocumentWindow {
  prefix: string;
  prefixStartLine: number;
  suffix: string;
  /** The cursor's line before and after the cursor. */
  linePrefix: string;
  lineSuffix: string;
}

/**
 * Cuts the text around the cursor that is sent to the worker, reading only those lines (the
 * provider must stay within a few ms per keystroke on a 5,000-line file). The prefix starts
 * at a line that is a multiple of PREFIX_CHUNK_LINES, so that it stays put while the user
 * types and the worker's KV cache keeps matching; the worker then trims it to the token budget.
 */
export function documentWindow(doc: DocumentLike, cursor: CursorPosition, limits: WindowLimits): DocumentWindow {
  const current = doc.lineText(cursor.line);
  const linePrefix = current.slice(0, cursor.character);
  const lineSuffix = current.slice(cursor.character);

  let start = Math.max(0, Math.ceil((cursor.line - limits.maxPrefixLines) / PREFIX_CHUNK_LINES) * PREFIX_CHUNK_LINES);
  start = Math.min(start, cursor.line);
  const lines: string[] = [];
  let chars = linePrefix.length;
  for (let l = cursor.line - 1; l >= start; l--) {
    const text = doc.lineText(l);
    if (chars + text.length + 1 > limits.maxPrefixChars) {
      // Too long: start at the next chunk boundary after this line instead.
      const boundary = Math.ceil((l + 1) / PREFIX_CHUNK_LINES) * PREFIX_CHUNK_LINES;
      lines.splice(0, Math.max(0, boundary - (l + 1)));
      start = Math.min(boundary, cursor.line);
      break;
    }
    lines.unshift(text);
    chars += text.length + 1;
  }
  let prefix = lines.length ? `${lines.join('\n')}\n${linePrefix}` : linePrefix;
  if (prefix.length > limits.maxPrefixChars) prefix = prefix.slice(prefix.length - limits.maxPrefixChars); // one huge (minified) line

  let suffix = lineSuffix;
  const lastLine = Math.min(doc.lineCount - 1, cursor.line + limits.maxSuffixLines);
  for (let l = cursor.line + 1; l <= lastLine && suffix.length < limits.maxSuffixChars; l++) suffix += `\n${doc.lineText(l)}`;
  if (suffix.length > limits.maxSuffixChars) suffix = suffix.slice(0, limits.maxSuffixChars);

  return { prefix, prefixStartLine: start, suffix, linePrefix, lineSuffix };
}
