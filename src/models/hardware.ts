import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { providerLibraryInstalled } from '../shared/runtimePaths';
import { precisionOrder, type Precision } from '../modelFormat/precision';
import { formatBytes } from '../downloads/download';
import { CATALOG, catalogModel, type CatalogModel } from './catalog';
import { KV_BUDGET_BYTES, RESIDENT_OVER_FILES } from '../shared/memoryBudget';

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

/** What this machine offers a model without asking nvidia-smi: memory and cores, no GPU. */
export function cpuHardware(): Hardware {
  return { platform: process.platform, arch: process.arch, memoryBytes: os.totalmem(), cores: os.availableParallelism() };
}

/** What this machine offers a model; a missing or failing nvidia-smi means no NVIDIA GPU. */
export async function probeHardware(run: RunCommand = runCommand, cudaInstalled = () => providerLibraryInstalled('cuda')): Promise<Hardware> {
  const hardware = cpuHardware();
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

/**
 * The precision to download a model in: fp16 activations where a GPU runs it (if published), else
 * the CPU's best that is published (4-bit first; the GGUF base 1.5B comes only in Q8_0; Phi-3.5
 * only as q4f16, which then runs slowly on a CPU).
 */
export function precisionFor(model: CatalogModel, hardware: Hardware): Precision {
  if (hardware.gpu?.usable && model.bytes.q4f16) return 'q4f16';
  return precisionOrder('auto', 'cpu').find((p) => model.bytes[p]) ?? 'q4';
}

/** Memory a model takes once loaded: its files plus the runtime's buffers. */
export function memoryNeeded(model: CatalogModel, precision: Precision): number {
  return (model.bytes[precision] ?? 0) * RESIDENT_OVER_FILES;
}

/** The GPU the suggestions run on: a usable one with room for the 1.5B model and its draft (4 GB); else the CPU rules apply. */
function suggestionGpu(hardware: Hardware): Hardware['gpu'] {
  return hardware.gpu?.usable && hardware.gpu.memoryBytes >= 4 * GB ? hardware.gpu : undefined;
}

/** The precision a suggested model runs in: the GPU's where the suggestion runs on it, else the CPU's. */
function suggestionPrecision(model: CatalogModel, hardware: Hardware): Precision {
  return precisionFor(model, suggestionGpu(hardware) ? hardware : { ...hardware, gpu: undefined });
}

/**
 * The model to suggest for this machine. On a CPU, latency decides: on 2 cores a 1.5B model
 * takes ~2 s per completion against ~0.8 s for 0.5B (test/bench/NOTES.md), so 1.5B needs 8+
 * cores. On an NVIDIA GPU, memory decides, and the catalog's draft comes with the model.
 */
export function recommendModel(hardware: Hardware, catalog: readonly CatalogModel[] = CATALOG): Recommendation {
  const gpu = suggestionGpu(hardware);
  /** In its precision, with the catalog's draft where it runs on the GPU. */
  const suggest = (id: string, why: string): Recommendation => {
    const model = catalogModel(id, catalog) ?? catalog[0];
    const draft = gpu && model.draft ? catalogModel(model.draft.id, catalog) : undefined;
    return { model, precision: suggestionPrecision(model, hardware), ...(draft ? { draft } : {}), why };
  };
  const memory = formatBytes(hardware.memoryBytes);
  if (gpu) {
    const vram = `${gpu.name} with ${formatBytes(gpu.memoryBytes)}`;
    if (gpu.memoryBytes >= 10 * GB) return suggest('qwen2.5-coder-3b', `${vram}: room for the 3B model and its draft`);
    return suggest('qwen2.5-coder-1.5b', `${vram}: room for the 1.5B model and its draft`);
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

/**
 * The chat model (Explain, Refactor) to suggest beside a completion model, by default the one
 * suggested: the completion model itself when it can chat, since one copy of the weights then
 * serves both roles. Otherwise the largest Instruct build no larger than it (the completion model
 * is what this hardware was sized for: a larger one answers slower) that fits beside it and its
 * draft, with the KV cache: in the GPU's memory, or on a CPU in half the RAM (the picker's size
 * warning); the smallest when none does.
 */
export function recommendChatModel(hardware: Hardware, completion?: CatalogModel, catalog: readonly CatalogModel[] = CATALOG): Recommendation {
  const gpu = suggestionGpu(hardware);
  const model = completion ?? recommendModel(hardware, catalog).model;
  if (model.roles.includes('chat')) {
    return { model, precision: suggestionPrecision(model, hardware), why: `${model.label} chats too: one copy of its weights serves completions, Explain and Refactor` };
  }
  const draft = gpu && model.draft ? catalogModel(model.draft.id, catalog) : undefined;
  // A folder that serves two roles (the draft that chats too) is opened once by the worker.
  const needed = (chat: CatalogModel) =>
    [...new Set([model, draft, chat])].reduce((sum, m) => sum + (m ? memoryNeeded(m, suggestionPrecision(m, hardware)) : 0), KV_BUDGET_BYTES);
  const room = gpu ? gpu.memoryBytes : hardware.memoryBytes / 2;
  // Beside a GGUF model, a GGUF build: one runtime in the worker rather than two.
  const offered = (m: CatalogModel) => m.roles.includes('chat') && (model.format === 'gguf' ? m.format === 'gguf' : m.suggest !== false);
  const chatModels = catalog.filter(offered).sort((a, b) => b.billions - a.billions);
  const chat = chatModels.find((m) => m.billions <= model.billions && needed(m) <= room) ?? chatModels.at(-1) ?? catalog[0];
  const where = gpu ? `the ${formatBytes(gpu.memoryBytes)} of ${gpu.name}` : `half of this machine's ${formatBytes(hardware.memoryBytes)}`;
  const fits = chat === draft ? 'is its draft and chats too, in no more memory' : `fits beside it${draft ? ' and its draft' : ''} in ${where}`;
  return {
    model: chat,
    precision: suggestionPrecision(chat, hardware),
    why: `${model.label} has no chat template; ${chat.label} ${fits} (about ${formatBytes(needed(chat))} with the KV cache)`,
  };
}
