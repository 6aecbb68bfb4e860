/**
 * koffi (the C FFI the engine calls glibc's malloc_trim through, src/engine/heapTrim.ts) for a
 * Linux VSIX: its JavaScript and the target's binary package. Other platforms' VSIXes carry
 * none: their C libraries have no malloc_trim, and heapTrim does nothing there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DEPS, unpackedPackage, versionAt } from '../support/registryPackage';
import type { Target } from './targets';

/** Fills `modulesDir` (the staged `dist/node_modules`) with koffi for a Linux `target`; nothing for others. */
export function stageKoffi(runtime: string, modulesDir: string, target: Target, log?: (line: string) => void): void {
  if (target.platform !== 'linux') return;
  const koffi = path.join(runtime, 'koffi');
  const version = versionAt(koffi);
  const name = `koffi-${target.platform}-${target.arch}`;
  const installed = path.join(runtime, '@koromix', name);
  const binaries = versionAt(installed) === version ? installed : unpackedPackage(`@koromix/${name}`, version, path.join(BENCH_DEPS, `koffi-${version}-binaries`, name), log);
  // The loader scripts only: not its C++ sources, vendored headers, docs or build script (cnoke.cjs).
  const dirs = ['', 'src', path.join('src', 'koffi'), path.join('src', 'koffi', 'src')];
  const shipped = (rel: string) => dirs.includes(rel) || rel === 'package.json' || rel === 'LICENSE.txt' || (dirs.includes(path.dirname(rel) === '.' ? '' : path.dirname(rel)) && /\.c?js$/.test(rel) && rel !== 'cnoke.cjs');
  fs.cpSync(koffi, path.join(modulesDir, 'koffi'), { recursive: true, dereference: true, filter: (src) => shipped(path.relative(koffi, src)) });
  fs.cpSync(binaries, path.join(modulesDir, '@koromix', name), { recursive: true, dereference: true });
}
