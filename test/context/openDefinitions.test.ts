import * as assert from 'node:assert/strict';
import { DefinitionIndex } from '../../src/context/definitionIndex';
import { openDefinitions } from '../../src/context/openDefinitions';
import type { OpenDocument } from '../../src/context/openDocuments';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { loadQuery } from '../../src/treeSitter/queries';

const shapes: OpenDocument = {
  uri: 'file:///w/src/shapes.ts',
  path: 'src/shapes.ts',
  languageId: 'typescript',
  text: [
    "import { Point } from './point';",
    '',
    'export interface Shape {',
    '  area(): number;',
    '}',
    '',
    'export function makeCircle(center: Point, radius: number): Shape {',
    '  return { area: () => Math.PI * radius * radius };',
    '}',
    '',
    'export const UNIT = 1;',
  ].join('\n'),
};
const point: OpenDocument = { uri: 'file:///w/src/point.js', path: 'src/point.js', languageId: 'javascript', text: 'export class Point {\n  constructor(x, y) { this.x = x; this.y = y; }\n}\n' };
const python: OpenDocument = { uri: 'file:///w/makeCircle.py', path: 'makeCircle.py', languageId: 'python', text: 'def makeCircle():\n    pass\n' };
const current: OpenDocument = {
  uri: 'file:///w/src/main.ts',
  path: 'src/main.ts',
  languageId: 'typescript',
  text: "import { makeCircle, UNIT } from './shapes';\n\nconst p = new Point(0, 0);\nconst c = makeCircle(p, UNIT);\nconsole.log(c.",
};

describe('context/openDefinitions', () => {
  before(async () => {
    for (const grammar of ['typescript', 'javascript', 'python'] as const) await loadQuery(grammar, 'definitions');
  });

  it('finds the definitions of identifiers near the cursor in other open files of the same family, nearest (right to left, line by line up) first', async () => {
    const trees = new DocumentTrees({ timeoutMs: 5000 }); // generous: a busy test machine must not time parses out
    for (const doc of [shapes, point, python]) await trees.open(doc.uri, doc.languageId, doc.text);
    const index = new DefinitionIndex(trees);
    const { snippets, incomplete } = openDefinitions({ ...current, cursorOffset: current.text.length }, [current, shapes, point, python], index, performance.now() + 1000);
    assert.equal(incomplete, false);
    const byScore = [...snippets].sort((a, b) => b.score - a.score).map((s) => `${s.path}:${s.range!.startLine}:${s.text.split('\n')[0]}`);
    assert.deepEqual(byScore, [
      'src/shapes.ts:10:export const UNIT = 1;',
      'src/shapes.ts:6:export function makeCircle(center: Point, radius: number): Shape {',
      'src/point.js:0:export class Point {',
    ]);
    // The Python file defines makeCircle too, but is another language.
    assert.ok(snippets.every((s) => s.source === 'definitions' && s.tokens > 0));
    trees.dispose();
  });

  it('stops at its deadline and says so', async () => {
    const trees = new DocumentTrees({ timeoutMs: 5000 }); // generous: a busy test machine must not time parses out
    const index = new DefinitionIndex(trees);
    const { snippets, incomplete } = openDefinitions({ ...current, cursorOffset: current.text.length }, [shapes, point], index, performance.now() - 1);
    assert.equal(incomplete, true);
    assert.deepEqual(snippets, []);
  });

  it('cuts long definitions to their first 24 lines', async () => {
    const long: OpenDocument = { uri: 'file:///w/long.ts', path: 'long.ts', languageId: 'typescript', text: `export function makeCircle() {\n${'  step();\n'.repeat(100)}}\n` };
    const trees = new DocumentTrees({ timeoutMs: 5000 }); // generous: a busy test machine must not time parses out
    const index = new DefinitionIndex(trees);
    await trees.open(long.uri, long.languageId, long.text);
    const { snippets } = openDefinitions({ ...current, cursorOffset: current.text.length }, [long], index, performance.now() + 1000);
    assert.equal(snippets[0]!.text.split('\n').length, 25);
    assert.ok(snippets[0]!.text.endsWith('\n...'));
    trees.dispose();
  });
});
