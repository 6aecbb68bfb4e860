import * as assert from 'node:assert/strict';
import { bracketContext } from '../../../src/completion/postprocess/bracketContext';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { languageSyntax } from '../../../src/languages/languages';
import { atCursor } from './atCursor';

function context(doc: string, languageId: string) {
  return bracketContext(cursorLines(atCursor(doc, languageId)), languageSyntax(languageId));
}

describe('bracketContext', () => {
  it('lists brackets open at the cursor with their line indentation', () => {
    const ctx = context(
      `
      class A {
        run() {
          if (ok) { done(); }
          call(a, █
    `,
      'typescript',
    );
    assert.deepEqual(ctx.open, [
      { char: '{', lineIndent: 0 },
      { char: '{', lineIndent: 2 },
      { char: '(', lineIndent: 4 },
    ]);
    assert.equal(ctx.stateAtCursor.mode, 'code');
  });

  it('lists the suffix closers for those brackets, skipping balanced pairs', () => {
    const ctx = context(
      `
      class A {
        run() {
          call(a, █b(c));
        }
      }
    `,
      'typescript',
    );
    assert.deepEqual(ctx.suffixClosers, [
      { char: ')', onCursorLine: true, lineIndent: 4 },
      { char: '}', onCursorLine: false, lineIndent: 2 },
      { char: '}', onCursorLine: false, lineIndent: 0 },
    ]);
  });

  it('knows the cursor is inside a string', () => {
    const ctx = context('print("hello █")', 'python');
    assert.equal(ctx.stateAtCursor.mode, 'string');
    assert.deepEqual(ctx.suffixClosers, [{ char: ')', onCursorLine: true, lineIndent: 0 }]);
  });

  it('ignores closers for brackets opened before the window', () => {
    assert.deepEqual(context('a) {█', 'typescript').open, [{ char: '{', lineIndent: 0 }]);
  });
});
