import type { DecoderModel } from './decoderModel';
import { OutputStream } from './outputStream';
import { Sampler, type SamplingOptions } from './sampler';
import { DraftModel, PromptLookup, Speculator, VERIFY_COST_PER_TOKEN, type Drafter, type SpeculationStats } from './speculation';
import type { TextTokenizer } from './tokenizer';

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
  /** Speculative decoding: the same output as without, sooner when drafts are accepted. */
  speculation?: {
    promptLookup?: boolean;
    draftModel?: boolean;
    /** A fixed number of drafts per verification, never switched off (benchmarks); default: adaptive. */
    fixedDraftTokens?: number;
  };
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
  /** Drafted and accepted tokens, when speculation was on. */
  speculation?: SpeculationStats;
}

export type TokenListener = (textDelta: string, tokenId: number) => void;

/** Long prompts are prefilled in chunks so cancellation is seen between them (~1.5 s per 512 tokens at fp32 on 2 cores). */
const PREFILL_CHUNK = 512;

export interface GenerationContext {
  model: DecoderModel;
  /** A small model sharing the tokenizer, for speculative decoding. */
  draft?: DecoderModel;
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
  const out = new OutputStream(tokenizer, stopIds, request.stopStrings ?? [], request.maxNewTokens, onToken);
  const sampler = new Sampler(request.sampling);
  const vocab = model.vocab;
  let stepMs = 0; // smoothed time of one target decode step, for the speculation cost model
  const speculator = makeSpeculator(ctx, request, () => stepMs);

  const interrupted = (): FinishReason | undefined =>
    signal?.aborted ? 'cancelled' : performance.now() > deadline ? 'time-budget' : undefined;

  // Prefill.
  let logits: Float32Array | undefined;
  let finishReason: FinishReason | undefined;
  for (let at = reused; at < promptIds.length && !(finishReason = interrupted()); at += PREFILL_CHUNK) {
    logits = await model.forward(promptIds.slice(at, at + PREFILL_CHUNK), 1);
  }
  const prefillEnd = performance.now();

  // Decode. Each turn takes one token from the last logits (or the token a rejected draft left),
  // then runs it through the model, with any drafts behind it for verification.
  let forced: number | undefined;
  while (!finishReason && logits && out.remaining > 0) {
    const id = forced ?? sampler.sample(logits, 0, vocab);
    forced = undefined;
    if ((finishReason = out.push(id) ?? interrupted())) break;
    const drafts = speculator ? await speculator.propose([...promptIds, ...out.tokenIds], out.remaining) : [];
    const stepStarted = performance.now();
    const rows = await model.forward([id, ...drafts], drafts.length + 1);
    const perToken = (performance.now() - stepStarted) / (1 + VERIFY_COST_PER_TOKEN * drafts.length);
    stepMs = stepMs ? 0.8 * stepMs + 0.2 * perToken : perToken;
    let accepted = 0;
    while (accepted < drafts.length) {
      const verdict = sampler.verify(rows, drafts[accepted], accepted * vocab, vocab);
      if (!verdict.accepted) {
        forced = verdict.token;
        break;
      }
      accepted++;
      if ((finishReason = out.push(drafts[accepted - 1]))) break;
    }
    if (drafts.length) {
      speculator!.record(drafts.length, accepted);
      // Roll the KV cache back to the accepted tokens.
      model.cache.truncate(model.cache.length - (drafts.length - accepted));
    }
    logits = rows.subarray(accepted * vocab, (accepted + 1) * vocab);
  }
  finishReason ??= interrupted() ?? 'max-tokens';
  out.finish(finishReason);

  const end = performance.now();
  const prefillMs = prefillEnd - started;
  const decodeMs = end - prefillEnd;
  const prefilled = promptIds.length - reused;
  const tokenIds = out.tokenIds;
  return {
    text: out.text,
    tokenIds,
    finishReason,
    ...(speculator ? { speculation: speculator.stats } : {}),
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

function makeSpeculator(ctx: GenerationContext, request: GenerateRequest, targetStepMs: () => number): Speculator | undefined {
  const drafters: Drafter[] = [];
  // Prompt lookup first: it costs nothing when it finds no match.
  if (request.speculation?.promptLookup) drafters.push(new PromptLookup());
  if (request.speculation?.draftModel && ctx.draft) drafters.push(new DraftModel(ctx.draft));
  return drafters.length ? new Speculator(drafters, targetStepMs, request.speculation?.fixedDraftTokens) : undefined;
}

/** Cached positions shared with the new prompt; at least one prompt token is always fed to get fresh logits. */
function reusablePrefix(cached: readonly number[], prompt: readonly number[]): number {
  const limit = Math.min(cached.length, prompt.length - 1);
  let n = 0;
  while (n < limit && cached[n] === prompt[n]) n++;
  return n;
}
