import * as assert from 'node:assert/strict';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { isOnlySuffixClosers } from '../../../src/completion/postprocess/isOnlySuffixClosers';
import { atCursor } from './atCursor';

function only(doc: string, text: string): boolean {
  return isOnlySuffixClosers(text, cursorLines(atCursor(doc, 'typescript')));
}

describe('isOnlySuffixClosers', () => {
  it('closers the line already has', () => assert.equal(only('foo(bar(█));', '));'), true));
  it('closers on the lines below, whitespace aside', () => assert.equal(only('  x();\n  █\n  }\n}', '}\n}'), true));
  it('closers the suffix lacks', () => assert.equal(only('{/each█\n</ul>', '}'), false));
  it('anything beyond closers', () => assert.equal(only('f(█)', 'x)'), false));
});
