import * as assert from 'node:assert/strict';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { repeatsRecentLines } from '../../../src/completion/postprocess/repeatsRecentLines';
import { atCursor, lines } from './atCursor';

function repeats(doc: string, text: string): boolean {
  return repeatsRecentLines(text, cursorLines(atCursor(doc, 'typescript')));
}

describe('repeatsRecentLines', () => {
  it('the line above, on a blank line', () => assert.equal(repeats('const a = f();\n█', 'const a = f();'), true));
  it('the line above, across blank lines and indentation', () => {
    assert.equal(repeats('  const a = f();\n\n█', '    const a = f();'), true);
  });
  it('the line above, completed from text before the cursor', () => {
    assert.equal(repeats('const a = f();\nconst a█', ' = f();'), true);
  });
  it('the cursor line itself, as a next-line suggestion', () => {
    assert.equal(repeats('import x from "x";█', '\nimport x from "x";'), true);
  });
  it('the last two lines', () => {
    assert.equal(repeats('a = load();\nb = save(a);\n█', lines('a = load();', 'b = save(a);', 'c();')), true);
  });
  it('short lines may repeat', () => assert.equal(repeats('  }\n█', '  }'), false));
  it('a similar line is not a repeat', () => assert.equal(repeats('const a = f(1);\n█', 'const b = f(2);'), false));
  it('a line from further up alone is not a repeat', () => {
    assert.equal(repeats('x = 1;\ny = 2;\n█', 'x = 1;'), false);
  });
});
