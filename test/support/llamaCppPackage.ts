/**
 * node-llama-cpp for tests and benchmarks: installed on demand into the gitignored
 * `.cache/bench-deps` (its CUDA/Vulkan binary packages, ~600 MB on linux x64, must stay out of
 * the project's install), and handed to the GGUF engine through SLM_NODE_LLAMA_CPP.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadLlamaCpp, NODE_LLAMA_CPP_ENV } from '../../src/engine/gguf/llamaCpp';

export const LLAMA_CPP_VERSION = '3.22.1';
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BENCH_DEPS = path.join(REPO_ROOT, '.cache', 'bench-deps');
const PKG_DIR = path.join(BENCH_DEPS, 'node_modules', 'node-llama-cpp');

/** The package folder, installed first if needed; also points the GGUF engine at it. */
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
    // Only this platform's CPU build: without --omit=optional npm also fetches the CUDA and Vulkan builds (~600 MB on linux x64).
    const binaries = `@node-llama-cpp/${platformPackage()}@${LLAMA_CPP_VERSION}`;
    execFileSync(npm, ['install', '--prefix', BENCH_DEPS, '--no-save', '--no-audit', '--no-fund', '--omit=optional', `node-llama-cpp@${LLAMA_CPP_VERSION}`, binaries], {
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: BENCH_DEPS,
    });
  }
  process.env[NODE_LLAMA_CPP_ENV] = PKG_DIR;
  return PKG_DIR;
}

/** node-llama-cpp's prebuilt CPU binaries for this machine (linux-x64, mac-arm64-metal, win-x64, ...). */
function platformPackage(): string {
  if (process.platform === 'darwin') return process.arch === 'arm64' ? 'mac-arm64-metal' : 'mac-x64';
  return `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LlamaModule = any;

/** The whole node-llama-cpp module, for the bench's direct use of it (llama.cpp as users run it). */
export async function importLlamaCpp(): Promise<LlamaModule> {
  ensureLlamaCppInstalled();
  return loadLlamaCpp();
}
