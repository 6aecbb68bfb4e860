import * as assert from 'node:assert/strict';
import { codeTarget } from '../../src/chat/codeTarget';

const TS = [
  'import { rate } from "./tax";', // 0
  '',
  'export class Invoice {', // 2
  '  constructor(private net: number) {}',
  '',
  '  total(country: string): number {', // 5
  '    const r = rate(country);',
  '    return this.net * (1 + r);',
  '  }', // 8
  '}', // 9
  '',
].join('\n');

const pos = (line: number, character: number) => ({ line, character });

describe('codeTarget', () => {
  const doc = { path: 'src/invoice.ts', languageId: 'typescript', text: TS };

  it('grows a selection to whole lines', async () => {
    const t = await codeTarget(doc, { start: pos(6, 10), end: pos(7, 5) });
    assert.deepEqual([t.startLine, t.endLine, t.kind], [6, 7, 'selection']);
    assert.equal(t.text, '    const r = rate(country);\n    return this.net * (1 + r);');
    assert.equal(t.eol, '\n');
  });

  it('leaves out the line a selection ends at the start of', async () => {
    const t = await codeTarget(doc, { start: pos(5, 0), end: pos(9, 0) });
    assert.deepEqual([t.startLine, t.endLine], [5, 8]);
  });

  it('with nothing selected takes the innermost function or class around the cursor', async () => {
    const method = await codeTarget(doc, { start: pos(6, 8), end: pos(6, 8) });
    assert.deepEqual([method.startLine, method.endLine, method.kind], [5, 8, 'scope']);
    const cls = await codeTarget(doc, { start: pos(4, 0), end: pos(4, 0) });
    assert.deepEqual([cls.startLine, cls.endLine, cls.kind], [2, 9, 'scope']);
  });

  it('outside any scope, or without a grammar, takes the block of lines around the cursor', async () => {
    const top = await codeTarget(doc, { start: pos(0, 3), end: pos(0, 3) });
    assert.deepEqual([top.startLine, top.endLine, top.kind], [0, 0, 'block']);
    const plain = await codeTarget({ path: 'notes.txt', languageId: 'plaintext', text: 'a\r\nb\r\nc\r\n\r\nd' }, { start: pos(1, 0), end: pos(1, 0) });
    assert.deepEqual([plain.startLine, plain.endLine, plain.text, plain.eol], [0, 2, 'a\nb\nc', '\r\n']);
  });

  it('in Python, the function around the cursor', async () => {
    const py = 'def area(r):\n    return 3.14 * r * r\n\n\ndef other():\n    pass\n';
    const t = await codeTarget({ path: 'geo.py', languageId: 'python', text: py }, { start: pos(1, 6), end: pos(1, 6) });
    assert.deepEqual([t.startLine, t.endLine, t.kind], [0, 1, 'scope']);
  });
});
