import type { LanguageSyntax } from '../../languages/languages';

/** Where a scan stands between two characters: in code, or inside a string or comment. */
export interface ScanState {
  readonly mode: 'code' | 'string' | 'lineComment' | 'blockComment';
  /** The delimiter that ends the current string or block comment; '' in code. */
  readonly close: string;
  /** Whether the current string may span lines (template literal, triple quote). */
  readonly spansLines: boolean;
}

export const IN_CODE: ScanState = { mode: 'code', close: '', spansLines: false };

export const CLOSER_OF: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

export type BracketEvent = 'open' | 'close' | 'newline';

/** Called for each bracket in code and each line break; returning true stops the scan. */
export type BracketVisitor = (event: BracketEvent, char: string, index: number) => boolean | void;

/**
 * Walks `text` from state `start`, reporting brackets that are code (not inside strings or
 * comments) and every line break, and returns the state at the end (or where the visitor
 * stopped). One pass, no backtracking: linear in the text whatever it contains.
 *
 * It is a lexer of the common cases only: no regex literals, no `${}` nesting in template
 * literals, no raw strings. A single-line string that is never closed ends at the line break,
 * so a misread quote (`don't` in an unknown language) costs at most one line.
 */
export function scanBrackets(
  text: string,
  syntax: LanguageSyntax,
  start: ScanState,
  visit: BracketVisitor,
): ScanState {
  let mode = start.mode;
  let close = start.close;
  let spansLines = start.spansLines;
  const state = (): ScanState => ({ mode, close, spansLines });

  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') {
      if (mode === 'lineComment' || (mode === 'string' && !spansLines)) {
        mode = 'code';
        close = '';
      }
      if (visit('newline', ch, i) === true) return state();
      continue;
    }
    switch (mode) {
      case 'code': {
        if (ch === '(' || ch === '[' || ch === '{') {
          if (visit('open', ch, i) === true) return state();
          continue;
        }
        if (ch === ')' || ch === ']' || ch === '}') {
          if (visit('close', ch, i) === true) return state();
          continue;
        }
        const comment = syntax.lineComments.find((c) => text.startsWith(c, i));
        if (comment !== undefined) {
          mode = 'lineComment';
          i += comment.length - 1;
          continue;
        }
        const block = syntax.blockComment;
        if (block && text.startsWith(block[0], i)) {
          mode = 'blockComment';
          close = block[1];
          i += block[0].length - 1;
          continue;
        }
        const longQuote = syntax.multilineQuotes.find((q) => text.startsWith(q, i));
        if (longQuote !== undefined) {
          mode = 'string';
          close = longQuote;
          spansLines = true;
          i += longQuote.length - 1;
          continue;
        }
        if (syntax.quotes.includes(ch)) {
          mode = 'string';
          close = ch;
          spansLines = false;
        }
        continue;
      }
      case 'string':
        // An escape skips the next character, but never a line break: that must still be seen.
        if (ch === '\\') {
          if (text[i + 1] !== '\n') i++;
          continue;
        }
        if (text.startsWith(close, i)) {
          mode = 'code';
          i += close.length - 1;
          close = '';
        }
        continue;
      case 'blockComment':
        if (text.startsWith(close, i)) {
          mode = 'code';
          i += close.length - 1;
          close = '';
        }
        continue;
      case 'lineComment':
        continue;
    }
  }
  return state();
}
