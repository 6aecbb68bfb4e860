/**
 * The protocol between the thread that holds the tokenizer (LoadedModel) and the decode thread
 * (decodeThread.ts), which holds the onnxruntime sessions and runs the token loop. The split
 * keeps the decode loop's V8 heap small: each step gets ~12 MB of present.* buffers back from
 * onnxruntime, which sets off a full GC every few tokens, and with the tokenizer's ~50 MB heap
 * in the same isolate those GCs cost 25-30% of decode speed (test/bench/NOTES.md, attempt 1).
 * Every request carries an id and gets exactly one `result` or `failed`.
 */
import type { EngineErrorCode } from '../shared/errors';
import type { FinishReason } from './generate';
import type { ModelInfo } from './loadModel';
import type { PrecisionChoice } from '../modelFormat/precision';
import type { SamplingOptions } from './sampler';
import type { DeviceChoice } from './session';
import type { DraftWhen, SpeculationStats } from './speculation';

//#region Main thread -> decode thread

export interface SessionLoadOptions {
  modelDir: string;
  draftModelDir?: string;
  draftWhen?: DraftWhen;
  device: DeviceChoice;
  /** Default: defaultThreads(). */
  threads?: number;
  precision: PrecisionChoice;
  cacheDir: string;
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
  speculation?: { promptLookup?: boolean; draftModel?: boolean; fixedDraftTokens?: number };
}

export type ToDecodeThread =
  /** Opens the sessions of the model (and draft model); answered with LoadedSessions. */
  | { kind: 'load'; id: number; options: SessionLoadOptions }
  /**
   * Runs a generation. `stop` is an Int32Array over a SharedArrayBuffer: the caller stores 1
   * when it needs no more tokens (cancellation, a stop string it found), and the loop reads it
   * before every model run. Answered with DecodeEnd after `prefilled` and `tokens` events.
   */
  | { kind: 'decode'; id: number; request: DecodeRequest; stop: Int32Array }
  /** Releases the sessions. */
  | { kind: 'dispose'; id: number };

//#endregion

//#region Decode thread -> main thread

export type SessionInfo = Omit<ModelInfo, 'loadMs' | 'draft' | 'draftSkipped'>;

export interface LoadedSessions {
  target: SessionInfo;
  draft?: SessionInfo;
  /** Why a draft model given with `draftWhen: 'gpu'` was not loaded. */
  draftSkipped?: string;
}

export interface DecodeEnd {
  /** Why the loop stopped: 'cancelled' when `stop` was set. */
  finishReason: FinishReason;
  speculation?: SpeculationStats;
}

export interface WireEngineError {
  code: EngineErrorCode;
  message: string;
  file?: string;
}

export type FromDecodeThread =
  /** The prompt is in the KV cache (or the prefill was interrupted). */
  | { kind: 'prefilled'; id: number; reusedTokens: number; prefillMs: number }
  /** Tokens in generation order, sent before each model run; the last may be a stop token. */
  | { kind: 'tokens'; id: number; ids: number[]; speculation?: SpeculationStats }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'failed'; id: number; error: WireEngineError };

//#endregion
