/**
 * The vocabulary of a generation request, shared by the extension host, the worker and its
 * decode thread: what a caller may ask for and why a generation ended.
 */

/** What a loaded model is used for. A request names its role; one model may serve several. */
export type ModelRole = 'completion' | 'chat';

export type FinishReason = 'stop-token' | 'stop-string' | 'max-tokens' | 'time-budget' | 'cancelled';

/** Token choice from logits: greedy, or temperature / top-k / top-p with a seeded generator. */
export interface SamplingOptions {
  /** 0 or absent: greedy (argmax). */
  temperature?: number;
  /** Nucleus: smallest set of tokens whose probability reaches topP. */
  topP?: number;
  /** Only the k most likely tokens; 0 = no limit. Default 40 when sampling, as llama.cpp. */
  topK?: number;
  seed?: number;
}

/** Speculative decoding: the same output as without, sooner when drafts are accepted. */
export interface SpeculationOptions {
  /** Draft-free: tokens that followed the current n-gram earlier in the prompt. */
  promptLookup?: boolean;
  /** The draft model loaded with the role's model, when there is one. */
  draftModel?: boolean;
  /** A fixed number of drafts per verification, never switched off (benchmarks); default: adaptive. */
  fixedDraftTokens?: number;
}

/**
 * What a warm infill request keeps of the suffix the last one prefilled: `exact` prefills
 * everything after the edit again (the output is the model's own for the new prompt);
 * `shifted` moves the cached suffix to its new positions (llama.cpp's --cache-reuse idea):
 * faster, and the output may differ where the suffix's view of the edited text mattered.
 */
export type SuffixReuse = 'exact' | 'shifted';

/** One turn of a conversation for a chat model; rendered with the model's own chat template. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}
