import type { SlotModel } from './decoderModel';
import { planDrift, planReuse } from './reusePlan';

/**
 * Moved positions are recomputed once this many tokens have changed in front of them since they
 * were: they attended to the text as it was, and typing a line or so makes that text too
 * different (test/bench/NOTES.md, issue 16 part 2).
 */
export const MAX_MOVED_DRIFT = 32;

export interface FillOptions {
  /** Keep what the cache holds of the prompt (false: prefill it all). */
  reuse: boolean;
  /** Also move runs found later in the cache to their new positions (reusePlan.ts; approximate). */
  shifted: boolean;
  /** Run the prompt's last token even when cached, for fresh logits. */
  feedLast: boolean;
  /** Most tokens per model run; cancellation is seen between runs. */
  chunk: number;
  stopped: () => boolean;
}

export interface Filled {
  /** Prompt positions whose KV came from the cache, moved ones included. */
  reused: number;
  /** Of those, positions moved from elsewhere in the cache. */
  shifted: number;
  /** After the last token fed (undefined when nothing ran, or when stopped). */
  logits?: Float32Array;
}

/**
 * Brings a slot's cache up to `prompt`: keeps the common prefix, moves the runs the plan moves
 * (when the model can turn its keys), and runs everything else through the model in order.
 * Stopped between runs, the cache holds a consistent prefix of the prompt.
 */
export async function fillCache(model: SlotModel, prompt: readonly number[], options: FillOptions): Promise<Filled> {
  const { cache } = model;
  const cached = options.reuse ? cache.tokens : [];
  const moved = cache.moved;
  let plan = options.shifted && model.shiftKeys ? planReuse(cached, prompt, { shifted: true, feedLast: options.feedLast }) : undefined;
  let drift = plan ? planDrift(plan) : 0;
  // Without moving anything (not asked, nothing found, or the moved positions too stale), nothing approximate is kept.
  if (!plan || plan.steps.every((step) => 'feed' in step) || moved.drift + drift > MAX_MOVED_DRIFT) {
    plan = planReuse(cached, prompt, { shifted: false, feedLast: options.feedLast, keepAtMost: moved.from });
    drift = 0;
  }
  // Moved runs are copied out first: truncation reuses the buffers they sit in.
  const blocks = plan.steps.map((step) => ('copy' in step ? cache.copyOut(step.copy.from, step.copy.length) : undefined));
  cache.truncate(plan.keep);
  let reused = plan.keep;
  let shifted = 0;
  let logits: Float32Array | undefined;
  for (const [i, step] of plan.steps.entries()) {
    if ('copy' in step) {
      const block = blocks[i]!;
      model.shiftKeys!(block, step.copy.to - step.copy.from);
      // A block that was moved before carries its staleness along (truncation forgot it).
      const stale = step.copy.from + step.copy.length > moved.from ? moved.drift : 0;
      cache.appendBlock(block, stale + drift);
      drift = 0;
      reused += step.copy.length;
      shifted += step.copy.length;
      continue;
    }
    for (let at = 0; at < step.feed.length; at += options.chunk) {
      if (options.stopped()) return { reused, shifted };
      logits = await model.forward(step.feed.slice(at, at + options.chunk), 1);
    }
  }
  return { reused, shifted, ...(logits ? { logits } : {}) };
}
