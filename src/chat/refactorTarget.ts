import { estimateTokens } from '../prompt/promptBudget';
import { lineStartOffsets } from '../shared/lineOffsets';
import type { CodeTarget } from './codeTarget';
import type { IndentOptions } from '../shared/indentation';
import type { RefactorTarget } from './refactorOutput';

/**
 * The document split around the target's whole lines, for the output handling: `before +
 * original + after` is the document, and `original` ends with its last line's line end when a
 * line follows (so a replacement keeps the lines after it where they are).
 */
export function refactorTarget(documentText: string, target: CodeTarget, indent: IndentOptions, options: Pick<RefactorTarget, 'prefilled' | 'insertOnly' | 'instruction'>): RefactorTarget {
  const starts = lineStartOffsets(documentText);
  const from = starts[target.startLine] ?? documentText.length;
  const to = starts[target.endLine + 1] ?? documentText.length;
  return {
    languageId: target.languageId,
    original: documentText.slice(from, to),
    eol: target.eol,
    indent,
    before: documentText.slice(0, from),
    after: documentText.slice(to),
    ...options,
  };
}

/**
 * The indentation a file uses, for a caller without an editor's settings (the CLI): tabs when
 * lines start with one, else spaces, with the smallest step between indented lines (2 or 4...).
 */
export function detectIndent(text: string): IndentOptions {
  const lines = text.split(/\r?\n/);
  if (lines.some((l) => l.startsWith('\t'))) return { insertSpaces: false, tabSize: 4 };
  let step = 0;
  for (const line of lines) {
    const width = /^ */.exec(line)![0].length;
    if (width > 0 && width < line.length && (step === 0 || width < step)) step = width;
  }
  return { insertSpaces: true, tabSize: step >= 2 && step <= 8 ? step : 4 };
}

/** New tokens a refactor may take: about the selection's size, twice over (a rewrite may grow it), and never less than a short function. */
export function refactorMaxTokens(code: string): number {
  return Math.min(4096, Math.max(256, estimateTokens(code) * 2 + 64));
}
