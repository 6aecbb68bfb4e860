/** An edit of a document, as VS Code reports it (0-based; `text` replaces the range). */
export interface DocumentChange {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

/**
 * Follows the lines a refactor will replace while the model writes: edits above them move them,
 * edits below leave them, and an edit that touches them means the proposed code no longer
 * belongs there, so nothing may be applied.
 */
export class RangeTracker {
  private touched = false;

  constructor(private start: number, private end: number) {}

  /** Takes the document's changes in the order VS Code gives them (each against the text before it). */
  apply(changes: readonly DocumentChange[]): void {
    for (const change of changes) {
      const { start, end } = change.range;
      if (start.line > this.end) continue;
      const added = (change.text.match(/\n/g) ?? []).length - (end.line - start.line);
      // Above the range, or ending right at its start with whole lines (or nothing) put there: the range moves.
      if (end.line < this.start || (end.line === this.start && end.character === 0 && (change.text === '' || change.text.endsWith('\n')))) {
        this.start += added;
        this.end += added;
        continue;
      }
      this.touched = true;
    }
  }

  /** The lines now, or why the proposal no longer applies. */
  get current(): { startLine: number; endLine: number } | { changed: string } {
    return this.touched ? { changed: 'The lines were edited while the model wrote, so the proposal no longer fits them. Nothing was changed; run Refactor again.' } : { startLine: this.start, endLine: this.end };
  }
}
