import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder of onnxruntime-node's native binding for this platform. Execution-provider
 * libraries (CUDA) are loaded from beside it, which is where its installer, and ours, put them.
 * Resolving the path does not load onnxruntime, so the extension host may call it.
 */
export function onnxruntimeBindingDir(platform = process.platform, arch = process.arch): string {
  return path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', platform, arch);
}

/** The onnxruntime-node version, which GPU provider libraries must match. */
export function onnxruntimeVersion(): string {
  return (require(path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'package.json')) as { version: string }).version;
}

export function providerLibraryName(name: string, platform = process.platform): string {
  return platform === 'win32' ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
}

/** Whether a provider's library (CUDA on Linux) sits beside the binding, where onnxruntime loads it from. */
export function providerLibraryInstalled(name: string): boolean {
  return fs.existsSync(path.join(onnxruntimeBindingDir(), providerLibraryName(name)));
}
