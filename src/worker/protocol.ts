/**
 * The one protocol between the inference worker process and its callers (the extension host,
 * the CLI). Messages travel over Node's IPC channel as JSON. Every request carries an id; the
 * worker answers each with exactly one `response`, and may send `partial`s for it before that.
 */
import type { EngineErrorCode } from '../shared/errors';
import type { GenerateRequest, GenerateResult } from '../engine/generate';
import type { SamplingOptions } from '../engine/sampler';
import type { FimInput, FimPrompt, PromptPart } from '../prompt/fimPrompt';
import type { PromptBudget } from '../prompt/promptBudget';
import type { ModelInfo } from '../engine/loadModel';
import type { DraftWhen } from '../engine/speculation';
import type { PrecisionChoice } from '../modelFormat/precision';
import type { DeviceChoice } from '../engine/session';

//#region Client -> worker

export interface LoadParams {
  modelDir: string;
  /** A smaller model of the same family, for speculative decoding. */
  draftModelDir?: string;
  draftWhen?: DraftWhen;
  device?: DeviceChoice;
  threads?: number;
  precision?: PrecisionChoice;
  cacheDir?: string;
}

/** The loaded model, and the fill-in-the-middle format its tokenizer supports (null: none known). */
export interface LoadResult extends ModelInfo {
  fimTemplate: string | null;
}

export interface WorkerStats {
  pid: number;
  uptimeMs: number;
  rssBytes: number;
  peakRssBytes: number;
  model?: ModelInfo;
  generations: number;
}

export interface PromptParams {
  input: FimInput;
  budget: PromptBudget;
}

/** The exact prompt, for `slm prompt` and debugging. */
export interface PromptResult extends FimPrompt {
  text: string;
}

export interface CompleteParams extends PromptParams {
  maxNewTokens: number;
  /** E.g. a newline for single-line completions. */
  stopStrings?: string[];
  timeBudgetMs?: number;
  sampling?: SamplingOptions;
  speculation?: GenerateRequest['speculation'];
}

export interface CompleteResult extends GenerateResult {
  prompt: { template: string; parts: PromptPart[]; buildMs: number };
}

/** Request types, their parameters and their results. */
export interface RequestMap {
  /** Load (or replace) the model. */
  load: { params: LoadParams; result: LoadResult };
  /** Generate; text streams back as `partial` messages, the response holds the whole result. */
  generate: { params: GenerateRequest; result: GenerateResult };
  /** Build the model family's infill prompt at a cursor and generate the middle; streams like generate. */
  complete: { params: CompleteParams; result: CompleteResult };
  /** Build the infill prompt only. */
  prompt: { params: PromptParams; result: PromptResult };
  /** Stop the generation with id `target` after its current model step; it still responds, with finishReason 'cancelled'. */
  cancel: { params: { target: number }; result: { cancelled: boolean } };
  stats: { params: Record<string, never>; result: WorkerStats };
  /** Liveness check: a worker that stops answering is treated as hung and restarted. */
  ping: { params: Record<string, never>; result: { pong: true } };
  /** Release the model and exit. */
  shutdown: { params: Record<string, never>; result: { ok: true } };
}

export type RequestType = keyof RequestMap;

export type WorkerRequest = {
  [T in RequestType]: { kind: 'request'; id: number; type: T; params: RequestMap[T]['params'] };
}[RequestType];

//#endregion

//#region Worker -> client

export type WorkerErrorCode = EngineErrorCode | 'worker-exited' | 'worker-hung' | 'worker-start-failed' | 'unknown-request' | 'internal';

export interface WireError {
  code: WorkerErrorCode;
  message: string;
  file?: string;
}

export type WorkerResponse =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: WireError };

/** Text produced so far by generation `id`, sent as soon as it is final (stop strings held back). */
export interface WorkerPartial {
  kind: 'partial';
  id: number;
  text: string;
  tokenId: number;
}

/** A log line for the caller's log (provider fallbacks, load details). */
export interface WorkerLog {
  kind: 'log';
  level: 'info' | 'warn' | 'error';
  line: string;
}

/** Sent once when the worker is ready to take requests. */
export interface WorkerReady {
  kind: 'ready';
  pid: number;
}

export type WorkerMessage = WorkerResponse | WorkerPartial | WorkerLog | WorkerReady;

//#endregion
