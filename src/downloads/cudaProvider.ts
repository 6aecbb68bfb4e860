import * as fs from 'node:fs';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import { downloadFile, type DownloadProgress } from './download';
import { resolveNugetPackage } from './nugetPackage';

/** What onnxruntime-node's installer fetches on linux-x64 (its script/install-metadata.js). */
export const CUDA_PACKAGE = 'Microsoft.ML.OnnxRuntime.Gpu.Linux';
export const NUGET_INDEX = 'https://api.nuget.org/v3/index.json';
export const CUDA_LIBRARIES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_tensorrt.so'];
const IN_PACKAGE = 'runtimes/linux-x64/native/';

/** Why this platform has no CUDA download, or undefined when it has one. */
export function cudaUnsupportedReason(platform = process.platform, arch = process.arch): string | undefined {
  if (platform === 'win32') return 'On Windows the GPU runs through DirectML, which is built in: set the device to "auto" or "gpu".';
  if (platform === 'darwin') return 'On macOS the GPU runs through CoreML, which is built in: set the device to "auto" or "gpu".';
  if (platform !== 'linux' || arch !== 'x64') return `onnxruntime publishes no CUDA provider for ${platform}-${arch}; completions run on the CPU.`;
  return undefined;
}

export interface CudaInstallOptions {
  /** The extension's storage: the verified package and its libraries are kept there. */
  storageDir: string;
  /** onnxruntime-node's binding folder, where onnxruntime looks for provider libraries. */
  bindingDir: string;
  /** Must match onnxruntime-node's version. */
  version: string;
  nugetIndex?: string;
  signal?: AbortSignal;
  onProgress?(step: 'resolve' | 'download' | 'extract' | 'install', progress?: DownloadProgress): void;
}

/**
 * Installs onnxruntime's CUDA execution provider for linux-x64: the same NuGet package its own
 * installer downloads, verified against the SHA-512 the feed publishes, unpacked into the
 * extension's storage, then copied beside the binding. Each file lands whole or not at all.
 */
export async function installCudaProvider(options: CudaInstallOptions): Promise<string[]> {
  const reason = cudaUnsupportedReason();
  if (reason) throw new Error(reason);
  options.onProgress?.('resolve');
  const pkg = await resolveNugetPackage(options.nugetIndex ?? NUGET_INDEX, CUDA_PACKAGE, options.version, options.signal);
  const versionDir = path.join(options.storageDir, 'cuda', options.version);
  const nupkg = path.join(versionDir, `${CUDA_PACKAGE.toLowerCase()}.${options.version}.nupkg`);
  await downloadFile(pkg.url, nupkg, {
    signal: options.signal,
    digest: { algorithm: 'sha512', base64: pkg.sha512Base64 },
    onProgress: (p) => options.onProgress?.('download', p),
  });

  options.onProgress?.('extract');
  const zip = new AdmZip(nupkg);
  const libs = path.join(versionDir, 'lib');
  const staging = `${libs}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const name of CUDA_LIBRARIES) {
    const entry = zip.getEntry(IN_PACKAGE + name);
    if (!entry) throw new Error(`${pkg.url} lacks ${IN_PACKAGE + name}`);
    fs.writeFileSync(path.join(staging, name), entry.getData());
  }
  fs.rmSync(libs, { recursive: true, force: true });
  fs.renameSync(staging, libs);
  fs.rmSync(nupkg); // the libraries are what is kept

  options.onProgress?.('install');
  const installed: string[] = [];
  for (const name of CUDA_LIBRARIES) {
    const target = path.join(options.bindingDir, name);
    const temp = `${target}.partial-${process.pid}`;
    fs.copyFileSync(path.join(libs, name), temp);
    fs.renameSync(temp, target);
    installed.push(target);
  }
  return installed;
}
