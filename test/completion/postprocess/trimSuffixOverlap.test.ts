import * as assert from 'node:assert/strict';
import { bracketContext } from '../../../src/completion/postprocess/bracketContext';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { languageSyntax } from '../../../src/languages/languages';
import { trimSuffixOverlap } from '../../../src/completion/postprocess/trimSuffixOverlap';
import { atCursor, lines } from './atCursor';

function trim(doc: string, text: string, languageId = 'typescript'): string {
  const around = cursorLines(atCursor(doc, languageId));
  const syntax = languageSyntax(languageId);
  return trimSuffixOverlap(text, around, bracketContext(around, syntax), syntax);
}

describe('trimSuffixOverlap', () => {
  const tails: [name: string, doc: string, text: string, want: string][] = [
    ['`;` the line already ends with', 'x = █;', '42;', '42'],
    ['a longer re-emitted tail', 'if (a && █) {', 'b) {', 'b'],
    ['a closing quote and `;`', 'const s = "█";', 'hi";', 'hi'],
    ['the whole completion', 'Math.ma█x(a, b);', 'x(a, b);', ''],
    ['not a `)` that closes the completion’s own `(`', 'foo(█)', 'bar()', 'bar()'],
    ['a string closed and another opened inside the string', 'x = "█";', 'a" + "b";', 'a" + "b'],
    ['not the closing quote of the completion’s own string', 'f(█"b")', '"a"', '"a"'],
    ['not the start of a longer name', 'f(a, █xs)', 'b + x', 'b + x'],
    ['nothing after the cursor', 'x = █', '1;', '1;'],
    ['whitespace-only overlap is left', 'f(█ )', 'a ', 'a '],
  ];
  for (const [name, doc, text, want] of tails) it(`tail: ${name}`, () => assert.equal(trim(doc, text), want));

  it('lines: stops at a line equal to the next line below the cursor', () => {
    const doc = 'def f(xs):\n    for x in xs:\n        █\n    return total';
    assert.equal(trim(doc, lines('total += x', '    return total'), 'python'), 'total += x');
  });
  it('lines: a blank-line completion that is the line below leaves nothing', () => {
    assert.equal(trim('a();\n█\nb();', 'b();'), '');
  });
  it('lines: the same text at another indentation is not a repeat', () => {
    const doc = 'function f() {\n  █\n}';
    const text = lines('if (x) {', '    y();', '  }');
    assert.equal(trim(doc, text), text);
  });
});
