import { EngineError } from '../../shared/errors';
import type { FinishReason } from '../../shared/generation';
import type { GenerateRequest, GenerateResult } from '../generate';
import { OutputStream, type TokenListener } from '../outputStream';
import type { SpeculationStats } from '../speculation';
import type { ModelTokenizer } from '../tokenizer';
import type { EvaluateOptions, LlamaSequence } from './llamaCpp';
import type { Drafting, RequestPredictor } from './requestPredictor';

/** Drafts per verification with prompt lookup when the request fixes none (node-llama-cpp's own default is 3). */
const LOOKUP_DRAFT_TOKENS = 6;

/** A role's place on a GGUF model: its sequence (its own KV cells) and what generation needs to know. */
export interface GgufSlot {
  sequence: LlamaSequence;
  predictor: RequestPredictor;
  tokenizer: ModelTokenizer;
  /** End-of-generation ids of the model (end of text, end of turn). */
  eosTokenIds: readonly number[];
  /** Cells of KV cache the sequence holds. */
  contextSize: number;
  hasDraft: boolean;
  /** Completions go before chat answers when both wait for the model (node-llama-cpp batches sequences by priority). */
  priority: NonNullable<EvaluateOptions['evaluationPriority']>;
  loadMs: number;
}

/**
 * One generation on a GGUF sequence, with the ONNX engine's semantics: the KV cells of the
 * longest common prefix with the sequence's last tokens are kept (prompt and generated tokens
 * alike), the rest erased and prefilled; stop tokens, stop strings and the token limit through
 * the same OutputStream; cancellation and the time budget checked after every model step (a
 * prefill is one step: llama.cpp cannot stop inside a batch). The caller runs one at a time
 * per slot.
 */
export async function generateOnSequence(slot: GgufSlot, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
  const started = performance.now();
  const promptIds = [...(request.promptIds ?? slot.tokenizer.encode(request.prompt ?? ''))];
  if (promptIds.length === 0) throw new RangeError('The prompt is empty: at least one token is needed.');
  if (promptIds.length + request.maxNewTokens > slot.contextSize) {
    throw new EngineError('bad-request', `The prompt (${promptIds.length} tokens) and ${request.maxNewTokens} new tokens do not fit the ${slot.contextSize}-token context this GGUF model was loaded with: shorten the prompt budget.`);
  }
  const { sequence } = slot;
  const reused = request.reuseCache === false ? 0 : Math.min(sequence.compareContextTokens(promptIds).firstDifferentIndex, promptIds.length - 1);
  if (reused === 0) await sequence.clearHistory();
  else if (sequence.nextTokenIndex > reused) await sequence.eraseContextTokenRanges([{ start: reused, end: sequence.nextTokenIndex }]);

  const stopIds = new Set<number>(request.stopTokenIds ?? []);
  if (!request.ignoreEos) for (const id of slot.eosTokenIds) stopIds.add(id);
  const out = new OutputStream(slot.tokenizer, stopIds, request.stopStrings ?? [], request.maxNewTokens, onToken);
  const drafting = draftingFor(request, slot.hasDraft);
  slot.predictor.use(drafting);
  const before = { ...sequence.tokenPredictions };
  const verificationsBefore = slot.predictor.proposals;
  const sampling = request.sampling ?? {};
  const tokens = sequence.evaluate(promptIds.slice(reused), {
    temperature: sampling.temperature ?? 0,
    topK: sampling.topK ?? (sampling.temperature ? 40 : 0),
    topP: sampling.topP ?? 1,
    minP: 0,
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    yieldEogToken: true,
    evaluationPriority: slot.priority,
  });
  const deadline = request.timeBudgetMs !== undefined ? started + request.timeBudgetMs : Infinity;
  let finishReason: FinishReason | undefined;
  let firstTokenAt: number | undefined;
  try {
    while (!finishReason) {
      if (signal?.aborted) {
        finishReason = 'cancelled';
        break;
      }
      const next = await tokens.next();
      const now = performance.now();
      if (next.done) {
        finishReason = 'stop-token';
        break;
      }
      firstTokenAt ??= now;
      finishReason = out.push(next.value) ?? (signal?.aborted ? 'cancelled' : now >= deadline ? 'time-budget' : undefined);
    }
  } finally {
    await tokens.return();
  }
  out.finish(finishReason);

  const end = performance.now();
  const prefillMs = (firstTokenAt ?? end) - started;
  const decodeMs = end - started - prefillMs;
  const newTokens = out.tokenIds.length;
  const after = sequence.tokenPredictions;
  const speculation: SpeculationStats | undefined =
    drafting.kind === 'none'
      ? undefined
      : { drafted: after.validated + after.refuted - before.validated - before.refuted, accepted: after.validated - before.validated, verifications: slot.predictor.proposals - verificationsBefore };
  return {
    text: out.text,
    tokenIds: out.tokenIds,
    finishReason,
    ...(speculation ? { speculation } : {}),
    timings: {
      promptTokens: promptIds.length,
      reusedTokens: reused,
      newTokens,
      loadMs: slot.loadMs,
      prefillMs,
      decodeMs,
      totalMs: end - started,
      ...(firstTokenAt !== undefined ? { firstTokenMs: firstTokenAt - started } : {}),
      prefillTokensPerSecond: prefillMs > 0 ? ((promptIds.length - reused) / prefillMs) * 1000 : 0,
      decodeTokensPerSecond: decodeMs > 0 && newTokens > 1 ? ((newTokens - 1) / decodeMs) * 1000 : 0,
    },
  };
}

function draftingFor(request: GenerateRequest, hasDraft: boolean): Drafting {
  const s = request.speculation;
  if (s?.draftModel && hasDraft) return { kind: 'draft-model', ...(s.fixedDraftTokens ? { fixedTokens: s.fixedDraftTokens } : {}) };
  if (s?.promptLookup) return { kind: 'prompt-lookup', maxTokens: s.fixedDraftTokens ?? LOOKUP_DRAFT_TOKENS };
  return { kind: 'none' };
}
