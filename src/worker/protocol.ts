/**
 * The one protocol between the inference worker process and its callers (the extension host,
 * the CLI). Messages travel over Node's IPC channel as JSON. Every request carries an id; the
 * worker answers each with exactly one `response`, and may send `partial`s for it before that.
 */
import type { WireError } from '../shared/errors';
import type { ChatMessage, ModelRole, SamplingOptions, SpeculationOptions, SuffixReuse } from '../shared/generation';
import type { LoadParams, ModelInfo } from '../engine/engine';
import type { GenerateRequest, GenerateResult } from '../engine/generate';
import type { FimInput, FimPrompt, PromptPart } from '../prompt/fimPrompt';
import type { PromptBudget } from '../prompt/promptBudget';
import type { FimOrderSetting } from '../prompt/fimTemplates';

export type { GenerateRequest, GenerateResult, LoadParams, ModelInfo };

//#region Client -> worker

/** The role's model, what it can do, and the fill-in-the-middle format its tokenizer supports (null: none known). */
export interface LoadResult extends ModelInfo {
  role: ModelRole;
  fimTemplate: string | null;
  /** It has a chat template. */
  canChat: boolean;
}

export interface WorkerStats {
  pid: number;
  uptimeMs: number;
  rssBytes: number;
  peakRssBytes: number;
  models: ModelInfo[];
  generations: number;
}

export interface PromptParams {
  input: FimInput;
  budget: PromptBudget;
  /** slm.fimOrder (default auto = PSM); SPM for a family without it falls back to PSM, logged once. */
  fimOrder?: FimOrderSetting;
}

/** The exact prompt, for `slm prompt` and debugging. */
export interface PromptResult extends FimPrompt {
  text: string;
}

/** What a completion or a chat answer may generate, and how. */
export interface GenerationLimits {
  maxNewTokens: number;
  /** E.g. a newline for single-line completions. */
  stopStrings?: string[];
  timeBudgetMs?: number;
  sampling?: SamplingOptions;
  speculation?: SpeculationOptions;
}

export interface CompleteParams extends PromptParams, GenerationLimits {
  suffixReuse?: SuffixReuse;
}

export interface CompleteResult extends GenerateResult {
  prompt: { template: string; order: FimPrompt['order']; parts: PromptPart[]; buildMs: number };
}

export interface ChatParams extends GenerationLimits {
  messages: ChatMessage[];
  /** The start of the assistant's answer, written for it (plain text, after the template's assistant header). */
  prefill?: string;
}

/** A rendered chat prompt, for `slm explain --prompt-only` and debugging. */
export interface ChatPromptResult {
  text: string;
  tokens: number;
}

export interface ChatResult extends GenerateResult {
  prompt: { tokens: number; buildMs: number };
}

/** Request types, their parameters and their results. */
export interface RequestMap {
  /** Load (or replace) the model of a role; a folder another role has loaded is shared. */
  load: { params: LoadParams; result: LoadResult };
  /** Release a role's model (kept while another role uses it). */
  unload: { params: { role: ModelRole }; result: { ok: true } };
  /** Generate on a role's model (default: completion); text streams back as `partial` messages, the response holds the whole result. */
  generate: { params: GenerateRequest & { role?: ModelRole }; result: GenerateResult };
  /** Build the completion model family's infill prompt at a cursor and generate the middle; streams like generate. */
  complete: { params: CompleteParams; result: CompleteResult };
  /** Render the messages with the chat model's template and generate the answer; streams like generate. */
  chat: { params: ChatParams; result: ChatResult };
  /** Build the infill prompt only. */
  prompt: { params: PromptParams; result: PromptResult };
  /** Render the chat prompt only (the chat model's template). */
  chatPrompt: { params: Pick<ChatParams, 'messages' | 'prefill'>; result: ChatPromptResult };
  /** Stop the generation with id `target` after its current model step; it still responds, with finishReason 'cancelled'. */
  cancel: { params: { target: number }; result: { cancelled: boolean } };
  stats: { params: Record<string, never>; result: WorkerStats };
  /** Liveness check: a worker that stops answering is treated as hung and restarted. */
  ping: { params: Record<string, never>; result: { pong: true } };
  /** Release the models and exit. */
  shutdown: { params: Record<string, never>; result: { ok: true } };
}

export type RequestType = keyof RequestMap;

export type WorkerRequest = {
  [T in RequestType]: { kind: 'request'; id: number; type: T; params: RequestMap[T]['params'] };
}[RequestType];

//#endregion

//#region Worker -> client

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
