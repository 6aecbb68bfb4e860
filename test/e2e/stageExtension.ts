/**
 * The installed extension for `npm start` and the e2e tests: the VSIX layout
 * (test/packaging/stageExtension.ts) for this machine, plus the generated test model as the
 * embedded default, which the VSIX does not ship.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stageExtension } from '../packaging/stageExtension';
import { hostTarget } from '../packaging/targets';
import { writeTestModelFolder } from '../modelgen/testModels';
import { REPO_ROOT } from './setup';

/**
 * The embedded default model of a checkout: the generated tiny one (Qwen2 architecture and
 * tokenizer, 4-bit, GroupQueryAttention graph; its output is noise, and the extension calls it a
 * test model).
 */
export function ensureDefaultModel(): string {
  const dir = path.join(REPO_ROOT, 'models', 'default');
  if (!fs.existsSync(path.join(dir, 'config.json'))) writeTestModelFolder({ size: 'tiny', style: 'gqa', precision: 'q4' }, dir);
  return dir;
}

/** Stages the extension into `extensionsDir/<publisher.name-version>` with the test model; returns that folder. */
export function stageWithTestModel(extensionsDir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const dir = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`.toLowerCase());
  stageExtension({ dir, target: hostTarget() });
  fs.cpSync(ensureDefaultModel(), path.join(dir, 'models', 'default'), { recursive: true });
  return dir;
}
