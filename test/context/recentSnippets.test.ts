import * as assert from 'node:assert/strict';
import type { OpenDocument } from '../../src/context/openDocuments';
import { RecentSnippets } from '../../src/context/recentSnippets';

function doc(name: string, text: string): OpenDocument {
  return { uri: `file:///w/${name}`, path: name, languageId: 'python', text };
}

const filler = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `${tag}_value_${i} = compute_${tag}(${i})`).join('\n');
const billing = doc('billing.py', `${filler('noise', 40)}\ndef invoice_total(invoice, tax_rate):\n    subtotal = sum(line.amount for line in invoice.lines)\n    return subtotal * (1 + tax_rate)\n${filler('other', 40)}`);
const copy = doc('copy.py', billing.text);
const unrelated = doc('render.py', filler('pixels', 60));
const current = doc('main.py', 'def report(invoice):\n    tax_rate = 0.2\n    subtotal = sum(line.amount for line in invoice.lines)\n    ');

describe('context/recentSnippets', () => {
  it('ranks windows of recent files by identifier similarity to the lines around the cursor', () => {
    const recent = new RecentSnippets();
    for (const d of [unrelated, billing, current]) recent.touch(d.uri);
    const { snippets } = recent.snippets({ ...current, cursorOffset: current.text.length }, [current, billing, unrelated], performance.now() + 1000);
    assert.ok(snippets.length >= 1);
    assert.equal(snippets[0]!.path, 'billing.py');
    assert.match(snippets[0]!.text, /def invoice_total/);
    assert.ok(snippets[0]!.score > 0.1 && snippets[0]!.tokens > 0);
    assert.ok(snippets.every((s) => s.path !== 'main.py'), 'never the current file');
    // Overlapping windows of the same file are near-duplicates: only the best one stays.
    const billingWindows = snippets.filter((s) => s.path === 'billing.py');
    for (const a of billingWindows) for (const b of billingWindows) if (a !== b) assert.ok(a.range!.endLine < b.range!.startLine || b.range!.endLine < a.range!.startLine);
  });

  it('removes the same code found in another file', () => {
    const recent = new RecentSnippets();
    for (const d of [billing, copy]) recent.touch(d.uri);
    const { snippets } = recent.snippets({ ...current, cursorOffset: current.text.length }, [billing, copy], performance.now() + 1000);
    assert.equal(snippets.filter((s) => /def invoice_total/.test(s.text)).length, 1);
  });

  it('remembers the most recent files only, and stops at its deadline', () => {
    const recent = new RecentSnippets({ maxFiles: 2 });
    for (const d of [billing, copy, unrelated]) recent.touch(d.uri);
    assert.deepEqual(recent.list(), [unrelated.uri, copy.uri]);
    const late = recent.snippets({ ...current, cursorOffset: current.text.length }, [billing, copy, unrelated], performance.now() - 1);
    assert.equal(late.incomplete, true);
  });
});
