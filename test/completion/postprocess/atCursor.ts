import type { CompletionPosition } from '../../../src/completion/postprocess/types';

/** Marks the cursor in test documents. */
export const CURSOR = '█';

/**
 * A document written as an indented template literal, with `█` at the cursor, as a
 * CompletionPosition. The first and last lines (the template's own line breaks) are dropped and
 * the indentation common to all non-blank lines is removed, so cases read like the code they are.
 */
export function atCursor(doc: string, languageId: string): CompletionPosition {
  const text = dedent(doc);
  const at = text.indexOf(CURSOR);
  if (at < 0 || text.indexOf(CURSOR, at + 1) >= 0) throw new Error(`need exactly one ${CURSOR} in:\n${text}`);
  return { prefix: text.slice(0, at), suffix: text.slice(at + CURSOR.length), languageId };
}

/** Lines joined with `\n`: raw model output and expected results, with absolute indentation. */
export function lines(...parts: string[]): string {
  return parts.join('\n');
}

export function dedent(doc: string): string {
  const all = doc.split('\n');
  if (all.length > 1 && all[0].trim() === '') all.shift();
  if (all.length > 1 && all[all.length - 1].trim() === '') all.pop();
  const margins = all.filter((l) => l.replace(CURSOR, 'x').trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const margin = margins.length > 0 ? Math.min(...margins) : 0;
  return all.map((l) => l.slice(Math.min(margin, /^ */.exec(l)![0].length))).join('\n');
}
