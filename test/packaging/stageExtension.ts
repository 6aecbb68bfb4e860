/**
 * Lays out the extension as VS Code installs it (what a VSIX unpacks to): the manifest, README,
 * CHANGELOG, LICENSE, media/, the bundles, the tree-sitter queries, and beside the bundles
 * (`dist/node_modules`, where their `require`s look first) the few packages they load at run
 * time: onnxruntime-node with one platform's binaries, node-llama-cpp with one platform's CPU
 * build (stageLlamaCpp.ts), on Linux koffi with its binary (stageKoffi.ts), web-tree-sitter's runtime and the grammars' WASM files. No model:
 * the user downloads one (the walkthrough leads there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GRAMMARS } from '../../src/languages/grammars';
import { stageKoffi } from './stageKoffi';
import { stageLlamaCpp } from './stageLlamaCpp';
import { missingBinaries, onnxruntimeBinDir, type Target } from './targets';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface StageOptions {
  /** The folder to fill (emptied first). */
  dir: string;
  target: Target;
  /** The built bundles to copy (default: the repository's dist/). */
  bundlesDir?: string;
  /** Says what is being fetched (node-llama-cpp, on first use). */
  log?: (line: string) => void;
}

/** Fills `options.dir` with the installable extension for one target; returns that folder. */
export function stageExtension(options: StageOptions): string {
  const { dir, target } = options;
  const runtime = path.join(REPO_ROOT, 'node_modules');
  const missing = missingBinaries(path.join(runtime, 'onnxruntime-node'), target);
  if (missing) throw new Error(`cannot stage ${target.id}: ${missing}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const copy = (from: string, to: string, filter?: (src: string) => boolean) =>
    fs.cpSync(from, path.join(dir, to), { recursive: true, dereference: true, filter });
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'media', 'syntaxes']) copy(path.join(REPO_ROOT, file), file);
  copy(options.bundlesDir ?? path.join(REPO_ROOT, 'dist'), 'dist', (src) => !src.endsWith('.map'));

  const modules = path.join('dist', 'node_modules');
  // The bundle requires web-tree-sitter and resolves the grammars through node resolution (treeSitter/parser.ts).
  const packageFiles = new Set(['web-tree-sitter/web-tree-sitter.cjs', 'web-tree-sitter/web-tree-sitter.wasm', ...Object.values(GRAMMARS).map((grammar) => grammar.wasm)]);
  for (const file of packageFiles) copy(path.join(runtime, file), path.join(modules, file));
  for (const pkg of new Set([...packageFiles].map((f) => f.split('/').slice(0, f.startsWith('@') ? 2 : 1).join('/')))) {
    copy(path.join(runtime, pkg, 'package.json'), path.join(modules, pkg, 'package.json'));
  }
  // The bundles are CommonJS: onnxruntime-common's CommonJS build (not its ESM build, TypeScript sources or maps).
  const common = path.join(runtime, 'onnxruntime-common');
  copy(common, path.join(modules, 'onnxruntime-common'), (src) => {
    const rel = path.relative(common, src);
    return ['', 'package.json', 'dist', path.join('dist', 'cjs')].includes(rel) || (rel.startsWith(path.join('dist', 'cjs') + path.sep) && !rel.endsWith('.map'));
  });
  // Its JavaScript and this target's binaries; not its install scripts (they fetch the CUDA provider).
  const ort = path.join(runtime, 'onnxruntime-node');
  const binDir = onnxruntimeBinDir(target);
  copy(ort, path.join(modules, 'onnxruntime-node'), (src) => {
    const rel = path.relative(ort, src);
    if (rel === '' || rel === 'package.json' || rel === 'dist' || rel.startsWith(`dist${path.sep}`)) return !rel.endsWith('.map');
    return rel === 'bin' || binDir.startsWith(rel + path.sep) || rel === binDir || rel.startsWith(binDir + path.sep);
  });
  stageLlamaCpp(path.join(dir, modules), target, options.log);
  stageKoffi(runtime, path.join(dir, modules), target, options.log);
  // vsce packs what is here; this only keeps type declarations out and says so (it warns without one).
  fs.writeFileSync(path.join(dir, '.vscodeignore'), '# The folder holds only what ships: test/packaging/stageExtension.ts chose it.\n**/*.d.ts\n');
  return dir;
}
