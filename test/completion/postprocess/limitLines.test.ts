import * as assert from 'node:assert/strict';
import { DEFAULT_MAX_LINES, limitLines } from '../../../src/completion/postprocess/limitLines';

describe('limitLines', () => {
  it('keeps at most maxLines lines', () => assert.equal(limitLines('a\nb\nc\nd', 2), 'a\nb'));
  it('leaves shorter text alone', () => assert.equal(limitLines('a\nb', 5), 'a\nb'));
  it('does not count a leading line break', () => assert.equal(limitLines('\na\nb\nc', 2), '\na\nb'));
  it('drops blank lines left at the end', () => assert.equal(limitLines('a\n\n\nb', 3), 'a'));
  it('falls back to the default for nonsense limits', () => {
    const text = Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n');
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(limitLines(text, bad).split('\n').length, DEFAULT_MAX_LINES);
    }
  });
});
