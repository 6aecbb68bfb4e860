/**
 * node-llama-cpp for the bench only: installed on demand into the gitignored `.cache/bench-deps`
 * (its CUDA/Vulkan binary packages must stay out of the project's install), loaded from there.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const LLAMA_CPP_VERSION = '3.22.1';
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BENCH_DEPS = path.join(REPO_ROOT, '.cache', 'bench-deps');
const PKG_DIR = path.join(BENCH_DEPS, 'node_modules', 'node-llama-cpp');

export function ensureLlamaCppInstalled(log: (s: string) => void = console.error): string {
  let installed = '';
  try {
    installed = (JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // not installed
  }
  if (installed !== LLAMA_CPP_VERSION) {
    log(`installing node-llama-cpp@${LLAMA_CPP_VERSION} into ${BENCH_DEPS} ...`);
    fs.mkdirSync(BENCH_DEPS, { recursive: true });
    const pkg = path.join(BENCH_DEPS, 'package.json');
    if (!fs.existsSync(pkg)) fs.writeFileSync(pkg, JSON.stringify({ name: 'bench-deps', private: true }) + '\n');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['install', '--prefix', BENCH_DEPS, '--no-save', '--no-audit', '--no-fund', `node-llama-cpp@${LLAMA_CPP_VERSION}`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: BENCH_DEPS,
    });
  }
  return PKG_DIR;
}

// tsx would turn a plain `import()` into `require()` in this CommonJS project; node-llama-cpp is ESM only.
const dynamicImport = new Function('u', 'return import(u)') as (u: string) => Promise<unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LlamaModule = any;

export async function importLlamaCpp(): Promise<LlamaModule> {
  const pkg = ensureLlamaCppInstalled();
  const main = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: string } | string }; main?: string };
  const exp = main.exports?.['.'];
  const entry = (typeof exp === 'string' ? exp : exp?.import) ?? main.main ?? 'dist/index.js';
  return dynamicImport(pathToFileURL(path.join(pkg, entry)).href);
}
