/**
 * Lays out the extension as VS Code installs it (what a VSIX unpacks to): the manifest, the
 * bundles, the embedded default model, onnxruntime-node with only this platform's binaries, and
 * tree-sitter (web-tree-sitter's runtime, the grammars' WASM files and the queries in syntaxes/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GRAMMARS } from '../../src/languages/grammars';
import { writeTestModelFolder } from '../modelgen/testModels';
import { REPO_ROOT } from './setup';

/**
 * The embedded default model: until a trained small model can ship, the generated tiny one
 * (Qwen2 architecture and tokenizer, 4-bit, GroupQueryAttention graph; its output is noise).
 */
export function ensureDefaultModel(): string {
  const dir = path.join(REPO_ROOT, 'models', 'default');
  if (!fs.existsSync(path.join(dir, 'config.json'))) writeTestModelFolder({ size: 'tiny', style: 'gqa', precision: 'q4' }, dir);
  return dir;
}

/** Copies the installable extension into `extensionsDir/<publisher.name-version>`; returns that folder. */
export function stageExtension(extensionsDir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const target = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`.toLowerCase());
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  const copy = (rel: string, filter?: (src: string) => boolean) =>
    fs.cpSync(path.join(REPO_ROOT, rel), path.join(target, rel), { recursive: true, dereference: true, filter });
  for (const file of ['package.json', 'README.md', 'CHANGELOG.md']) copy(file);
  copy('dist', (src) => !src.endsWith('.map'));
  ensureDefaultModel();
  copy('models/default');
  copy('syntaxes');
  // The bundle requires web-tree-sitter and resolves the grammars through node_modules (treeSitter/parser.ts).
  const packageFiles = new Set(['web-tree-sitter/web-tree-sitter.cjs', 'web-tree-sitter/web-tree-sitter.wasm', ...Object.values(GRAMMARS).map((grammar) => grammar.wasm)]);
  for (const file of packageFiles) copy(path.join('node_modules', file));
  for (const pkg of new Set([...packageFiles].map((f) => f.split('/').slice(0, f.startsWith('@') ? 2 : 1).join('/')))) copy(path.join('node_modules', pkg, 'package.json'));
  copy('node_modules/onnxruntime-common');
  // onnxruntime-node ships every platform (~290 MB); this one's binaries are ~46 MB.
  const platformDir = path.join('bin', 'napi-v6', process.platform, process.arch);
  copy('node_modules/onnxruntime-node', (src) => {
    const rel = path.relative(path.join(REPO_ROOT, 'node_modules/onnxruntime-node'), src);
    return !rel.startsWith('bin') || rel === 'bin' || rel === path.join('bin', 'napi-v6') || path.dirname(rel) === path.join('bin', 'napi-v6') || rel.startsWith(platformDir);
  });
  return target;
}
