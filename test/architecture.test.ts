import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { REPO_ROOT } from './support/tinyModels';

const SRC = path.join(REPO_ROOT, 'src');

/**
 * What each part of src/ may import (besides itself, node: modules and packages). Dependencies
 * flow one way: shared pieces at the bottom, the worker side (engine, worker) apart from the
 * extension host's side, and the VS Code adapters (extension.ts, ui, commands) on top.
 */
const ALLOWED: Record<string, string[]> = {
  shared: [],
  languages: [],
  modelFormat: ['shared'],
  prompt: ['shared'],
  treeSitter: ['languages', 'shared'],
  engine: ['modelFormat', 'shared'],
  worker: ['engine', 'prompt', 'modelFormat', 'shared'],
  workerClient: ['worker/protocol', 'shared'],
  downloads: ['modelFormat', 'shared'],
  models: ['downloads', 'modelFormat', 'shared'],
  context: ['treeSitter', 'languages', 'prompt', 'shared'],
  chat: ['backend/inferenceBackend', 'context', 'treeSitter', 'languages', 'prompt', 'shared'],
  completion: ['backend/inferenceBackend', 'context', 'treeSitter', 'languages', 'prompt', 'shared'],
  settings: ['completion', 'context/fsPaths', 'downloads/hub', 'modelFormat', 'prompt/fimTemplates', 'shared'],
  backend: ['worker/protocol', 'workerClient', 'models', 'settings', 'prompt', 'modelFormat', 'shared'],
  ui: ['backend/inferenceBackend', 'chat', 'completion', 'context', 'languages', 'settings', 'shared'],
  commands: ['backend/inferenceBackend', 'chat', 'context', 'downloads', 'prompt', 'models', 'modelFormat', 'settings', 'shared', 'ui'],
  cli: ['chat', 'completion', 'context', 'treeSitter', 'languages', 'downloads', 'models', 'modelFormat', 'prompt', 'settings', 'shared', 'worker/protocol', 'workerClient', 'backend/inferenceBackend', 'backend/server'],
  'extension.ts': ['backend', 'chat', 'commands', 'models', 'completion', 'context', 'settings', 'shared', 'ui'],
};
/** The only places that may import the editor's API. */
const VSCODE_ALLOWED = ['extension.ts', 'ui', 'commands'];

interface Module {
  file: string;
  /** The part it belongs to: its top folder under src/, or its file name at the top. */
  part: string;
  imports: { spec: string; target?: string }[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/** Every import of every module in src/, type-only ones included (a cycle of types is still a cycle). */
function readModules(): Module[] {
  return sourceFiles(SRC).map((file) => {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const rel = path.relative(SRC, file).split(path.sep).join('/');
    return { file: rel, part: rel.split('/')[0], imports: info.importedFiles.map((f) => ({ spec: f.fileName, target: resolveImport(file, f.fileName) && path.relative(SRC, resolveImport(file, f.fileName)!).split(path.sep).join('/') })) };
  });
}

/** Import cycles, each as the list of files around it (Tarjan's strongly connected components). */
export function findCycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) !== indices.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return cycles;
}

describe('architecture', () => {
  const modules = readModules();

  it('finds cycles (the checker itself)', () => {
    assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
    assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', []]])), []);
  });

  it('has no import cycles, type-only imports included', () => {
    const graph = new Map(modules.map((m) => [m.file, m.imports.flatMap((i) => (i.target ? [i.target] : []))]));
    assert.deepEqual(findCycles(graph), []);
  });

  it('imports vscode only in the VS Code adapters (extension.ts, ui/, commands/)', () => {
    const offenders = modules.filter((m) => !VSCODE_ALLOWED.includes(m.part) && m.imports.some((i) => i.spec === 'vscode')).map((m) => m.file);
    assert.deepEqual(offenders, []);
  });

  it('keeps each part to the parts it may depend on', () => {
    const offenders: string[] = [];
    for (const m of modules) {
      const allowed = ALLOWED[m.part];
      if (!allowed) {
        offenders.push(`${m.file}: src/${m.part} is not in the layer table of test/architecture.test.ts`);
        continue;
      }
      for (const { spec, target } of m.imports) {
        if (!target) continue;
        const part = target.split('/')[0];
        if (part === m.part) continue;
        const ok = allowed.some((a) => a === part || target === `${a}.ts` || target.startsWith(`${a}/`));
        if (!ok) offenders.push(`${m.file} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('unresolved relative imports are none (the check sees every edge)', () => {
    const unresolved = modules.flatMap((m) => m.imports.filter((i) => i.spec.startsWith('.') && !i.target).map((i) => `${m.file}: ${i.spec}`));
    assert.deepEqual(unresolved, []);
  });
});
