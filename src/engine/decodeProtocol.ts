/**
 * The protocol between the worker's main thread (engine.ts: tokenizers, prompts, which role
 * uses which model) and the decode thread (decodeThread.ts: the onnxruntime sessions, the KV
 * caches and the token loop). The split keeps the decode loop's V8 heap small: each step gets
 * new buffers back from onnxruntime (logits, and the present.* rows; the whole cache before
 * graphRewrite.ts sliced them), whose garbage sets off full GCs, and with the tokenizer's ~50 MB
 * heap in the same isolate those GCs cost 25-30% of decode speed (test/bench/NOTES.md, attempt
 * 1). Every request carries an id and gets exactly one `result` or `failed`.
 */
import type { WireError } from '../shared/errors';
import type { FinishReason, ModelRole, SamplingOptions, SpeculationOptions } from '../shared/generation';
import type { ModelFolder } from '../modelFormat/modelFolder';
import type { Precision, PrecisionChoice } from '../modelFormat/precision';
import type { KvDtype } from './contract';
import type { DeviceChoice, Provider } from './session';
import type { SpeculationStats } from './speculation';

//#region Main thread -> decode thread

/** How the sessions of a model are opened; models opened with the same options and folder are one model. */
export interface SessionOptions {
  /** Default (in a load): auto. */
  device: DeviceChoice;
  /** Default: defaultThreads(). */
  threads?: number;
  /** Default (in a load): auto. */
  precision: PrecisionChoice;
  /** Where rewritten graphs are cached; default (in a load): the user's cache folder. */
  cacheDir: string;
  /** Most bytes all open models may take together; default: a second model must fit in free memory. */
  memoryLimitBytes?: number;
}

/** A generation in token ids: the text side (stop strings, streaming) stays with the caller. */
export interface DecodeRequest {
  promptIds: number[];
  maxNewTokens: number;
  /** Stop token ids, end-of-sequence included unless ignored. */
  stopTokenIds: number[];
  sampling?: SamplingOptions;
  /** What is left of the request's time budget when the decode thread receives it. */
  budgetMs?: number;
  reuseCache: boolean;
  /** With reuseCache, also move cached runs found later in the prompt to their new positions (approximate; reusePlan.ts). */
  shiftedReuse?: boolean;
  speculation?: SpeculationOptions;
}

export type ToDecodeThread =
  /**
   * Opens the sessions of model `key` from a checked folder (the graph is chosen here, per
   * provider tried); answered with SessionInfo. `as`: a draft's session does not spin.
   */
  | { kind: 'open'; id: number; key: string; folder: ModelFolder; options: SessionOptions; as: 'model' | 'draft' }
  /** Releases model `key`'s sessions and caches. */
  | { kind: 'close'; id: number; key: string }
  /** From now on `role`'s generations run on model `model`, with `draft` for speculation. */
  | { kind: 'bind'; id: number; role: ModelRole; model: string; draft?: string }
  | { kind: 'unbind'; id: number; role: ModelRole }
  /**
   * Runs a generation on `role`'s model and KV slot. `stop` is an Int32Array over a
   * SharedArrayBuffer: the caller stores 1 when it needs no more tokens (cancellation, a stop
   * string it found), and the loop reads it before every model run. Answered with DecodeEnd
   * after `prefilled` and `tokens` events.
   */
  | { kind: 'decode'; id: number; role: ModelRole; request: DecodeRequest; stop: Int32Array }
  /** Releases every session. */
  | { kind: 'dispose'; id: number };

//#endregion

//#region Decode thread -> main thread

/** An open model's sessions. */
export interface SessionInfo {
  name: string;
  dir: string;
  graphFile: string;
  precision: Precision;
  modelType: string;
  provider: Provider;
  /** Why each provider tried before `provider` was passed over. */
  skippedProviders: string[];
  threads: number;
  layers: number;
  vocab: number;
  kvDtype: KvDtype;
  /** What the load changed in the graph for speed (see graphRewrite). */
  graphChanges: string[];
  /** Bytes of graph and weights on disk. */
  bytes: number;
}

export interface DecodeEnd {
  /** Why the loop stopped: 'cancelled' when `stop` was set. */
  finishReason: FinishReason;
  speculation?: SpeculationStats;
}

export type FromDecodeThread =
  /** The prompt is in the KV cache (or the prefill was interrupted). */
  | { kind: 'prefilled'; id: number; reusedTokens: number; shiftedTokens: number; prefillMs: number }
  /** Tokens in generation order, sent before each model run; the last may be a stop token. */
  | { kind: 'tokens'; id: number; ids: number[]; speculation?: SpeculationStats }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'failed'; id: number; error: WireError };

//#endregion
