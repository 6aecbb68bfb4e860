/**
 * `npm run package`: one VSIX per platform with @vscode/vsce, each carrying only its own
 * onnxruntime-node binaries and llama.cpp CPU build (node-llama-cpp, fetched into .cache on first
 * use: stageLlamaCpp.ts); prints each file's size.
 *
 *   npm run package                                  # every target this onnxruntime-node has binaries for
 *   npm run package -- --target linux-x64 --out DIR  # some targets (repeat --target), into DIR (default out/)
 *
 * The bundles are built once, minified and without source maps, apart from the dev build in dist/.
 * A target whose binaries onnxruntime-node lacks (macOS x64 since 1.24) is skipped with the reason
 * when all are built, and fails the run when asked for by name.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createVSIX } from '@vscode/vsce';
import { REPO_ROOT, stageExtension } from './stageExtension';
import { missingBinaries, TARGETS, targetById, type Target } from './targets';

export interface PackageOptions {
  targets: Target[];
  outDir: string;
  /** Whether a target without binaries is an error (it was named) or skipped (all were asked for). */
  strict: boolean;
  log?: (line: string) => void;
}

export interface PackageResult {
  built: { target: string; file: string; bytes: number }[];
  skipped: { target: string; reason: string }[];
}

/** Builds the production bundles once, then stages and packages each target. */
export async function packageVsixes(options: PackageOptions): Promise<PackageResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-package-'));
  const result: PackageResult = { built: [], skipped: [] };
  try {
    const bundlesDir = path.join(tmp, 'dist');
    const build = spawnSync(process.execPath, ['esbuild.mjs', '--production', '--outdir', bundlesDir], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`building the bundles failed:\n${build.stdout}${build.stderr}`);
    fs.mkdirSync(options.outDir, { recursive: true });
    for (const target of options.targets) {
      const missing = missingBinaries(path.join(REPO_ROOT, 'node_modules', 'onnxruntime-node'), target);
      if (missing) {
        if (options.strict) throw new Error(`cannot package ${target.id}: ${missing}`);
        log(`${target.id}: skipped: ${missing}`);
        result.skipped.push({ target: target.id, reason: missing });
        continue;
      }
      const cwd = stageExtension({ dir: path.join(tmp, target.id), target, bundlesDir, log });
      const file = path.resolve(options.outDir, `${manifest.name}-${target.id}-${manifest.version}.vsix`);
      // No repository URL exists yet; dependencies: the staged folder already holds exactly the runtime packages.
      await createVSIX({ cwd, target: target.id, packagePath: file, dependencies: false, allowMissingRepository: true });
      result.built.push({ target: target.id, file, bytes: fs.statSync(file).size });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log('');
  for (const { target, file, bytes } of result.built) log(`${target.padEnd(13)} ${(bytes / 1e6).toFixed(1).padStart(6)} MB  ${path.relative(process.cwd(), file)}`);
  for (const { target, reason } of result.skipped) log(`${target.padEnd(13)} skipped: ${reason}`);
  return result;
}

function parseArgs(argv: string[]): PackageOptions {
  const targets: Target[] = [];
  let outDir = path.join(REPO_ROOT, 'out');
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if ((argv[i] === '--target' || argv[i] === '--out') && (value === undefined || value.startsWith('--'))) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--target') targets.push(targetById(argv[++i]));
    else if (argv[i] === '--out') outDir = path.resolve(argv[++i]);
    else throw new Error(`unknown argument "${argv[i]}"; usage: npm run package -- [--target ${TARGETS.map((t) => t.id).join('|')}]... [--out DIR]`);
  }
  return { targets: targets.length ? targets : [...TARGETS], outDir, strict: targets.length > 0 };
}

if (require.main === module) {
  void Promise.resolve()
    .then(() => packageVsixes(parseArgs(process.argv.slice(2))))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
