import * as assert from 'node:assert/strict';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { languageSyntax } from '../../../src/languages/languages';
import { truncateAtBlockEnd } from '../../../src/completion/postprocess/truncateAtBlockEnd';
import { atCursor, lines } from './atCursor';

function truncate(doc: string, languageId: string, text: string, minIndent: number, openerIndent = 0): string {
  return truncateAtBlockEnd(text, { minIndent, openerIndent }, languageSyntax(languageId), cursorLines(atCursor(doc, languageId)));
}

describe('truncateAtBlockEnd', () => {
  it('stops before a line that leaves the block', () => {
    assert.equal(truncate('█', 'python', lines('a = 1', '    b = 2', '', 'def g():'), 4), lines('a = 1', '    b = 2'));
  });
  it('keeps a closing-bracket line for the bracket rule to judge', () => {
    assert.equal(truncate('█', 'go', lines('x++', '\t}', 'func g() {'), 8), lines('x++', '\t}'));
  });
  it('ignores the first line and blank lines', () => {
    assert.equal(truncate('█', 'typescript', lines('a();', '', '    b();'), 4), lines('a();', '', '    b();'));
  });
  it('keeps `else:` at the opener level, stops after its block', () => {
    const text = lines('return 1', 'else:', '    return -1', 'print(2)');
    assert.equal(truncate('█', 'python', text, 4, 0), lines('return 1', 'else:', '    return -1'));
  });
  it('keeps an `end` the suffix lacks, drops one it has', () => {
    const text = lines('', '  puts x', 'end', 'puts y');
    assert.equal(truncate('def f(x)█', 'ruby', text, 1), lines('', '  puts x', 'end'));
    assert.equal(truncate('def f(x)█\nend', 'ruby', text, 1), lines('', '  puts x'));
  });
});
