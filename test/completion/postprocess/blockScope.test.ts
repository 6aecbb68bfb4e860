import * as assert from 'node:assert/strict';
import { blockScope } from '../../../src/completion/postprocess/blockScope';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { languageSyntax } from '../../../src/languages/languages';
import { atCursor } from './atCursor';

function scope(doc: string, languageId: string) {
  return blockScope(cursorLines(atCursor(doc, languageId)), languageSyntax(languageId));
}

describe('blockScope', () => {
  it('blank line: the body is at the cursor', () => {
    assert.deepEqual(scope('function f() {\n  a();\n  █\n}', 'typescript'), { minIndent: 2, openerIndent: 0 });
  });
  it('blank line under an opener, cursor not indented yet: one level deeper than the opener', () => {
    assert.deepEqual(scope('  if (x) {\n█\n  }', 'typescript'), { minIndent: 3, openerIndent: 2 });
  });
  it('end of an opening line: anything deeper than it', () => {
    assert.deepEqual(scope('class A {\n  run() {█', 'typescript'), { minIndent: 3, openerIndent: 2 });
  });
  it('mid-statement: this line level', () => {
    assert.deepEqual(scope('function f() {\n  const x = █', 'typescript'), { minIndent: 2, openerIndent: 0 });
  });
  it('Python, nothing of the def below: down to the def body', () => {
    const doc = 'def f(xs):\n    for x in xs:\n        █\n\nprint(1)';
    assert.equal(scope(doc, 'python').minIndent, 1);
  });
  it('Python, the def continues below: the current block only', () => {
    const doc = 'def f(xs):\n    for x in xs:\n        █\n    return 1';
    assert.equal(scope(doc, 'python').minIndent, 8);
  });
  it('Python method: bounded by the method, not the class', () => {
    const doc = 'class A:\n    def f(self):\n        if x:\n            █\n\n    def g(self):\n        pass';
    assert.equal(scope(doc, 'python').minIndent, 5);
  });
  it('Python top-level code: no def to widen to', () => {
    assert.equal(scope('for x in xs:\n    █', 'python').minIndent, 4);
  });
});
