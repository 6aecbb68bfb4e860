/**
 * The seam between what the editor needs (completions, chat answers, a status) and the engine
 * that answers them: the local worker (backend/local/) or, later, an inference server. Nothing
 * above this file knows which one runs, nor any engine's own result types.
 */
import type { ChatMessage, FinishReason, SamplingOptions, SpeculationOptions, SuffixReuse } from '../shared/generation';
import type { Subscription } from '../shared/emitter';
import type { FimInput } from '../prompt/fimPrompt';
import type { FimOrderSetting } from '../prompt/fimTemplates';
import type { PromptBudget } from '../prompt/promptBudget';

/** What a request is for: inline completion, or a chat answer (explain, refactor). */
export type BackendRole = 'completion' | 'chat';

/** How one role of the backend is doing, ready to show. */
export type BackendState =
  /** Nothing asked of it yet, or a model loading. */
  | { kind: 'starting'; detail: string }
  /** Its model was released to free memory; the next request loads it again. */
  | { kind: 'unloaded'; detail: string }
  | { kind: 'ready'; name: string; detail: string }
  /** No model is installed yet: the user has to choose and download one. */
  | { kind: 'noModel'; detail: string }
  | { kind: 'error'; message: string };

export interface BackendCapabilities {
  /** Fill-in-the-middle completion. */
  infill: boolean;
  /** Chat answers (the model has a chat format). */
  chat: boolean;
  /** Prompt budgets are met in exact tokens (a tokenizer is at hand), not estimated from characters. */
  exactTokenBudgets: boolean;
  /** Speculative decoding (prompt lookup, a draft model). */
  speculation: boolean;
}

/** What generation may produce, and how. */
export interface GenerationOptions {
  maxNewTokens: number;
  /** E.g. a newline for single-line completions. */
  stopStrings?: string[];
  /** Wall-clock budget for the whole request. */
  timeBudgetMs?: number;
  sampling?: SamplingOptions;
  speculation?: SpeculationOptions;
}

export interface InfillRequest extends GenerationOptions {
  input: FimInput;
  budget: PromptBudget;
  /** What a warm request keeps of the cached suffix (the local engine; a server keeps its own cache). */
  suffixReuse?: SuffixReuse;
  /** slm.fimOrder; SPM only where the family was trained with it (a backend that writes no prompt itself keeps its own order). */
  fimOrder?: FimOrderSetting;
}

export interface ChatRequest extends GenerationOptions {
  messages: ChatMessage[];
  /** The start of the assistant's answer, written for it (an opening code fence); the result holds what follows. */
  prefill?: string;
}

export interface StreamOptions {
  /**
   * Stops generation within a step; the request then resolves with the text so far and
   * finishReason 'cancelled', or rejects. The completion pipeline aborts it itself once a
   * multi-line completion is decided on the stream (completion/streamCut.ts), so a backend that
   * streams and stops promptly saves the tokens past the cut.
   */
  signal?: AbortSignal;
  /** Text as soon as it is final (stop strings held back). */
  onText?(delta: string): void;
}

/** Where a request's time went, the same for every backend (fields a backend cannot know are absent). */
export interface RequestFigures {
  totalMs: number;
  /** From the request to its first new token. */
  timeToFirstTokenMs?: number;
  promptTokens: number;
  /** Prompt tokens whose KV cache was reused from an earlier request (the server's cached tokens). */
  reusedPromptTokens: number;
  /** Of those, tokens moved to new positions (slm.suffixReuse "shifted"). */
  movedPromptTokens?: number;
  newTokens: number;
  /** New tokens after the first per second of decoding. */
  tokensPerSecond: number;
  /** Building the prompt (tokenizing it, fitting it to its budget). */
  promptMs?: number;
  prefillMs?: number;
  decodeMs?: number;
  /** Tokens of other files' context the prompt holds. */
  contextTokens?: number;
  /** Speculative decoding: drafted and accepted tokens, and why it switched itself off. */
  speculation?: { drafted: number; accepted: number; off?: string };
}

export interface BackendResult {
  text: string;
  finishReason: FinishReason;
  figures: RequestFigures;
}

export interface InferenceBackend {
  state(role: BackendRole): BackendState;
  /** Fires when any role's state changes. */
  onDidChangeState(listener: () => void): Subscription;
  readonly capabilities: BackendCapabilities;
  /** Resolves true once the role can take requests (loading its model if need be), false if it cannot or `signal` aborts first. */
  ready(role: BackendRole, signal?: AbortSignal): Promise<boolean>;
  infill(request: InfillRequest, options?: StreamOptions): Promise<BackendResult>;
  chat(request: ChatRequest, options?: StreamOptions): Promise<BackendResult>;
  dispose(): Promise<void>;
}
