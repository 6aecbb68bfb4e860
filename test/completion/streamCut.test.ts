import * as assert from 'node:assert/strict';
import { StreamCut } from '../../src/completion/streamCut';

describe('completion/StreamCut', () => {
  it('judges the text after every piece, says when a line became whole, stops once, and keeps the text up to the decision', () => {
    const judged: [string, boolean][] = [];
    let stops = 0;
    const cut = new StreamCut((text, newLines) => (judged.push([text, newLines]), text.includes('END')), () => stops++);
    for (const delta of ['a', 'b\nc', 'd', '\n', 'EN', 'D', 'x\n', 'y\n']) cut.onText(delta);
    assert.deepEqual(judged, [['a', false], ['ab\nc', true], ['ab\ncd', false], ['ab\ncd\n', true], ['ab\ncd\nEN', false], ['ab\ncd\nEND', false]]);
    assert.equal(stops, 1);
    assert.equal(cut.decided, 'ab\ncd\nEND');
  });

  it('is undecided until the rule says so', () => {
    const cut = new StreamCut(() => false, () => assert.fail('stopped'));
    cut.onText('one\ntwo\n');
    assert.equal(cut.decided, undefined);
  });
});
