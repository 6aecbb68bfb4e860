import type { ErrorSpan } from '../../treeSitter/syntaxErrors';

/**
 * The errors of the text with `length` characters inserted at `at` that the text without them
 * did not have; `after` and `before` in their own texts' offsets.
 * - An error lying inside the insertion is always new (zero-width ones at its edges aside: a
 *   MISSING `)` after a half-typed call sits there with or without the insertion).
 * - Any other error is old if it overlaps or touches an old error once the insertion is
 *   collapsed to the point `at`; each old error accounts for one new-text error, so a second `}`
 *   next to an existing stray `}` still counts. Windows cut mid-construct make errors at their
 *   edges, and these are the same before and after.
 */
export function newErrors(before: readonly ErrorSpan[], after: readonly ErrorSpan[], at: number, length: number): ErrorSpan[] {
  const end = at + length;
  const toBefore = (i: number) => (i <= at ? i : i >= end ? i - length : at);
  const used = new Set<number>();
  const added: ErrorSpan[] = [];
  for (const error of after) {
    const inside = error.start >= at && error.end <= end && (error.end > error.start || (error.start > at && error.start < end));
    const start = toBefore(error.start);
    const stop = toBefore(error.end);
    const match = inside ? -1 : before.findIndex((b, i) => !used.has(i) && b.start <= stop && start <= b.end);
    if (match < 0) added.push(error);
    else used.add(match);
  }
  return added;
}
