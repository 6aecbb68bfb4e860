/**
 * The only module that imports onnxruntime-node: session creation with execution-provider
 * fallback, and the tensor type the rest of the engine passes around.
 */
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { EngineError, errorMessage } from '../shared/errors';
import { providerLibraryInstalled } from '../shared/runtimePaths';

export type Tensor = ort.Tensor;
export type TensorMetadata = ort.InferenceSession.ValueMetadata;
export const Tensor = ort.Tensor;

/** `auto` tries this platform's GPU providers one at a time, then the CPU. */
export type DeviceChoice = 'auto' | 'cpu' | 'gpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';
/** Where a model runs: onnxruntime's execution providers, and llama.cpp's GPU back ends for GGUF models ('cuda' too). */
export type Provider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'vulkan' | 'metal';

const GPU_PROVIDERS: Provider[] = ['cuda', 'dml', 'coreml', 'webgpu'];

/** What a session is opened from, prepared for the kind of device about to be tried. */
export interface SessionSource {
  model: string | Uint8Array;
  threads: number;
  /** Extra `session.*` config entries (onnxruntime_session_options_config_keys.h). */
  sessionConfig?: Record<string, string>;
  /** The graph's file, named in errors when `model` is a rewritten graph in memory. */
  label: string;
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: Provider;
  /** Why each provider tried before `provider` was skipped. */
  skipped: string[];
}

/**
 * Intra-op threads: physical cores matter (FACTS.md: 1 thread 19.9 tok/s, 2 threads 31 tok/s
 * on a 2-core machine). Machines with more than 4 logical CPUs usually have 2 threads per core,
 * and past ~8 threads decode is bandwidth-bound and extra threads only steal from the editor.
 */
export function defaultThreads(): number {
  const logical = os.availableParallelism();
  return Math.max(1, Math.min(8, logical <= 4 ? logical : Math.floor(logical / 2)));
}

// Warnings from providers being probed (a missing Vulkan loader, say) are not the user's concern.
ort.env.logLevel = 'error';

/**
 * GPU providers this platform's onnxruntime-node can use. CUDA is listed on linux-x64 but not
 * bundled: its libraries exist only after the "Install GPU Acceleration" command (or
 * `node node_modules/onnxruntime-node/script/install.js --onnxruntime-node-install=cuda12`), so without them it is not
 * tried, and `notInstalled` says so.
 */
export function availableGpuProviders(): { usable: Provider[]; notInstalled: Provider[] } {
  const backends = ort.listSupportedBackends?.() ?? [];
  const listed = GPU_PROVIDERS.filter((p) => backends.some((b) => b.name === p));
  const installed = (p: Provider) => backends.some((b) => b.name === p && b.bundled) || providerLibraryInstalled(p);
  return { usable: listed.filter(installed), notInstalled: listed.filter((p) => !installed(p)) };
}

function candidates(device: DeviceChoice): Provider[] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'auto':
      return [...availableGpuProviders().usable, 'cpu'];
    case 'gpu': {
      const gpus = availableGpuProviders().usable;
      if (gpus.length === 0) {
        throw new EngineError('provider-unavailable', `No GPU execution provider is available in onnxruntime-node on ${process.platform}-${process.arch}. Set the device to "auto" or "cpu".`);
      }
      return gpus;
    }
    default:
      return [device];
  }
}

/**
 * Creates the session on the first provider of `device` that works. `prepare` picks and
 * prepares the graph for a kind of device (a GPU prefers fp16 activations, a CPU 4-bit weights),
 * once per kind. Passing several providers to onnxruntime-node at once throws when the first is
 * unavailable instead of falling back (FACTS.md), so each is tried on its own.
 */
export async function openSessionOnFirstProvider<S extends SessionSource>(
  device: DeviceChoice,
  prepare: (kind: 'cpu' | 'gpu') => Promise<S>,
): Promise<OpenedSession & { prepared: S }> {
  const skipped: string[] = device === 'auto' || device === 'gpu' ? availableGpuProviders().notInstalled.map((p) => `${p}: not installed (run "Local Completion: Install GPU Acceleration")`) : [];
  const list = candidates(device);
  const sources = new Map<'cpu' | 'gpu', Promise<S>>();
  for (const provider of list) {
    const kind = provider === 'cpu' ? 'cpu' : 'gpu';
    if (!sources.has(kind)) sources.set(kind, prepare(kind));
    const source = await sources.get(kind)!;
    try {
      const session = await ort.InferenceSession.create(source.model as string, {
        executionProviders: [provider],
        intraOpNumThreads: source.threads,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        extra: {
          session: {
            // Spinning threads between ops: FACTS.md measured -10% decode speed without it.
            'intra_op.allow_spinning': '1',
            ...stripPrefix(source.sessionConfig ?? {}),
          },
        },
      });
      return { session, provider, skipped, prepared: source };
    } catch (err) {
      const reason = `${provider}: ${firstLine(errorMessage(err))}`;
      if (list.length === 1 || provider === 'cpu') throw classifyLoadError(err, source.label, provider);
      skipped.push(reason);
    }
  }
  throw new EngineError('provider-unavailable', `No execution provider could load the model: ${skipped.join('; ')}`);
}

function stripPrefix(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k.replace(/^session\./, ''), v]));
}

/** The useful part of onnxruntime's message: no source paths, one line. */
function firstLine(s: string): string {
  if (s.includes('Failed to get a WebGPU adapter')) return 'no WebGPU adapter (no usable GPU or driver)';
  return s.split('\n')[0].replace(/\S*onnxruntime_src\S*:\d+\s+(\S+\s+)?/g, '').slice(0, 300);
}

/** Maps onnxruntime's load failures to typed errors that name the file. */
function classifyLoadError(err: unknown, file: string, provider: Provider): EngineError {
  const msg = errorMessage(err);
  if (provider !== 'cpu' && !/protobuf|external|load model/i.test(msg)) {
    return new EngineError('provider-unavailable', `The ${provider} execution provider could not load ${file}: ${firstLine(msg)}. Set the device to "auto" or "cpu".`, file);
  }
  if (/external data|onnx_data|GetExternalDataInfo|No such file/i.test(msg)) {
    return new EngineError('external-data-missing', `The weights of ${file} could not be read: ${firstLine(msg)}. Re-download the model's .onnx_data files.`, file);
  }
  if (/protobuf|parsing|Load model|invalid|corrupt/i.test(msg)) {
    return new EngineError('graph-invalid', `${file} is not a loadable ONNX graph (${firstLine(msg)}). It may be truncated: re-download it.`, file);
  }
  return new EngineError('graph-invalid', `${file} could not be loaded: ${firstLine(msg)}`, file);
}
