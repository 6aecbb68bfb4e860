import * as assert from 'node:assert/strict';
import { StreamCut } from '../../src/completion/streamCut';

describe('completion/StreamCut', () => {
  it('judges the text once per new line break, stops once, and keeps the text up to the decision', () => {
    const judged: string[] = [];
    let stops = 0;
    const cut = new StreamCut((text) => (judged.push(text), text.includes('END')), () => stops++);
    for (const delta of ['a', 'b\nc', 'd', '\n', 'END', 'x\n', 'y\n', 'z\n']) cut.onText(delta);
    assert.deepEqual(judged, ['ab\nc', 'ab\ncd\n', 'ab\ncd\nENDx\n']);
    assert.equal(stops, 1);
    assert.equal(cut.decided, 'ab\ncd\nENDx\n');
  });

  it('is undecided until the rule says so', () => {
    const cut = new StreamCut(() => false, () => assert.fail('stopped'));
    cut.onText('one\ntwo\n');
    assert.equal(cut.decided, undefined);
  });
});
