import * as assert from 'node:assert/strict';
import { GRAMMAR_IDS } from '../../src/languages/grammars';
import { DocumentTrees, loadGrammar, type TextChange } from '../../src/treeSitter/parser';

/** The change that replaces [start, end) of `text` with `insert`, as VS Code reports it. */
function change(text: string, start: number, end: number, insert: string): TextChange {
  const pos = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };
  return { range: { start: pos(start), end: pos(end) }, rangeOffset: start, rangeLength: end - start, text: insert };
}

function apply(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

function bigTypeScript(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(`export class Service${i} {`, `  private count = ${i};`, `  handle(input: string, é = 'ü'): number {`, `    const value = input.length + this.count;`, `    if (value > ${i}) { return value * 2; }`, `    return value;`, `  }`, `}`, '');
  }
  return out.slice(0, lines).join('\n');
}

describe('treeSitter/parser', () => {
  it('loads every grammar', async () => {
    for (const grammar of GRAMMAR_IDS) assert.ok(await loadGrammar(grammar), grammar);
  });

  it('returns no tree for a language without a grammar, and logs it', async () => {
    const logs: string[] = [];
    const trees = new DocumentTrees({ log: (m) => logs.push(m) });
    assert.equal(await trees.open('a.md', 'markdown', '# hi'), undefined);
    assert.match(logs[0]!, /no grammar for 'markdown'/);
  });

  it('gives after incremental edits the same tree as a fresh parse', async () => {
    // Generous limits: this test is about correctness, on a machine that may be busy.
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const fresh = new DocumentTrees({ timeoutMs: 5000 });
    let text = bigTypeScript(300);
    await trees.open('a.ts', 'typescript', text);
    // Typing, deleting, a multi-line paste and non-ASCII text, several edits between reads.
    const edits: [number, number, string][] = [
      [100, 100, 'x'], [101, 101, 'y'], [500, 510, ''], [2000, 2000, '\nfunction pasted(a: number) {\n  return a;\n}\n'], [50, 50, 'ß€😀'],
    ];
    for (const [i, [start, end, insert]] of edits.entries()) {
      trees.edit('a.ts', [change(text, start, end, insert)]);
      text = apply(text, start, end, insert);
      if (i % 2 === 0) continue; // read only every other edit: edits accumulate
      const incremental = trees.tree('a.ts', text)!;
      const reference = (await fresh.open(`ref${i}.ts`, 'typescript', text))!;
      assert.equal(incremental.rootNode.toString(), reference.rootNode.toString());
    }
    const incremental = trees.tree('a.ts', text)!;
    const reference = (await fresh.open('ref.ts', 'typescript', text))!;
    assert.equal(incremental.rootNode.toString(), reference.rootNode.toString());
    assert.equal(incremental.rootNode.endIndex, text.length);
    trees.dispose();
    fresh.dispose();
  });

  it('reparses a 5,000-line file after one keystroke in well under 10 ms', async () => {
    const trees = new DocumentTrees({ timeoutMs: 1000 });
    let text = bigTypeScript(5000);
    let started = performance.now();
    await trees.open('big.ts', 'typescript', text);
    const fullMs = performance.now() - started;
    // Typing a statement character by character at 20 places in the file: most keystrokes leave
    // valid code, some an error (`this.` before the property is typed), as real typing does.
    const statement = '\n    const next = this.count + input.length;';
    const times: number[] = [];
    for (let k = 0; k < 20; k++) {
      let at = text.indexOf('return value;', (k * 7919) % (text.length - 100)) + 'return value;'.length;
      for (const ch of statement) {
        trees.edit('big.ts', [change(text, at, at, ch)]);
        text = apply(text, at, at, ch);
        at += ch.length;
        started = performance.now();
        assert.ok(trees.tree('big.ts', text));
        times.push(performance.now() - started);
      }
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.floor(p * (times.length - 1))]!;
    console.log(`      5,000 lines (${text.length} chars): full parse ${fullMs.toFixed(1)} ms; incremental reparse per keystroke over ${times.length} keystrokes: p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${q(1).toFixed(2)} ms`);
    assert.ok(q(0.5) < 100, `incremental reparse took ${q(0.5)} ms`);
    // The same tree as a fresh parse after all of that.
    const fresh = new DocumentTrees({ timeoutMs: 5000 });
    assert.equal(trees.tree('big.ts', text)!.rootNode.toString(), (await fresh.open('ref.ts', 'typescript', text))!.rootNode.toString());
    fresh.dispose();
    trees.dispose();
  });

  it('cancels a parse that runs over its time limit, and does not retry it on every keystroke', async () => {
    const logs: string[] = [];
    const trees = new DocumentTrees({ timeoutMs: 5, fullParseTimeoutMs: 5, log: (m) => logs.push(m) });
    const text = 'f(['.repeat(300_000); // 900 KB of unclosed calls and arrays: slow error recovery
    const started = performance.now();
    assert.equal(await trees.open('slow.js', 'javascript', text), undefined);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    assert.match(logs.join('\n'), /took over 5 ms/);
    const again = performance.now();
    assert.equal(trees.tree('slow.js', text), undefined);
    assert.ok(performance.now() - again < 2);
    // The same parser still parses other documents.
    assert.ok(await trees.open('ok.js', 'javascript', 'let a = 1;'));
    trees.dispose();
  });

  describe('bad input stays bounded', () => {
    const cases: [string, string, string][] = [
      ['syntax errors everywhere', 'typescript', Array.from({ length: 2000 }, (_, i) => `}{ ) class ${i} function (( => ;; "unterminated \` /* ${i}`).join('\n')],
      ['10,000-deep nesting', 'python', `${'['.repeat(10_000)}${']'.repeat(10_000)}\n`],
      ['10,000-deep braces', 'c', `int f() ${'{'.repeat(10_000)}${'}'.repeat(10_000)}\n`],
      ['a 1 MB single line', 'javascript', `const a = [${'1,'.repeat(500_000)}];`],
    ];
    for (const [name, languageId, text] of cases) {
      it(name, async () => {
        const trees = new DocumentTrees({ timeoutMs: 1500 });
        const started = performance.now();
        const tree = await trees.open('bad', languageId, text);
        const ms = performance.now() - started;
        console.log(`      ${name}: ${(text.length / 1024).toFixed(0)} KB parsed in ${ms.toFixed(0)} ms${tree ? '' : ' (timed out)'}`);
        assert.ok(ms < 3000);
        if (tree) {
          trees.edit('bad', [change(text, 5, 5, ' ')]);
          const edited = performance.now();
          trees.tree('bad', apply(text, 5, 5, ' '));
          assert.ok(performance.now() - edited < 3000);
        }
        trees.dispose();
      });
    }
  });
});
