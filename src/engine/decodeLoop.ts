import type { FinishReason } from '../shared/generation';
import type { SlotModel } from './decoderModel';
import { fillCache } from './fillCache';
import type { DecodeEnd, DecodeRequest } from './decodeProtocol';
import { Sampler } from './sampler';
import { Stopped } from './scheduler';
import { DraftModel, PromptLookup, Speculator, VERIFY_COST_PER_TOKEN, type Drafter, type SpeculationStats } from './speculation';

export interface DecodeModels {
  model: SlotModel;
  /** A small model sharing the tokenizer, for speculative decoding. */
  draft?: SlotModel;
}

/** Where the loop's progress goes (the decode thread posts it to the tokenizer's thread). */
export interface DecodeSink {
  prefilled(reusedTokens: number, shiftedTokens: number, prefillMs: number): void;
  /** Called with the live stats: a sink that keeps them must copy them. */
  tokens(ids: number[], speculation?: SpeculationStats): void;
}

/**
 * The token loop: prefill what the cache lacks, then sample and run each token through the
 * model, with any drafts behind it for verification. It knows ids only; stop strings are the
 * caller's, who sets `stopped` when it has what it needs. `stopped` and the time budget are
 * checked before every model run, so a cancelled request stops within one step. Prompts are
 * prefilled in chunks of `prefillChunk` tokens, each one model run (and one turn of the scheduler).
 */
export async function decode(models: DecodeModels, request: DecodeRequest, sink: DecodeSink, stopped: () => boolean, prefillChunk: number): Promise<DecodeEnd> {
  const started = performance.now();
  const deadline = request.budgetMs !== undefined ? started + request.budgetMs : Infinity;
  const interrupted = (): FinishReason | undefined => (stopped() ? 'cancelled' : performance.now() > deadline ? 'time-budget' : undefined);
  try {
    return await run(models, request, sink, interrupted, prefillChunk, started);
  } catch (err) {
    // Stopped while waiting for a turn of the model: the cache holds only what ran.
    if (err instanceof Stopped) return { finishReason: interrupted() ?? 'cancelled' };
    throw err;
  }
}

async function run(models: DecodeModels, request: DecodeRequest, sink: DecodeSink, interrupted: () => FinishReason | undefined, prefillChunk: number, started: number): Promise<DecodeEnd> {
  const { model } = models;
  const { promptIds } = request;
  const stopIds = new Set(request.stopTokenIds);
  const sampler = new Sampler(request.sampling);
  const vocab = model.vocab;
  let stepMs = 0; // smoothed time of one target decode step, for the speculation cost model
  const speculator = makeSpeculator(models, request, () => stepMs);

  let finishReason: FinishReason | undefined;
  const fill = { reuse: request.reuseCache, shifted: request.shiftedReuse === true, chunk: prefillChunk, stopped: () => (finishReason ??= interrupted()) !== undefined };
  const filled = await fillCache(model, promptIds, { ...fill, feedLast: true });
  let logits = filled.logits;
  if (!finishReason) await speculator?.prefill(promptIds, fill);
  sink.prefilled(filled.reused, filled.shifted, performance.now() - started);

  // Each turn takes one token from the last logits (or the token a rejected draft left), then
  // runs it through the model with any drafts behind it.
  const generated: number[] = [];
  let pending: number[] = [];
  const take = (id: number): FinishReason | undefined => {
    pending.push(id);
    if (stopIds.has(id)) return 'stop-token';
    generated.push(id);
    return generated.length >= request.maxNewTokens ? 'max-tokens' : undefined;
  };
  const flush = () => {
    if (pending.length) sink.tokens(pending, speculator?.stats);
    pending = [];
  };
  let forced: number | undefined;
  while (!finishReason && logits && generated.length < request.maxNewTokens) {
    const id = forced ?? sampler.sample(logits, 0, vocab);
    forced = undefined;
    if ((finishReason = take(id) ?? interrupted())) break;
    // The caller checks stop strings while this thread drafts and runs the next step.
    flush();
    const drafts = speculator ? await speculator.propose([...promptIds, ...generated], request.maxNewTokens - generated.length) : [];
    if ((finishReason = interrupted())) break;
    const stepStarted = performance.now();
    const rows = await model.forward([id, ...drafts], drafts.length + 1);
    const ran = performance.now();
    const perToken = (ran - stepStarted) / (1 + VERIFY_COST_PER_TOKEN * drafts.length);
    stepMs = stepMs ? 0.8 * stepMs + 0.2 * perToken : perToken;
    let accepted = 0;
    while (accepted < drafts.length) {
      const verdict = sampler.verify(rows, drafts[accepted], accepted * vocab, vocab);
      if (!verdict.accepted) {
        forced = verdict.token;
        break;
      }
      accepted++;
      if ((finishReason = take(drafts[accepted - 1]))) break;
    }
    if (drafts.length) {
      const verified = performance.now();
      // Roll the KV cache back to the accepted tokens.
      model.cache.truncate(model.cache.length - (drafts.length - accepted));
      speculator!.record(drafts.length, accepted, ran - stepStarted, performance.now() - verified);
    }
    logits = rows.subarray(accepted * vocab, (accepted + 1) * vocab);
  }
  flush();
  return { finishReason: finishReason ?? interrupted() ?? 'max-tokens', ...(speculator ? { speculation: speculator.stats } : {}) };
}

function makeSpeculator(models: DecodeModels, request: DecodeRequest, targetStepMs: () => number): Speculator | undefined {
  const drafters: Drafter[] = [];
  // Prompt lookup first: it costs nothing when it finds no match.
  if (request.speculation?.promptLookup) drafters.push(new PromptLookup());
  if (request.speculation?.draftModel && models.draft) drafters.push(new DraftModel(models.draft));
  return drafters.length ? new Speculator(drafters, targetStepMs, request.speculation?.fixedDraftTokens) : undefined;
}
