/**
 * The one module that loads node-llama-cpp (llama.cpp's kernels, for GGUF models), and only when
 * a GGUF model is loaded: ONNX-only users never pay for it. It is ESM with a binary package per
 * platform, so it is not bundled: it is looked up at run time in SLM_NODE_LLAMA_CPP (a package
 * folder) and then in the node_modules folders above this file, where the installed extension
 * has it (`dist/node_modules`, beside the bundles, with its platform's CPU binary package). It
 * never downloads or compiles llama.cpp: a platform without a prebuilt binary gets an error.
 * The interfaces below are the part of its API the GGUF engine uses (its own types are not
 * installed at build time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError, errorMessage } from '../../shared/errors';

export type Token = number;

export interface TokenPredictor {
  reset(params: { targetSequence: LlamaSequence; stateTokens: Token[]; evaluateOptions: Readonly<EvaluateOptions> }): Promise<void> | void;
  pushTokens(tokens: Token[]): void;
  predictTokens(): Promise<Token[]> | Token[];
  stop(untilPredictionsExhausted?: boolean): Promise<void> | void;
  updateInputTokens(tokens: Token[]): void;
  dispose(): Promise<void> | void;
}

export interface EvaluateOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  seed?: number;
  yieldEogToken?: boolean;
  evaluationPriority?: 1 | 2 | 3 | 4 | 5;
}

export interface LlamaSequence {
  readonly contextTokens: Token[];
  readonly nextTokenIndex: number;
  readonly tokenPredictions: { used: number; unused: number; validated: number; refuted: number };
  compareContextTokens(tokens: Token[]): { firstDifferentIndex: number };
  eraseContextTokenRanges(ranges: { start: number; end: number }[]): Promise<void>;
  clearHistory(): Promise<void>;
  evaluate(tokens: Token[], options?: EvaluateOptions): AsyncGenerator<Token, void, void>;
  dispose(): Promise<void> | void;
}

export interface LlamaContext {
  readonly contextSize: number;
  getSequence(options?: { tokenPredictor?: TokenPredictor }): LlamaSequence;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly gpuLayers: number;
  readonly size: number;
  readonly trainContextSize: number;
  readonly tokens: { readonly eos: Token | null; readonly eot: Token | null };
  readonly fileInfo: { metadata: GgufMetadata };
  tokenize(text: string, specialTokens?: boolean): Token[];
  detokenize(tokens: readonly Token[], specialTokens?: boolean): string;
  createContext(options: { contextSize: number; batchSize: number; threads: number; sequences: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}

export interface GgufMetadata {
  general?: { name?: string; architecture?: string; file_type?: number };
  tokenizer?: { chat_template?: string; ggml?: { tokens?: unknown[]; bos_token_id?: number; eos_token_id?: number } };
  [architecture: string]: unknown;
}

export type LlamaGpu = false | 'cuda' | 'vulkan' | 'metal';

export interface Llama {
  readonly gpu: LlamaGpu;
  readonly systemInfo: string;
  loadModel(options: { modelPath: string; gpuLayers?: number | 'auto'; useMmap?: boolean }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface LlamaCppModule {
  getLlama(options: { gpu: 'auto' | LlamaGpu; build: 'never'; skipDownload: true; usePrebuiltBinaries: true; logLevel: 'error' | 'warn'; progressLogs?: boolean }): Promise<Llama>;
  /** What getLlama throws when no prebuilt binary fits and it may not build one. */
  NoBinaryFoundError: abstract new () => Error;
  /** The base class of token predictors (speculative decoding). */
  TokenPredictor: abstract new () => TokenPredictor;
  DraftSequenceTokenPredictor: new (draft: LlamaSequence, options?: { minTokens?: number; maxTokens?: number; minConfidence?: number }) => TokenPredictor;
}

/** Environment variable naming a node-llama-cpp package folder to use instead of the installed one. */
export const NODE_LLAMA_CPP_ENV = 'SLM_NODE_LLAMA_CPP';

/** Package folders to try, the override first. */
function candidates(): string[] {
  const found: string[] = [];
  if (process.env[NODE_LLAMA_CPP_ENV]) found.push(process.env[NODE_LLAMA_CPP_ENV]!);
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    found.push(path.join(dir, 'node_modules', 'node-llama-cpp'));
    if (path.dirname(dir) === dir) return found;
  }
}

// A plain import() would become require() in this CommonJS bundle (esbuild, tsx); node-llama-cpp is ESM only.
const dynamicImport = new Function('u', 'return import(u)') as (u: string) => Promise<unknown>;

let loading: Promise<LlamaCppModule> | undefined;
let loadedFrom = '';

/** node-llama-cpp, imported once per process. */
export function loadLlamaCpp(): Promise<LlamaCppModule> {
  return (loading ??= importFirstFound().catch((err) => {
    loading = undefined;
    throw err;
  }));
}

/** The first of `dirs` that holds a package, or an error that says what to do. */
export function findLlamaCppPackage(dirs: readonly string[]): string {
  const dir = dirs.find((d) => fs.existsSync(path.join(d, 'package.json')));
  if (dir) return dir;
  throw new EngineError(
    'provider-unavailable',
    `GGUF models run on llama.cpp through the node-llama-cpp package, which this installation lacks (looked in ${dirs.slice(0, 3).join(', ')}${dirs.length > 3 ? ', ...' : ''}). ` +
      `Install the extension build for your platform, set ${NODE_LLAMA_CPP_ENV} to a node-llama-cpp folder, or choose an ONNX model folder.`,
  );
}

async function importFirstFound(): Promise<LlamaCppModule> {
  const dir = findLlamaCppPackage(candidates());
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: string } | string }; main?: string };
  const exp = pkg.exports?.['.'];
  const entry = (typeof exp === 'string' ? exp : exp?.import) ?? pkg.main ?? 'dist/index.js';
  try {
    const module = (await dynamicImport(pathToFileURL(path.join(dir, entry)).href)) as LlamaCppModule;
    loadedFrom = dir;
    return module;
  } catch (err) {
    throw new EngineError('provider-unavailable', `node-llama-cpp in ${dir} could not be loaded (${errorMessage(err)}). Reinstall the extension for your platform.`, dir);
  }
}

/**
 * llama.cpp from the prebuilt binaries beside node-llama-cpp, never built from source or
 * downloaded (its defaults would try both when no binary fits: minutes of compiling, or the
 * network, at run time). `gpu`: 'auto' tries its GPU builds that are installed, then the CPU.
 */
export async function startLlama(llamaCpp: LlamaCppModule, gpu: 'auto' | LlamaGpu): Promise<Llama> {
  try {
    return await llamaCpp.getLlama({ gpu, build: 'never', skipDownload: true, usePrebuiltBinaries: true, logLevel: 'error', progressLogs: false });
  } catch (err) {
    if (!(err instanceof llamaCpp.NoBinaryFoundError)) throw err;
    const platform = `${process.platform}-${process.arch}`;
    const where = `in ${loadedFrom || 'node-llama-cpp'}, and llama.cpp is never compiled or downloaded here`;
    throw new EngineError(
      'provider-unavailable',
      gpu === 'auto' || gpu === false
        ? `llama.cpp has no prebuilt build for ${platform} ${where}. Install the extension build for ${platform}, or choose an ONNX model folder.`
        : `llama.cpp has no prebuilt ${gpu} build for ${platform} ${where}: the extension ships its CPU build. Set slm.device (the CLI's --device) to auto or cpu.`,
    );
  }
}
