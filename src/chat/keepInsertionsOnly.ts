import { diffArrays } from 'diff';
import { isBlank, splitLines, type Eol } from '../shared/indentation';

export interface Insertions {
  /** The original lines, all of them as they were, with the model's inserted lines among them. */
  text: string;
  /** Indexes (0-based, in `text`'s lines) of the inserted lines that are not blank. */
  inserted: number[];
}

/**
 * For an edit that may only add lines (a doc comment): the original with just the lines the model
 * inserted, or undefined when it removed or changed one. Lines are compared with all whitespace
 * removed, and the original's own line is kept where they match: a small model re-spaces code it
 * was told to leave alone (`f(a,b)` to `f(a, b)`, another indent), and a refusal for that would
 * throw away a good docstring, while keeping the original line can only undo the model's change.
 * A blank line the model dropped is kept for the same reason, and one it added between code lines
 * is left out; blank lines inside an inserted block (a docstring's paragraphs) stay.
 */
export function keepInsertionsOnly(original: string, replacement: string, eol: Eol): Insertions | undefined {
  const before = splitLines(original);
  const squash = (line: string) => line.replace(/\s+/g, '');
  const out: string[] = [];
  const inserted: number[] = [];
  let at = 0;
  for (const change of diffArrays(before, splitLines(replacement), { comparator: (a, b) => squash(a) === squash(b) })) {
    if (change.added) {
      if (change.value.every(isBlank)) continue;
      for (const line of change.value) {
        if (!isBlank(line)) inserted.push(out.length);
        out.push(line);
      }
      continue;
    }
    if (change.removed && !change.value.every(isBlank)) return undefined;
    out.push(...before.slice(at, at + change.count));
    at += change.count;
  }
  return { text: out.join(eol), inserted };
}
