import { EngineError } from '../shared/errors';
import type { FinishReason, ModelRole, SamplingOptions, SpeculationOptions } from '../shared/generation';
import type { DecodeThreadClient } from './decodeThreadClient';
import { OutputStream, type TokenListener } from './outputStream';
import type { SpeculationStats } from './speculation';
import type { ModelTokenizer } from './tokenizer';

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
  /**
   * Also reuse cached runs that moved (the FIM suffix after an edit), turned to their new
   * positions: faster, and close to but not always the same as a fresh prefill (slm.suffixReuse).
   */
  shiftedReuse?: boolean;
  speculation?: SpeculationOptions;
}

export interface Timings {
  promptTokens: number;
  /** Prompt tokens whose KV came from the previous request instead of a prefill. */
  reusedTokens: number;
  /** Of those, tokens whose KV was moved to new positions (shiftedReuse); absent when none. */
  shiftedTokens?: number;
  newTokens: number;
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
  /** From the request to its first new token (undefined when none came). */
  firstTokenMs?: number;
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

export interface GenerationContext {
  /** Runs the token loop, with the model and any draft model, in its own thread. */
  thread: DecodeThreadClient;
  /** Whose model and KV slot the generation runs on. */
  role: ModelRole;
  tokenizer: ModelTokenizer;
  eosTokenIds: readonly number[];
  loadMs: number;
  /** Positions one sequence may take (modelConfig.ts' contextLimit): the answer is cut to fit, a longer prompt refused. */
  context: { limit: number; reason?: string; model: string };
}

export interface Generation {
  result: Promise<GenerateResult>;
  /** Settles when the decode thread is free again: after `result` when a stop string ends it early. */
  done: Promise<unknown>;
}

/**
 * The text side of a generation: encodes the prompt, hands the ids to the decode thread, and
 * turns the tokens it streams back into text, applying stop tokens, stop strings and the token
 * limit. The result is ready as soon as this side knows the answer; the decode thread, one model
 * step ahead, sees the stop flag before its next step.
 */
export function generate(ctx: GenerationContext, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Generation {
  const started = performance.now();
  const promptIds = request.promptIds ?? ctx.tokenizer.encode(request.prompt ?? '');
  if (promptIds.length === 0) {
    const empty = Promise.reject(new RangeError('The prompt is empty: at least one token is needed.'));
    return { result: empty, done: Promise.resolve() };
  }
  const { limit, reason, model } = ctx.context;
  if (promptIds.length >= limit) {
    const why = reason ? ` (${reason})` : '';
    const tooLong = Promise.reject(new EngineError('context-too-long', `The prompt has ${promptIds.length} tokens, but ${model} takes at most ${limit}${why}: shorten the prompt.`));
    return { result: tooLong, done: Promise.resolve() };
  }
  const maxNewTokens = Math.min(request.maxNewTokens, limit - promptIds.length);

  const stopIds = new Set<number>(request.stopTokenIds ?? []);
  if (!request.ignoreEos) for (const id of ctx.eosTokenIds) stopIds.add(id);
  const out = new OutputStream(ctx.tokenizer, stopIds, request.stopStrings ?? [], maxNewTokens, onToken);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const halt = () => Atomics.store(stop, 0, 1);
  signal?.addEventListener('abort', halt);
  if (signal?.aborted) halt();

  let prefill = { reusedTokens: 0, shiftedTokens: 0, prefillMs: 0 };
  let speculation: SpeculationStats | undefined;
  let finishReason: FinishReason | undefined;
  let firstTokenAt: number | undefined;
  const posted = performance.now();
  const result = (): GenerateResult => {
    const end = performance.now();
    const prefillMs = posted - started + prefill.prefillMs;
    const decodeMs = end - started - prefillMs;
    const prefilled = promptIds.length - prefill.reusedTokens;
    const tokenIds = out.tokenIds;
    return {
      text: out.text,
      tokenIds,
      finishReason: finishReason!,
      ...(speculation ? { speculation } : {}),
      timings: {
        promptTokens: promptIds.length,
        reusedTokens: prefill.reusedTokens,
        ...(prefill.shiftedTokens ? { shiftedTokens: prefill.shiftedTokens } : {}),
        newTokens: tokenIds.length,
        loadMs: ctx.loadMs,
        prefillMs,
        decodeMs,
        totalMs: end - started,
        ...(firstTokenAt !== undefined ? { firstTokenMs: firstTokenAt - started } : {}),
        prefillTokensPerSecond: prefillMs > 0 ? (prefilled / prefillMs) * 1000 : 0,
        decodeTokensPerSecond: decodeMs > 0 && tokenIds.length > 1 ? ((tokenIds.length - 1) / decodeMs) * 1000 : 0,
      },
    };
  };

  let settle!: (r: GenerateResult) => void;
  let fail!: (err: unknown) => void;
  const settled = new Promise<GenerateResult>((resolve, reject) => ([settle, fail] = [resolve, reject]));
  const done = ctx.thread.decode(
    ctx.role,
    {
      promptIds: [...promptIds],
      maxNewTokens,
      stopTokenIds: [...stopIds],
      sampling: request.sampling,
      budgetMs: request.timeBudgetMs !== undefined ? request.timeBudgetMs - (posted - started) : undefined,
      reuseCache: request.reuseCache !== false,
      ...(request.shiftedReuse ? { shiftedReuse: true } : {}),
      speculation: request.speculation,
    },
    stop,
    (event) => {
      if (event.kind === 'prefilled') return void (prefill = event);
      // Tokens the thread sent before it saw a cancellation are dropped with it.
      if (finishReason || signal?.aborted) return;
      speculation = event.speculation;
      firstTokenAt ??= performance.now();
      for (const id of event.ids) if ((finishReason = out.push(id))) break;
      if (finishReason) {
        halt();
        out.finish(finishReason);
        settle(result());
      }
    },
  );
  done
    .then((end) => {
      if (finishReason) return;
      finishReason = end.finishReason;
      speculation = end.speculation;
      out.finish(finishReason);
      settle(result());
    }, fail)
    .finally(() => signal?.removeEventListener('abort', halt));
  return { result: settled, done };
}
