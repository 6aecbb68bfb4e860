import * as assert from 'node:assert/strict';
import { cursorLines, WINDOW_CHARS } from '../../../src/completion/postprocess/cursorLines';

describe('cursorLines', () => {
  it('splits the document around the cursor', () => {
    const lines = cursorLines({ prefix: 'a\nb\n  c(', suffix: 'x)\nd\ne', languageId: 'c' });
    assert.equal(lines.linePrefix, '  c(');
    assert.equal(lines.lineSuffix, 'x)');
    assert.deepEqual(lines.linesBefore, ['a', 'b']);
    assert.deepEqual(lines.linesAfter, ['d', 'e']);
  });

  it('reads CRLF and CR line ends as LF', () => {
    const lines = cursorLines({ prefix: 'a\r\nb\rc', suffix: 'd\r\ne', languageId: 'c' });
    assert.deepEqual([...lines.linesBefore, lines.linePrefix], ['a', 'b', 'c']);
    assert.deepEqual([lines.lineSuffix, ...lines.linesAfter], ['d', 'e']);
  });

  it('windows a huge document on whole lines', () => {
    const line = 'x'.repeat(99) + '\n';
    const lines = cursorLines({ prefix: line.repeat(10_000) + 'y', suffix: 'z\n' + line.repeat(10_000), languageId: 'c' });
    assert.ok(lines.prefixWindow.length <= WINDOW_CHARS);
    assert.ok(lines.suffixWindow.length <= WINDOW_CHARS);
    assert.ok(lines.linesBefore.every((l) => l.length === 99));
    assert.ok(lines.linesAfter.every((l) => l.length === 99));
    assert.equal(lines.linePrefix, 'y');
  });

  it('treats missing text as empty', () => {
    const lines = cursorLines({ prefix: undefined, suffix: undefined, languageId: 'c' } as never);
    assert.equal(lines.linePrefix, '');
    assert.deepEqual(lines.linesAfter, []);
  });
});
