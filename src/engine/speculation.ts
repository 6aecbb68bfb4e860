import type { SlotModel } from './decoderModel';
import { fillCache, type FillOptions } from './fillCache';
import type { Provider } from './session';

/** How a drafter catches up with the prompt: as the target does, without fresh logits. */
export type DraftFill = Omit<FillOptions, 'feedLast'>;

/**
 * Speculative decoding, as a few verbs (after llama.cpp's common/speculative.h): drafters
 * propose tokens cheaply, the target verifies them in one pass, and `Speculator` keeps the
 * draft length where it pays, or switches speculation off.
 */
export interface Drafter {
  readonly name: 'prompt-lookup' | 'draft-model';
  /** Up to `k` tokens likely to follow `history`; [] when it has no guess. */
  propose(history: readonly number[], k: number): Promise<number[]>;
  /** Work on the prompt that can be done before decoding starts. */
  prefill?(prompt: readonly number[], fill: DraftFill): Promise<void>;
}

/**
 * Draft-free prompt lookup: code repeats itself (identifiers, argument lists, parallel lines),
 * so the tokens that followed the last occurrence of the current n-gram are a good guess.
 */
export class PromptLookup implements Drafter {
  readonly name = 'prompt-lookup';

  constructor(private readonly maxNgram = 3, private readonly minNgram = 2) {}

  async propose(history: readonly number[], k: number): Promise<number[]> {
    const n = history.length;
    for (let size = Math.min(this.maxNgram, n - 1); size >= this.minNgram; size--) {
      // Most recent earlier occurrence of the last `size` tokens.
      for (let start = n - size - 1; start >= 0; start--) {
        let match = true;
        for (let j = 0; j < size && match; j++) match = history[start + j] === history[n - size + j];
        if (match) return history.slice(start + size, Math.min(n, start + size + k));
      }
    }
    return [];
  }
}

/** A small model sharing the target's tokenizer drafts greedily, with its own KV cache. */
export class DraftModel implements Drafter {
  readonly name = 'draft-model';
  /** Mean milliseconds per draft step, for the cost model. */
  stepMs = 0;
  private steps = 0;

  constructor(private readonly model: SlotModel) {}

  /**
   * Brings the draft's cache up to `prompt` during the prefill, so that the first proposal
   * runs one token instead of the whole prompt (which counted as decode time and as a very slow
   * first draft step, and made the cost model shy away from drafting).
   */
  async prefill(prompt: readonly number[], fill: DraftFill): Promise<void> {
    await fillCache(this.model, prompt, { ...fill, feedLast: false });
  }

  async propose(history: readonly number[], k: number): Promise<number[]> {
    const cache = this.model.cache;
    // At least one token is fed, for fresh logits.
    cache.truncate(commonPrefix(cache.tokens, history, history.length - 1));
    const started = performance.now();
    let logits = await this.model.forward(history.slice(cache.length), 1);
    const drafts: number[] = [];
    for (;;) {
      const id = argmax(logits);
      drafts.push(id);
      if (drafts.length >= k) break;
      logits = await this.model.forward([id], 1);
    }
    this.steps += drafts.length;
    const perStep = (performance.now() - started) / drafts.length;
    this.stepMs = this.steps === drafts.length ? perStep : this.stepMs * 0.8 + perStep * 0.2;
    return drafts;
  }
}

function commonPrefix(a: readonly number[], b: readonly number[], limit: number): number {
  const n = Math.min(a.length, limit);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * When a draft model is loaded. On a CPU the draft and the model share the same few cores, so a
 * draft step costs ~half a 1.5B step and the k + 1-token verification ~2 plain steps (test/bench/
 * NOTES.md): a 0.5B draft for a 1.5B model is a loss there unless acceptance is near 100%.
 */
export type DraftWhen = 'always' | 'gpu';

/** Why a draft model is not loaded beside a model running on `provider`; undefined: load it. */
export function draftSkipReason(when: DraftWhen | undefined, provider: Provider): string | undefined {
  return when === 'gpu' && provider === 'cpu' ? 'the model runs on the CPU, where a draft model costs more time than it saves' : undefined;
}

export interface SpeculationStats {
  drafted: number;
  accepted: number;
  verifications: number;
  /** Where the speculative steps' time went (the Speculator always sets it). */
  ms?: SpeculationMs;
  /** Set when speculation switched itself off, with the reason. */
  off?: string;
}

export interface SpeculationMs {
  /** Proposing drafts: the draft model's steps, and rolling its cache back. */
  draft: number;
  /** The target's runs over [token, ...drafts]. */
  verify: number;
  /** Rolling the target's cache back past rejected drafts. */
  rollback: number;
}

/**
 * One verification pass over k drafts costs about 1 + 0.12k single steps (FACTS.md: a 5-token
 * pass took ~47 ms against ~30 ms for one token on this CPU).
 */
export const VERIFY_COST_PER_TOKEN = 0.12;
const MAX_DRAFT = 8;

/** Expected new tokens per verification with acceptance rate a and k drafts: (1 - a^(k+1)) / (1 - a). */
export function expectedTokens(a: number, k: number): number {
  return a >= 1 ? k + 1 : (1 - a ** (k + 1)) / (1 - a);
}

/** Speedup over plain decoding of k drafts at acceptance a, each draft step costing c target steps. */
export function theoreticalSpeedup(a: number, k: number, c: number): number {
  return expectedTokens(a, k) / (k * c + 1 + VERIFY_COST_PER_TOKEN * k);
}

export class Speculator {
  readonly stats: SpeculationStats & { ms: SpeculationMs } = { drafted: 0, accepted: 0, verifications: 0, ms: { draft: 0, verify: 0, rollback: 0 } };
  /** Acceptance rate per drafted token, smoothed; starts hopeful. */
  private rate = 0.6;

  constructor(
    private readonly drafters: Drafter[],
    private readonly targetStepMs: () => number,
    private readonly fixedDraftTokens?: number,
  ) {}

  /** Drafts for the next verification, at most `limit`; [] when speculation does not pay now. */
  async propose(history: readonly number[], limit: number): Promise<number[]> {
    if (this.stats.off || limit <= 0) return [];
    let anyPays = false;
    for (const drafter of this.drafters) {
      const k = this.draftLength(drafter, limit);
      if (k === 0) continue;
      anyPays = true;
      const started = performance.now();
      const drafts = await drafter.propose(history, k);
      this.stats.ms.draft += performance.now() - started;
      if (drafts.length) return drafts;
    }
    if (!anyPays) this.stats.off = `acceptance ${(this.rate * 100).toFixed(0)}% is too low to pay for verification`;
    return [];
  }

  /** Catches the drafters up with the prompt, as part of the prefill. */
  async prefill(prompt: readonly number[], fill: DraftFill): Promise<void> {
    for (const drafter of this.drafters) await drafter.prefill?.(prompt, fill);
  }

  /**
   * Records a verification of `drafted` tokens of which the first `accepted` were right, the
   * target's run over them and the rollback of its cache to the accepted ones.
   */
  record(drafted: number, accepted: number, verifyMs: number, rollbackMs: number): void {
    this.stats.drafted += drafted;
    this.stats.accepted += accepted;
    this.stats.verifications++;
    this.stats.ms.verify += verifyMs;
    this.stats.ms.rollback += rollbackMs;
    this.rate = 0.7 * this.rate + 0.3 * (accepted / drafted);
  }

  /** The k that maximises the expected speedup for this drafter's cost; 0 when none beats plain decoding. */
  private draftLength(drafter: Drafter, limit: number): number {
    if (this.fixedDraftTokens) return Math.min(this.fixedDraftTokens, limit);
    const c = this.cost(drafter);
    let best = 0;
    let bestSpeedup = 1;
    for (let k = 1; k <= Math.min(MAX_DRAFT, limit); k++) {
      const s = theoreticalSpeedup(this.rate, k, c);
      if (s > bestSpeedup) [best, bestSpeedup] = [k, s];
    }
    return best;
  }

  private cost(drafter: Drafter): number {
    if (!(drafter instanceof DraftModel)) return 0;
    const target = this.targetStepMs();
    return target > 0 && drafter.stepMs > 0 ? drafter.stepMs / target : 0.1;
  }
}
