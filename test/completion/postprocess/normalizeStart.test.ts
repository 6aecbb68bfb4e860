import * as assert from 'node:assert/strict';
import { cursorLines } from '../../../src/completion/postprocess/cursorLines';
import { normalizeStart } from '../../../src/completion/postprocess/normalizeStart';
import { atCursor } from './atCursor';

function start(doc: string, raw: string, multiline = false): string | undefined {
  return normalizeStart(raw, cursorLines(atCursor(doc, 'typescript')), multiline);
}

describe('normalizeStart', () => {
  it('blank line: drops leading line breaks and the indentation the cursor has', () => {
    assert.equal(start('{\n  █\n}', '\n\n  return 1;'), 'return 1;');
  });

  it('blank line: keeps indentation beyond the cursor', () => {
    assert.equal(start('{\n  █\n}', '\n    deeper();'), '  deeper();');
  });

  it('blank line at column 0: the model indentation stays', () => {
    assert.equal(start('{\n█\n}', '\n  a();\n  b();', true), '  a();\n  b();');
  });

  it('text before, nothing after: one line break is kept (next-line suggestion)', () => {
    assert.equal(start('const a = 1;█', '\n\n\nconst b = 2;'), '\nconst b = 2;');
  });

  it('text after the cursor, single line: undefined', () => {
    assert.equal(start('foo(█x);', '\n  y'), undefined);
  });

  it('text after the cursor, multi-line: the line break is kept', () => {
    assert.equal(start('useEffect(() => {█});', '\n  run();', true), '\n  run();');
  });

  it('drops spaces doubled after a space', () => {
    assert.equal(start('return █', '  x;'), 'x;');
    assert.equal(start('return█', ' x;'), ' x;');
  });

  it('whitespace-only lines before the content count as blank lines', () => {
    assert.equal(start('{\n  █\n}', '   \n\t\n  x();'), 'x();');
  });
});
