import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { providerLibraryInstalled } from '../shared/runtimePaths';
import type { Precision } from '../modelFormat/precision';
import { formatBytes } from '../downloads/download';
import { CATALOG, catalogModel, type CatalogModel } from './catalog';

export interface Hardware {
  platform: NodeJS.Platform;
  arch: string;
  memoryBytes: number;
  /** Logical cores. */
  cores: number;
  /** An NVIDIA GPU (the one kind onnxruntime-node can use here that can be detected without native code). */
  gpu?: {
    name: string;
    memoryBytes: number;
    /** Whether onnxruntime can use it now: on Linux only once the CUDA provider is installed. */
    usable: boolean;
  };
}

export type RunCommand = (file: string, args: string[]) => Promise<string>;

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 3000, windowsHide: true }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });

/** What this machine offers a model; a missing or failing nvidia-smi means no NVIDIA GPU. */
export async function probeHardware(run: RunCommand = runCommand, cudaInstalled = () => providerLibraryInstalled('cuda')): Promise<Hardware> {
  const hardware: Hardware = { platform: process.platform, arch: process.arch, memoryBytes: os.totalmem(), cores: os.availableParallelism() };
  if (process.platform === 'darwin') return hardware;
  const csv = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']).catch(() => '');
  const gpus = csv.split('\n').map((line) => line.split(',').map((f) => f.trim())).filter(([name, mib]) => name && Number(mib) > 0);
  const best = gpus.sort((a, b) => Number(b[1]) - Number(a[1]))[0];
  // DirectML (bundled on Windows) drives any GPU; on Linux CUDA needs the Install GPU Acceleration download.
  if (best) hardware.gpu = { name: best[0], memoryBytes: Number(best[1]) * 1024 * 1024, usable: process.platform === 'win32' || cudaInstalled() };
  return hardware;
}

export interface Recommendation {
  model: CatalogModel;
  precision: Precision;
  /** Worth downloading too: the catalog pairs it with the model on a GPU. */
  draft?: CatalogModel;
  why: string;
}

const GB = 1e9;

/** The precision to download a model in: fp16 activations where a GPU runs it (if published), else 4-bit for the CPU. */
export function precisionFor(model: CatalogModel, hardware: Hardware): Precision {
  return hardware.gpu?.usable && model.bytes.q4f16 ? 'q4f16' : 'q4';
}

/**
 * The model to suggest for this machine. On a CPU, latency decides: on 2 cores a 1.5B model
 * takes ~2 s per completion against ~0.8 s for 0.5B (test/bench/NOTES.md), so 1.5B needs 8+
 * cores. On an NVIDIA GPU, memory decides, and the catalog's draft comes with the model.
 */
export function recommendModel(hardware: Hardware, catalog: readonly CatalogModel[] = CATALOG): Recommendation {
  /** On the GPU: its precision, and the catalog's draft with the model; else 4-bit for the CPU. */
  const suggest = (id: string, why: string, onGpu = false): Recommendation => {
    const model = catalogModel(id, catalog) ?? catalog[0];
    const draft = onGpu && model.draft ? catalogModel(model.draft.id, catalog) : undefined;
    return { model, precision: onGpu ? precisionFor(model, hardware) : 'q4', ...(draft ? { draft } : {}), why };
  };
  const memory = formatBytes(hardware.memoryBytes);
  if (hardware.gpu?.usable) {
    const vram = `${hardware.gpu.name} with ${formatBytes(hardware.gpu.memoryBytes)}`;
    if (hardware.gpu.memoryBytes >= 10 * GB) return suggest('qwen2.5-coder-3b', `${vram}: room for the 3B model and its draft`, true);
    if (hardware.gpu.memoryBytes >= 4 * GB) return suggest('qwen2.5-coder-1.5b', `${vram}: room for the 1.5B model and its draft`, true);
  }
  const gpuNote = !hardware.gpu
    ? 'no NVIDIA GPU found'
    : hardware.gpu.usable
      ? `${hardware.gpu.name} has too little memory`
      : `${hardware.gpu.name} is not used until GPU acceleration is installed`;
  if (hardware.cores >= 8 && hardware.memoryBytes >= 16 * GB) {
    return suggest('qwen2.5-coder-1.5b', `${gpuNote}; ${hardware.cores} cores and ${memory} run the 1.5B model fast enough to type with`);
  }
  return suggest('qwen2.5-coder-0.5b', `${gpuNote}; on ${hardware.cores} cores and ${memory} the 0.5B model answers in under a second, the 1.5B in about two`);
}
