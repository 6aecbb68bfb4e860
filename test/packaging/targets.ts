/**
 * The platforms a VSIX is built for (`vsce package --target`), and where onnxruntime-node keeps
 * each one's native binaries: the package ships them all (~290 MB), a VSIX carries only its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Target {
  /** vsce's target name, e.g. `linux-x64`. */
  id: string;
  platform: NodeJS.Platform;
  arch: string;
}

export const TARGETS: readonly Target[] = [
  { id: 'linux-x64', platform: 'linux', arch: 'x64' },
  { id: 'linux-arm64', platform: 'linux', arch: 'arm64' },
  { id: 'darwin-arm64', platform: 'darwin', arch: 'arm64' },
  { id: 'darwin-x64', platform: 'darwin', arch: 'x64' },
  { id: 'win32-x64', platform: 'win32', arch: 'x64' },
  { id: 'win32-arm64', platform: 'win32', arch: 'arm64' },
];

export function hostTarget(): Target {
  const target = TARGETS.find((t) => t.platform === process.platform && t.arch === process.arch);
  if (!target) throw new Error(`no VSIX target for ${process.platform}-${process.arch}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return target;
}

export function targetById(id: string): Target {
  const target = TARGETS.find((t) => t.id === id);
  if (!target) throw new Error(`unknown target "${id}"; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return target;
}

/** `bin/napi-v6/<platform>/<arch>` inside onnxruntime-node (the N-API version its binding.js loads). */
export function onnxruntimeBinDir(target: Target): string {
  return path.join('bin', 'napi-v6', target.platform, target.arch);
}

/**
 * Why a target cannot be built from this checkout's onnxruntime-node, or undefined when it can.
 * onnxruntime-node 1.24 and later ship no macOS x64 binaries (ONNX Runtime dropped Intel Macs).
 */
export function missingBinaries(onnxruntimeNodeDir: string, target: Target): string | undefined {
  const dir = path.join(onnxruntimeNodeDir, onnxruntimeBinDir(target));
  if (fs.existsSync(path.join(dir, 'onnxruntime_binding.node'))) return undefined;
  const version = (JSON.parse(fs.readFileSync(path.join(onnxruntimeNodeDir, 'package.json'), 'utf8')) as { version: string }).version;
  return `onnxruntime-node ${version} ships no ${target.platform}/${target.arch} binaries (${path.join('node_modules', 'onnxruntime-node', onnxruntimeBinDir(target))} is missing)`;
}
