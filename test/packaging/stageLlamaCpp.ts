/**
 * node-llama-cpp in the installed layout, for GGUF models: its JavaScript and dependencies (all
 * plain JavaScript), and of its binary packages only the target's CPU build
 * (`@node-llama-cpp/linux-x64`, `win-x64`, `mac-arm64-metal`, ...): its CUDA and Vulkan builds are
 * ~600 MB on linux x64. Without its llama.cpp source and build scripts: the engine asks it never
 * to build (src/engine/gguf/llamaCpp.ts). It is fetched into a cache, never a dependency of
 * package.json, so `npm ci` stays small.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { installLlamaCpp, LLAMA_CPP_MODULES, llamaCppBinaryName, llamaCppBinaryPackage } from '../support/llamaCppPackage';
import type { Target } from './targets';

/** What node-llama-cpp reads at run time from its `llama/` folder; the rest there builds llama.cpp from source (its git bundle alone is 34 MB). */
const LLAMA_RUNTIME_FILES = ['package.json', 'binariesGithubRelease.json', 'llama.cpp.info.json', 'grammars'];

/** The folder a package `name` resolves to from the package folder `from`, as Node resolves it. */
function resolvePackage(from: string, name: string): string {
  for (let dir = from; dir.startsWith(LLAMA_CPP_MODULES); dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') continue;
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  const top = path.join(LLAMA_CPP_MODULES, name);
  if (fs.existsSync(path.join(top, 'package.json'))) return top;
  throw new Error(`${name}, which ${path.relative(LLAMA_CPP_MODULES, from)} needs, is missing from ${LLAMA_CPP_MODULES}: remove that folder to reinstall it`);
}

/** node-llama-cpp's folder and those of its dependencies, recursively (not its optional binary packages). */
function dependencyClosure(root: string): string[] {
  const seen = new Set<string>([root]);
  for (const dir of seen) {
    const { dependencies = {} } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(dependencies)) seen.add(resolvePackage(dir, name));
  }
  return [...seen];
}

/** Fills `modulesDir` (the staged `dist/node_modules`) with node-llama-cpp for `target`. */
export function stageLlamaCpp(modulesDir: string, target: Target, log?: (line: string) => void): void {
  const root = installLlamaCpp(log);
  const binaryName = llamaCppBinaryName(target.platform, target.arch);
  const binaries = llamaCppBinaryPackage(binaryName, log);
  const shipped = (rel: string) => !rel.endsWith('.map') && !rel.endsWith('.d.ts');
  for (const dir of dependencyClosure(root)) {
    fs.cpSync(dir, path.join(modulesDir, path.relative(LLAMA_CPP_MODULES, dir)), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const rel = path.relative(dir, src);
        // Nested packages are copied on their own when in the closure.
        if (rel === 'node_modules' || rel.startsWith(`node_modules${path.sep}`)) return false;
        if (dir !== root) return shipped(rel);
        // bins/ and templates/ hold only pointers to the binary packages and the CLI's project templates.
        if (rel === 'bins' || rel === 'templates') return false;
        const [top, file] = rel.split(path.sep);
        return shipped(rel) && (top !== 'llama' || file === undefined || LLAMA_RUNTIME_FILES.includes(file));
      },
    });
  }
  // Windows' .lib is the addon's import library, for linking only.
  fs.cpSync(binaries, path.join(modulesDir, '@node-llama-cpp', binaryName), { recursive: true, dereference: true, filter: (src) => !src.endsWith('.lib') });
}
