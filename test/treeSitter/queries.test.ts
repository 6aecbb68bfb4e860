import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GRAMMAR_IDS, type GrammarId } from '../../src/languages/grammars';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { capturesOf, loadQuery, QUERY_KINDS } from '../../src/treeSitter/queries';

/**
 * Each grammar's queries run on a sample file (test/fixtures/grammars/<grammar>.<ext>.txt; the .txt
 * keeps tsc and linters off them) and are compared with test/treeSitter/queries/<grammar>.snap, one line
 * per capture: name, line range (1-based) and the first line of the captured text.
 * `UPDATE_SNAPSHOTS=1` rewrites the snapshots; review their diff like code.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'grammars');
const SNAPSHOTS = path.join(__dirname, 'queries');

const LANGUAGE_IDS: Record<GrammarId, string> = {
  typescript: 'typescript', tsx: 'typescriptreact', javascript: 'javascript', python: 'python', go: 'go',
  rust: 'rust', java: 'java', c: 'c', cpp: 'cpp', csharp: 'csharp',
};

function fixtureOf(grammar: GrammarId): string {
  const file = fs.readdirSync(FIXTURES).find((f) => f.startsWith(`${grammar}.`) && f.endsWith('.txt'));
  assert.ok(file, `no fixture for ${grammar}`);
  return path.join(FIXTURES, file);
}

async function snapshot(grammar: GrammarId, text: string): Promise<string> {
  const trees = new DocumentTrees({ timeoutMs: 5000 });
  const tree = await trees.open('fixture', LANGUAGE_IDS[grammar], text);
  assert.ok(tree, 'the fixture parses');
  const lines: string[] = [];
  for (const kind of QUERY_KINDS) {
    lines.push(`## ${kind}`);
    for (const { name, node } of capturesOf(await loadQuery(grammar, kind), tree)) {
      const from = node.startPosition.row + 1;
      // A node that ends with its line's newline (a C #include) ends on that line.
      const to = node.endPosition.row + (node.endPosition.column === 0 && node.endPosition.row > node.startPosition.row ? 0 : 1);
      const range = from === to ? `L${from}` : `L${from}-${to}`;
      let first = node.text.split('\n')[0]!;
      if (first.length > 60) first = `${first.slice(0, 57)}...`;
      if (node.text.includes('\n')) first += ' ⏎';
      const indent = name.includes('.') ? '  ' : '';
      lines.push(`${`${indent}${name}`.padEnd(18)}${range.padEnd(10)}${first}`);
    }
    lines.push('');
  }
  trees.dispose();
  return lines.join('\n');
}

describe('treeSitter/queries (snapshots)', () => {
  for (const grammar of GRAMMAR_IDS) {
    it(grammar, async () => {
      const actual = await snapshot(grammar, fs.readFileSync(fixtureOf(grammar), 'utf8'));
      const file = path.join(SNAPSHOTS, `${grammar}.snap`);
      if (process.env.UPDATE_SNAPSHOTS || !fs.existsSync(file)) {
        fs.writeFileSync(file, actual);
        return;
      }
      assert.equal(actual, fs.readFileSync(file, 'utf8'), `${file} differs: rerun with UPDATE_SNAPSHOTS=1 and review the diff`);
    });
  }
});
