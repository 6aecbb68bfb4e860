/**
 * node-llama-cpp for tests, benchmarks and the VSIX: installed on demand into the gitignored
 * `.cache/bench-deps/node-llama-cpp-<version>` (its CUDA/Vulkan binary packages, ~600 MB on linux
 * x64, must stay out of the project's install: `npm ci` never fetches node-llama-cpp), handed to
 * the GGUF engine through SLM_NODE_LLAMA_CPP, and copied into each VSIX with only its target's
 * CPU binary package (test/packaging/stageExtension.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadLlamaCpp, NODE_LLAMA_CPP_ENV } from '../../src/engine/gguf/llamaCpp';
import { BENCH_DEPS, installAtomically, npm, unpackedPackage, versionAt } from './registryPackage';

export { BENCH_DEPS, REPO_ROOT } from './registryPackage';

/**
 * 3.21.1: the newest release whose macOS and Windows binary packages the registry serves (3.22.1
 * has Linux ones only), and every VSIX ships the same version.
 */
export const LLAMA_CPP_VERSION = '3.21.1';
/** One prefix per version: a change of version never rewrites an install that another checkout uses. */
const PREFIX = path.join(BENCH_DEPS, `node-llama-cpp-${LLAMA_CPP_VERSION}`);
/** The installed node_modules: node-llama-cpp, its dependencies, this machine's binary package. */
export const LLAMA_CPP_MODULES = path.join(PREFIX, 'node_modules');
const PKG_DIR = path.join(LLAMA_CPP_MODULES, 'node-llama-cpp');
/** Other platforms' binary packages, unpacked (`npm pack`) for their VSIXes. */
const OTHER_BINARIES = path.join(BENCH_DEPS, `node-llama-cpp-${LLAMA_CPP_VERSION}-binaries`);

/** The package folder, installed first if needed (no environment change). */
export function installLlamaCpp(log: (s: string) => void = console.error): string {
  if (versionAt(PKG_DIR) === LLAMA_CPP_VERSION) return PKG_DIR;
  log(`installing node-llama-cpp@${LLAMA_CPP_VERSION} into ${PREFIX} ...`);
  installAtomically(PREFIX, () => versionAt(PKG_DIR) === LLAMA_CPP_VERSION, (tmp) => {
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'node-llama-cpp-install', private: true }) + '\n');
    // Only this platform's CPU build: without --omit=optional npm also fetches the CUDA and Vulkan
    // builds. No scripts: node-llama-cpp's postinstall may download llama.cpp or build it.
    const binaries = `@node-llama-cpp/${llamaCppBinaryName()}@${LLAMA_CPP_VERSION}`;
    execFileSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--omit=optional', '--ignore-scripts', `node-llama-cpp@${LLAMA_CPP_VERSION}`, binaries], {
      stdio: ['ignore', 'inherit', 'inherit'],
      cwd: tmp,
    });
  });
  return PKG_DIR;
}

/** The package folder, installed first if needed; also points the GGUF engine at it. */
export function ensureLlamaCppInstalled(log: (s: string) => void = console.error): string {
  process.env[NODE_LLAMA_CPP_ENV] = installLlamaCpp(log);
  return PKG_DIR;
}

/**
 * node-llama-cpp's prebuilt CPU binary package for a platform (`linux-x64`, `mac-arm64-metal`,
 * `win-x64`, ...): the one llama.cpp build per platform that needs no GPU driver (macOS arm64's
 * includes Metal). Its CUDA and Vulkan packages stay out.
 */
export function llamaCppBinaryName(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  if (platform === 'darwin') return arch === 'arm64' ? 'mac-arm64-metal' : 'mac-x64';
  return `${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** The folder of `@node-llama-cpp/<name>`: this machine's installed one, or another platform's unpacked from the registry once. */
export function llamaCppBinaryPackage(name: string, log: (s: string) => void = console.error): string {
  const installed = path.join(LLAMA_CPP_MODULES, '@node-llama-cpp', name);
  if (versionAt(installed) === LLAMA_CPP_VERSION) return installed;
  return unpackedPackage(`@node-llama-cpp/${name}`, LLAMA_CPP_VERSION, path.join(OTHER_BINARIES, name), log);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LlamaModule = any;

/** The whole node-llama-cpp module, for the bench's direct use of it (llama.cpp as users run it). */
export async function importLlamaCpp(): Promise<LlamaModule> {
  ensureLlamaCppInstalled();
  return loadLlamaCpp();
}
