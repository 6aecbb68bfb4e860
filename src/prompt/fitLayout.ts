import type { PromptPart } from './fimPrompt';
import type { FimLayout, FimLayoutPart, FimPartRole } from './fimLayout';
import { PREFIX_CHUNK_LINES, type PromptBudget } from './promptBudget';

/**
 * How one backend measures and cuts text, in the unit of the budget: exact token ids in the
 * worker (PromptBuilder), estimated tokens for a server's text prompt (renderFimText).
 */
export interface LayoutMeasure<T> {
  /** A part placed whole: its control token, then its text. */
  whole(part: FimLayoutPart): T;
  size(value: T): number;
  /** The head of `text` within `budget`, cut at the last whole line (see toLastLineEnd). */
  head(text: string, budget: number): Cut<T>;
  /** `text` within `budget`: whole chunks dropped from its start (see droppedChunks), then a tail of the one left. */
  tail(text: string, startLine: number, budget: number): Cut<T>;
}

export interface Cut<T> {
  value: T;
  droppedChars: number;
}

export interface FittedPart<T> {
  /** Undefined: the part was left out. */
  value: T | undefined;
  report: PromptPart;
}

/** How each part is reported; the repository header counts as control, as its token opens it. */
const REPORTED_KIND: Record<FimPartRole, PromptPart['kind']> = {
  'repo-name': 'control',
  snippet: 'context',
  'file-path': 'path',
  'prefix-marker': 'control',
  prefix: 'prefix',
  'suffix-marker': 'control',
  suffix: 'suffix',
  'middle-marker': 'control',
};

/**
 * Applies the budget to each part by its fit rule, in layout order: snippets in turn while they fit
 * maxContextTokens, the suffix within maxSuffixTokens, and the prefix last, within what every other
 * part leaves of maxPromptTokens.
 */
export function fitLayout<T>(layout: FimLayout, budget: PromptBudget, measure: LayoutMeasure<T>): FittedPart<T>[] {
  let contextLeft = budget.maxContextTokens;
  let promptLeft = budget.maxPromptTokens;
  const place = (part: FimLayoutPart, value: T, droppedChars = 0): FittedPart<T> => {
    const tokens = measure.size(value);
    promptLeft -= tokens;
    return { value, report: { kind: REPORTED_KIND[part.role], tokens, ...(droppedChars ? { droppedChars } : {}) } };
  };
  const placed = layout.map((part): FittedPart<T> | (() => FittedPart<T>) => {
    const fit = part.fit;
    switch (fit.rule) {
      case 'keep':
        return place(part, measure.whole(part));
      case 'drop-whole': {
        const value = measure.whole(part);
        const tokens = measure.size(value);
        if (tokens > contextLeft) return { value: undefined, report: { kind: REPORTED_KIND[part.role], tokens: 0, droppedChars: fit.textChars } };
        contextLeft -= tokens;
        return place(part, value);
      }
      case 'line-head': {
        const cut = measure.head(part.text, budget.maxSuffixTokens);
        return place(part, cut.value, cut.droppedChars);
      }
      case 'chunk-tail':
        // Deferred: runs once every other part has taken its share of promptLeft.
        return () => {
          const cut = measure.tail(part.text, fit.startLine, Math.max(0, promptLeft));
          return place(part, cut.value, cut.droppedChars);
        };
    }
  });
  return placed.map((p) => (typeof p === 'function' ? p() : p));
}

/** Splits text that starts at document line `startLine` at every line whose number is a multiple of PREFIX_CHUNK_LINES. */
export function splitChunks(text: string, startLine: number): string[] {
  const chunks: string[] = [];
  let line = startLine;
  let chunkStart = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    line++;
    if (line % PREFIX_CHUNK_LINES === 0) {
      chunks.push(text.slice(chunkStart, i + 1));
      chunkStart = i + 1;
    }
  }
  if (chunkStart < text.length || chunks.length === 0) chunks.push(text.slice(chunkStart));
  return chunks;
}

/**
 * How many chunks to drop from the start so the rest fit `budget`. The last chunk (the cursor's)
 * is never dropped: when it alone is over, the caller keeps its tail.
 */
export function droppedChunks(sizes: readonly number[], budget: number): number {
  let total = sizes.reduce((n, s) => n + s, 0);
  let first = 0;
  while (total > budget && first < sizes.length - 1) total -= sizes[first++];
  return first;
}

/** A head of the suffix ends at its last line break, so the model never sees half a line; unchanged when it has none. */
export function toLastLineEnd(head: string): string {
  const cut = head.lastIndexOf('\n');
  return cut > 0 ? head.slice(0, cut + 1) : head;
}
