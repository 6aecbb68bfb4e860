import * as assert from 'node:assert/strict';
import { documentWindow, type DocumentLike } from '../../src/completion/documentWindow';
import { PREFIX_CHUNK_LINES } from '../../src/prompt/promptBudget';

function doc(lines: string[]): DocumentLike & { reads: number } {
  const d = { lineCount: lines.length, reads: 0, lineText: (i: number) => (d.reads++, lines[i]) };
  return d;
}

const LIMITS = { maxPrefixLines: 100, maxPrefixChars: 4000, maxSuffixLines: 20, maxSuffixChars: 800 };

describe('documentWindow', () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} = value(${i});`);

  it('splits at the cursor and starts the prefix on a chunk boundary', () => {
    const w = documentWindow(doc(lines), { line: 2500, character: 5 }, LIMITS);
    assert.equal(w.prefixStartLine % PREFIX_CHUNK_LINES, 0);
    assert.ok(2500 - w.prefixStartLine <= LIMITS.maxPrefixLines);
    assert.ok(w.prefix.startsWith(`line ${w.prefixStartLine} =`));
    assert.ok(w.prefix.endsWith('\nline '));
    assert.equal(w.linePrefix, 'line ');
    assert.equal(w.lineSuffix, '2500 = value(2500);');
    assert.ok(w.suffix.startsWith('2500 = value(2500);\nline 2501'));
    assert.equal(w.suffix.split('\n').length, 21);
  });

  it('keeps the same start while the user types and moves down a few lines', () => {
    const a = documentWindow(doc(lines), { line: 2505, character: 0 }, LIMITS);
    const b = documentWindow(doc(lines), { line: 2510, character: 7 }, LIMITS);
    assert.equal(a.prefixStartLine, b.prefixStartLine);
  });

  it('reads only the lines of the window, whatever the document size', () => {
    const d = doc(lines);
    documentWindow(d, { line: 4000, character: 3 }, LIMITS);
    assert.ok(d.reads <= LIMITS.maxPrefixLines + LIMITS.maxSuffixLines + 2, `${d.reads} line reads`);
  });

  it('moves the start to a later chunk boundary when the lines are long', () => {
    const long = Array.from({ length: 300 }, (_, i) => `${i}:`.padEnd(200, 'x'));
    const w = documentWindow(doc(long), { line: 250, character: 10 }, LIMITS);
    assert.ok(w.prefix.length <= LIMITS.maxPrefixChars);
    assert.equal(w.prefixStartLine % PREFIX_CHUNK_LINES, 0);
    assert.ok(w.prefix.startsWith(`${w.prefixStartLine}:`));
  });

  it('cuts a single huge minified line to the character limit', () => {
    const minified = ['x'.repeat(1_000_000)];
    const w = documentWindow(doc(minified), { line: 0, character: 600_000 }, LIMITS);
    assert.equal(w.prefix.length, LIMITS.maxPrefixChars);
    assert.equal(w.suffix.length, LIMITS.maxSuffixChars);
  });

  it('handles the first and last lines of a document', () => {
    const w = documentWindow(doc(['only']), { line: 0, character: 2 }, LIMITS);
    assert.deepEqual([w.prefix, w.suffix, w.prefixStartLine], ['on', 'ly', 0]);
  });
});
