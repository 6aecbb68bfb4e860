import type { CursorLines } from './cursorLines';

/** Closing brackets and the punctuation that trails them. */
const ONLY_CLOSERS = /^[)\]}>;,.:'"`]+$/;

/**
 * Whether the completion is nothing but closers and punctuation that the suffix already starts
 * with (whitespace aside), e.g. `);` before `);`: accepting it would only double them. The
 * bracket and overlap rules catch most of these; this is the backstop for what they let through
 * (a `}` on a blank line above a `}` at another indentation, say).
 */
export function isOnlySuffixClosers(text: string, lines: CursorLines): boolean {
  const written = text.replace(/\s+/g, '');
  if (!ONLY_CLOSERS.test(written)) return false;
  let after = lines.lineSuffix.replace(/\s+/g, '');
  for (let i = 0; i < lines.linesAfter.length && after.length < written.length; i++) {
    after += lines.linesAfter[i].replace(/\s+/g, '');
  }
  return after.startsWith(written);
}
