import type { DecoderModel } from './decoderModel';
import { Sampler, type SamplingOptions } from './sampler';
import { StopStrings } from './stopping';
import { StreamDecoder, type TextTokenizer } from './tokenizer';

export interface GenerateRequest {
  /** Text to encode, or ids already encoded (e.g. a FIM prompt built by the caller). */
  prompt?: string;
  promptIds?: readonly number[];
  maxNewTokens: number;
  /** Token ids that end generation, in addition to the model's end-of-sequence ids. */
  stopTokenIds?: readonly number[];
  stopStrings?: readonly string[];
  /** Keep going past end-of-sequence (benchmarks). */
  ignoreEos?: boolean;
  sampling?: SamplingOptions;
  /** Wall-clock budget for the whole request, prefill included. */
  timeBudgetMs?: number;
  /** Reuse the KV cache of the previous request's common prefix (default true). */
  reuseCache?: boolean;
}

export type FinishReason = 'stop-token' | 'stop-string' | 'max-tokens' | 'time-budget' | 'cancelled';

export interface Timings {
  promptTokens: number;
  /** Prompt tokens whose KV came from the previous request instead of a prefill. */
  reusedTokens: number;
  newTokens: number;
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
  prefillTokensPerSecond: number;
  /** New tokens after the first (which the prefill yields) per second of decoding. */
  decodeTokensPerSecond: number;
}

export interface GenerateResult {
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  timings: Timings;
}

export type TokenListener = (textDelta: string, tokenId: number) => void;

/** Long prompts are prefilled in chunks so cancellation is seen between them (~1.5 s per 512 tokens at fp32 on 2 cores). */
const PREFILL_CHUNK = 512;

export interface GenerationContext {
  model: DecoderModel;
  tokenizer: TextTokenizer;
  eosTokenIds: readonly number[];
  loadMs: number;
}

/**
 * The generation loop: prefill what the cache lacks, then sample, stream, and check the stop
 * conditions after every token. Cancellation and the time budget are checked between model
 * runs, so a cancelled request stops within one decode step.
 */
export async function generate(ctx: GenerationContext, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
  const started = performance.now();
  const deadline = request.timeBudgetMs !== undefined ? started + request.timeBudgetMs : Infinity;
  const { model, tokenizer } = ctx;
  const promptIds = request.promptIds ?? tokenizer.encode(request.prompt ?? '');
  if (promptIds.length === 0) throw new RangeError('The prompt is empty: at least one token is needed.');

  const reused = request.reuseCache === false ? 0 : reusablePrefix(model.cache.tokens, promptIds);
  model.cache.truncate(reused);

  const stopIds = new Set<number>(request.stopTokenIds ?? []);
  if (!request.ignoreEos) for (const id of ctx.eosTokenIds) stopIds.add(id);
  const stops = new StopStrings(request.stopStrings ?? []);
  const sampler = new Sampler(request.sampling);
  const decoder = new StreamDecoder(tokenizer);
  const tokenIds: number[] = [];
  let streamed = 0;
  let finishReason: FinishReason = 'max-tokens';
  let text = '';

  const interrupted = (): FinishReason | undefined =>
    signal?.aborted ? 'cancelled' : performance.now() > deadline ? 'time-budget' : undefined;

  // Prefill.
  let logits: Float32Array | undefined;
  let interruption: FinishReason | undefined;
  for (let at = reused; at < promptIds.length; at += PREFILL_CHUNK) {
    if ((interruption = interrupted())) break;
    logits = await model.forward(promptIds.slice(at, at + PREFILL_CHUNK), 1);
  }
  const prefillEnd = performance.now();

  // Decode: the first token comes from the prefill's logits.
  if (interruption) finishReason = interruption;
  while (!interruption && logits && tokenIds.length < request.maxNewTokens) {
    const id = sampler.sample(logits, 0, model.vocab);
    if (stopIds.has(id)) {
      finishReason = 'stop-token';
      break;
    }
    tokenIds.push(id);
    decoder.push(id);
    const stopAt = stops.find(decoder.text, text.length);
    text = stopAt >= 0 ? decoder.text.slice(0, stopAt) : decoder.text;
    const safe = stopAt >= 0 ? text.length : stops.safeLength(text);
    if (safe > streamed) {
      onToken?.(text.slice(streamed, safe), id);
      streamed = safe;
    }
    if (stopAt >= 0) {
      finishReason = 'stop-string';
      break;
    }
    if (tokenIds.length >= request.maxNewTokens) break;
    if ((interruption = interrupted())) {
      finishReason = interruption;
      break;
    }
    logits = await model.forward([id], 1);
  }
  if (finishReason !== 'stop-string' && streamed < text.length) {
    // The held-back tail never became a stop string.
    onToken?.(text.slice(streamed), tokenIds[tokenIds.length - 1]);
  }

  const end = performance.now();
  const prefillMs = prefillEnd - started;
  const decodeMs = end - prefillEnd;
  const prefilled = promptIds.length - reused;
  return {
    text,
    tokenIds,
    finishReason,
    timings: {
      promptTokens: promptIds.length,
      reusedTokens: reused,
      newTokens: tokenIds.length,
      loadMs: ctx.loadMs,
      prefillMs,
      decodeMs,
      totalMs: end - started,
      prefillTokensPerSecond: prefillMs > 0 ? (prefilled / prefillMs) * 1000 : 0,
      decodeTokensPerSecond: decodeMs > 0 && tokenIds.length > 1 ? ((tokenIds.length - 1) / decodeMs) * 1000 : 0,
    },
  };
}

/** Cached positions shared with the new prompt; at least one prompt token is always fed to get fresh logits. */
function reusablePrefix(cached: readonly number[], prompt: readonly number[]): number {
  const limit = Math.min(cached.length, prompt.length - 1);
  let n = 0;
  while (n < limit && cached[n] === prompt[n]) n++;
  return n;
}
