import * as assert from 'node:assert/strict';
import { RangeTracker, type DocumentChange } from '../../src/chat/rangeTracker';

const at = (line: number, character: number) => ({ line, character });
const change = (start: [number, number], end: [number, number], text: string): DocumentChange => ({ range: { start: at(...start), end: at(...end) }, text });

/** The version guard of Refactor: the proposal applies to the lines it was made for, or not at all. */
describe('RangeTracker', () => {
  const cases: [string, DocumentChange[], { startLine: number; endLine: number } | 'changed'][] = [
    ['no edits', [], { startLine: 10, endLine: 14 }],
    ['a line added above', [change([3, 5], [3, 5], '\nx')], { startLine: 11, endLine: 15 }],
    ['two lines deleted above', [change([2, 0], [4, 0], '')], { startLine: 8, endLine: 12 }],
    ['the line just above deleted with its line end', [change([9, 0], [10, 0], '')], { startLine: 9, endLine: 13 }],
    ['lines inserted at the range start', [change([10, 0], [10, 0], 'a\nb\n')], { startLine: 12, endLine: 16 }],
    ['edits below', [change([15, 0], [20, 3], 'zzz'), change([30, 1], [30, 1], 'q')], { startLine: 10, endLine: 14 }],
    ['typing inside', [change([12, 4], [12, 4], 'x')], 'changed'],
    ['typing at the start of the first line', [change([10, 0], [10, 0], 'x')], 'changed'],
    ['an edit across the range start', [change([8, 2], [11, 0], '')], 'changed'],
    ['moved, then touched', [change([0, 0], [0, 0], '\n'), change([11, 1], [11, 2], '')], 'changed'],
  ];
  for (const [name, changes, expected] of cases) {
    it(name, () => {
      const tracker = new RangeTracker(10, 14);
      tracker.apply(changes);
      if (expected === 'changed') assert.match((tracker.current as { changed: string }).changed, /edited while the model wrote/);
      else assert.deepEqual(tracker.current, expected);
    });
  }
});
