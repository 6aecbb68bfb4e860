import * as assert from 'node:assert/strict';
import { bracketContext } from '../../../src/completion/postprocess/bracketContext';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { languageSyntax } from '../../../src/languages/languages';
import { truncateAtUnmatchedCloser } from '../../../src/completion/postprocess/truncateAtUnmatchedCloser';
import { atCursor, lines } from './atCursor';

function truncate(doc: string, text: string, languageId = 'typescript'): string {
  const around = cursorLines(atCursor(doc, languageId));
  const syntax = languageSyntax(languageId);
  return truncateAtUnmatchedCloser(text, bracketContext(around, syntax), around, syntax);
}

describe('truncateAtUnmatchedCloser', () => {
  it('stops before a closer the suffix has on the cursor line', () => {
    assert.equal(truncate('foo(█)', 'a, b) + 1'), 'a, b');
  });
  it('keeps a closer the suffix lacks, and ends with its line', () => {
    assert.equal(truncate('foo(█', 'a, b) + 1;\nbar();'), 'a, b) + 1;');
  });
  it('keeps brackets the completion opens and closes', () => {
    assert.equal(truncate('foo(█)', 'bar(1, [2]), baz'), 'bar(1, [2]), baz');
  });
  it('drops a closing line the suffix has at the opener indentation, with its line break', () => {
    assert.equal(truncate('function f() {\n  █\n}', lines('return 1;', '}', 'function g() {}')), 'return 1;');
  });
  it("keeps a method's `}` when the suffix's `}` is the class's", () => {
    const doc = 'class A {\n  m() {█\n}';
    assert.equal(truncate(doc, lines('', '    return 1;', '  }', '  n() {}')), lines('', '    return 1;', '  }'));
  });
  it('a closer that does not match the open bracket ends the completion', () => {
    assert.equal(truncate('list.add(█);', 'item]);'), 'item');
  });
  it('a mismatched closer inside the completion ends it', () => {
    assert.equal(truncate('x = █', 'f(a];'), 'f(a');
  });
  it('brackets in strings and comments do not count', () => {
    assert.equal(truncate('foo(█)', `")" /* ) */ + ')'`), `")" /* ) */ + ')'`);
    assert.equal(truncate('print("a█")', 'b)c', 'python'), 'b)c');
  });
  it('drops the auto-closed line closer, keeping its indentation out of the text', () => {
    assert.equal(truncate('const xs = [█]', lines('', '  1,', ']')), lines('', '  1,'));
  });
});
