import * as assert from 'node:assert/strict';
import { ContextEngine, type ContextRequest } from '../../src/context/contextEngine';
import type { OpenDocument } from '../../src/context/openDocuments';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { RecentSnippets } from '../../src/context/recentSnippets';

const geometry: OpenDocument = {
  uri: 'file:///w/src/geometry.ts',
  path: 'src/geometry.ts',
  languageId: 'typescript',
  text: 'export interface Vector {\n  x: number;\n  y: number;\n}\n\nexport function dot(a: Vector, b: Vector): number {\n  return a.x * b.x + a.y * b.y;\n}\n',
};
const physics: OpenDocument = {
  uri: 'file:///w/src/physics.ts',
  path: 'src/physics.ts',
  languageId: 'typescript',
  text: 'export function kineticEnergy(mass: number, velocity: Vector): number {\n  const speedSquared = dot(velocity, velocity);\n  return 0.5 * mass * speedSquared;\n}\n',
};
const mainLines = [
  "import { dot, type Vector } from './geometry';",
  '',
  'export class Body {',
  '  constructor(public mass: number, public velocity: Vector) {}',
  '',
  '  energy(): number {',
  ...Array.from({ length: 20 }, (_, i) => `    // step ${i}`),
  '    const speedSquared = dot(this.velocity, this.velocity);',
  '    return ',
];
const main: OpenDocument = { uri: 'file:///w/src/main.ts', path: 'src/main.ts', languageId: 'typescript', text: `${mainLines.join('\n')}\n  }\n}\n` };
const cursorOffset = mainLines.join('\n').length;
const request: ContextRequest = { ...main, cursorOffset, prefixStartLine: 16, maxContextTokens: 512 };

async function setup(options: { recent?: RecentSnippets } = {}) {
  const trees = new DocumentTrees({ timeoutMs: 5000 });
  const documents = [main, geometry, physics];
  for (const d of documents) await trees.open(d.uri, d.languageId, d.text);
  const recent = options.recent ?? new RecentSnippets();
  for (const d of [geometry, physics, main]) recent.touch(d.uri);
  return { trees, documents, recent };
}

describe('context/contextEngine', () => {
  it('composes definitions, enclosing scopes and recent snippets, most stable first', async () => {
    const { trees, documents, recent } = await setup();
    // Generous budgets: this test is about composition, on a machine that may be busy.
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent }, { scopes: 1000, definitions: 1000, recent: 1000 });
    assert.equal(await engine.prepare('typescript'), true);
    const result = await engine.build(request);
    assert.deepEqual(result.dropped, []);
    const summary = result.snippets.map((s) => `${s.source} ${s.path}:${s.range?.startLine} ${s.text.split('\n')[0]}`);
    assert.deepEqual(summary, [
      'definitions src/geometry.ts:0 export interface Vector {',
      'definitions src/geometry.ts:5 export function dot(a: Vector, b: Vector): number {',
      'scopes src/main.ts:2 export class Body {',
      'recent src/physics.ts:0 export function kineticEnergy(mass: number, velocity: Vector): number {',
    ]);
    assert.equal(result.snippets[2]!.text, 'export class Body {\n  energy(): number {');
    assert.deepEqual(result.dropped, []);
    for (const s of result.snippets) assert.ok(s.tokens > 0 && s.score > 0);
    assert.ok(result.timings.scopes !== undefined && result.timings.definitions !== undefined && result.timings.recent !== undefined);
    trees.dispose();
  });

  it('keeps to the character budget, by priority, and reports what did not fit', async () => {
    const { trees, documents, recent } = await setup();
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent }, { scopes: 1000, definitions: 1000, recent: 1000 });
    await engine.prepare('typescript');
    const result = await engine.build({ ...request, maxContextTokens: 30 });
    assert.deepEqual(result.snippets.map((s) => s.source), ['scopes']);
    const chars = result.snippets.reduce((n, s) => n + s.text.length + s.path.length + 2, 0);
    assert.ok(chars <= 30 * 4);
    assert.deepEqual(result.dropped.map((d) => d.source).sort(), ['definitions', 'recent']);
    assert.match(result.dropped[0]!.reason, /^budget: /);
    assert.deepEqual(await engine.build({ ...request, maxContextTokens: 0 }), { snippets: [], dropped: [], timings: {} });
    trees.dispose();
  });

  it('drops a slow source without waiting for it, and says so', async () => {
    class SlowRecent extends RecentSnippets {
      override snippets(...args: Parameters<RecentSnippets['snippets']>) {
        const until = performance.now() + 40;
        while (performance.now() < until); // a synchronous source that overruns
        return super.snippets(...args);
      }
    }
    const { trees, documents, recent } = await setup({ recent: new SlowRecent() });
    const never = { snippets: () => new Promise<never>(() => {}) };
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent, imports: never }, { imports: 15, recent: 10, scopes: 1000, definitions: 1000 });
    await engine.prepare('typescript');
    const started = performance.now();
    const result = await engine.build(request);
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(result.dropped.map((d) => d.source).sort(), ['imports', 'recent']);
    assert.match(result.dropped.find((d) => d.source === 'imports')!.reason, /no answer within its 15 ms budget/);
    assert.match(result.dropped.find((d) => d.source === 'recent')!.reason, /over its 10 ms budget/);
    assert.ok(result.snippets.some((s) => s.source === 'definitions'));
    assert.ok(!result.snippets.some((s) => s.source === 'recent'));
    trees.dispose();
  });

  it('keeps its snippets while typing in the block unless a new definition turns up', async () => {
    const { trees, documents, recent } = await setup();
    const units: OpenDocument = { uri: 'file:///w/src/units.ts', path: 'src/units.ts', languageId: 'typescript', text: 'export const GRAVITY = 9.81;\n' };
    await trees.open(units.uri, units.languageId, units.text);
    documents.push(units);
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent }, { scopes: 1000, definitions: 1000, recent: 1000 });
    await engine.prepare('typescript');
    const first = await engine.build(request);
    assert.ok(!first.snippets.some((s) => s.path === 'src/units.ts'));
    const at = (typed: string) => ({ ...request, text: `${main.text.slice(0, cursorOffset)}${typed}${main.text.slice(cursorOffset)}`, cursorOffset: cursorOffset + typed.length });
    assert.equal(await engine.build(at('0.5 * ')), first, 'nothing new: the same snippets, so the worker keeps its cache');
    const named = await engine.build(at('GRAVITY * '));
    assert.notEqual(named, first);
    assert.ok(named.snippets.some((s) => s.source === 'definitions' && s.text === 'export const GRAVITY = 9.81;'));
    trees.dispose();
  });

  it('keeps its snippets when a definition source that gave them fails for a keystroke (no back-and-forth)', async () => {
    const { trees, documents, recent } = await setup();
    const units: OpenDocument = { uri: 'file:///w/src/units.ts', path: 'src/units.ts', languageId: 'typescript', text: 'export const GRAVITY = 9.81;\n' };
    await trees.open(units.uri, units.languageId, units.text);
    documents.push(units);
    let importsWork = true;
    const imports = {
      snippets: async () => (importsWork ? [{ path: 'src/geometry.ts', text: 'export function dot(a: Vector, b: Vector): number {', source: 'imports' as const, score: 1, tokens: 12, range: { startLine: 5, endLine: 5 } }] : []),
    };
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent, imports }, { scopes: 1000, imports: 1000, definitions: 1000, recent: 1000 });
    await engine.prepare('typescript');
    const at = (typed: string) => ({ ...request, text: `${main.text.slice(0, cursorOffset)}${typed}${main.text.slice(cursorOffset)}`, cursorOffset: cursorOffset + typed.length });
    const first = await engine.build(request);
    assert.ok(first.snippets.some((s) => s.source === 'imports'));
    // The imports answer nothing (an unparseable half line, a missed budget) while a new name turns up: keep.
    importsWork = false;
    assert.equal(await engine.build(at('GRAVITY * (')), first);
    // They answer again: the new definition is taken.
    importsWork = true;
    const next = await engine.build(at('GRAVITY * (1)'));
    assert.notEqual(next, first);
    assert.ok(next.snippets.some((s) => s.text === 'export const GRAVITY = 9.81;') && next.snippets.some((s) => s.source === 'imports'));
    trees.dispose();
  });

  it('reuses its result while the cursor stays on its line, and falls back to recent snippets without a grammar', async () => {
    const { trees, documents, recent } = await setup();
    const logs: string[] = [];
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent, log: (m) => logs.push(m) }, { scopes: 1000, definitions: 1000, recent: 1000 });
    await engine.prepare('typescript');
    const first = await engine.build(request);
    const typed = { ...request, text: `${main.text.slice(0, cursorOffset)}spe${main.text.slice(cursorOffset)}`, cursorOffset: cursorOffset + 3 };
    assert.equal(await engine.build(typed), first);

    const plain = await engine.build({ ...request, uri: 'file:///w/notes.txt', path: 'notes.txt', languageId: 'plaintext' });
    assert.ok(plain.snippets.every((s) => s.source === 'recent'));
    assert.ok(plain.snippets.length > 0);
    assert.match(logs.join('\n'), /no grammar for 'plaintext'/);
    trees.dispose();
  });
});
