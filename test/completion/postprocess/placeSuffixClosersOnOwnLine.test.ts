import * as assert from 'node:assert/strict';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { placeSuffixClosersOnOwnLine } from '../../../src/completion/postprocess/placeSuffixClosersOnOwnLine';
import { atCursor, lines } from './atCursor';

function place(doc: string, text: string): string {
  return placeSuffixClosersOnOwnLine(text, cursorLines(atCursor(doc, 'typescript')));
}

describe('placeSuffixClosersOnOwnLine', () => {
  it('ends a block body with a line for the suffix closers, at the opener indentation', () => {
    assert.equal(place('if (a) {\n  run(() => {█});\n}', lines('', '    go();')), lines('', '    go();', '  '));
  });
  it('leaves single-line completions alone', () => assert.equal(place('f(() => {█});', ' go(); '), ' go(); '));
  it('leaves completions that end at the opener level alone', () => {
    assert.equal(place('f(() => {█});', lines('', '  go();', '}, 1')), lines('', '  go();', '}, 1'));
  });
  it('needs closers after the cursor', () => assert.equal(place('f(() => {█', lines('', '  go();')), lines('', '  go();')));
});
