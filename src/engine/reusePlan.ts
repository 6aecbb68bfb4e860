/**
 * Which positions of a new prompt can take their keys and values from the KV cache. Exact reuse
 * is the common prefix. Shifted reuse (slm.suffixReuse "shifted") also takes later runs of the
 * prompt found anywhere after that prefix in the cache, moved to their new positions: typing at
 * the cursor changes the prefix's end, and the FIM suffix after it is found again one or two
 * tokens further on. The moved runs attended to the old text before them, so the result is
 * close to, not identical with, a fresh prefill: what llama.cpp's --cache-reuse trades too.
 */

/** How a prompt is brought into the cache, after the first `keep` cached positions. */
export interface ReusePlan {
  keep: number;
  /** In prompt order; together with `keep` they cover the whole prompt. */
  steps: ReuseStep[];
}

export type ReuseStep =
  /** Prompt tokens to run through the model. */
  | { feed: number[] }
  /** `length` cached positions from `from`, placed at prompt position `to` (their tokens are the prompt's there). */
  | { copy: { from: number; to: number; length: number } };

/**
 * Shortest run worth moving: a shorter match is more likely a common token sequence (`) {\n`)
 * met in another context than the same text, and saves less than the copy costs.
 */
export const MIN_SHIFTED_RUN = 16;
/** Runs are found through their first tokens. */
const KEY_TOKENS = 4;

/**
 * `feedLast`: the prompt's last token is always fed (fresh logits for the next token); without
 * it a prompt the cache holds whole needs no step at all (a draft model catching up).
 */
export function planReuse(cached: readonly number[], prompt: readonly number[], options: { shifted: boolean; feedLast: boolean; keepAtMost?: number }): ReusePlan {
  const end = options.feedLast ? prompt.length - 1 : prompt.length;
  const limit = Math.min(cached.length, end, options.keepAtMost ?? Infinity);
  let keep = 0;
  while (keep < limit && cached[keep] === prompt[keep]) keep++;
  const steps: ReuseStep[] = [];
  const feed = (from: number, to: number) => {
    if (to > from) steps.push({ feed: prompt.slice(from, to) });
  };
  let fedFrom = keep;
  if (options.shifted && end - keep >= MIN_SHIFTED_RUN) {
    const starts = runStarts(cached, keep);
    let searchFrom = keep; // runs are taken in cache order, so moved blocks never overlap
    let p = keep;
    while (p + MIN_SHIFTED_RUN <= end) {
      const run = longestRun(cached, prompt, p, end, starts, searchFrom);
      if (!run) {
        p++;
        continue;
      }
      feed(fedFrom, p);
      steps.push({ copy: { from: run.from, to: p, length: run.length } });
      p += run.length;
      fedFrom = p;
      searchFrom = run.from + run.length;
    }
  }
  feed(fedFrom, prompt.length);
  return { keep, steps };
}

/**
 * Tokens that change in front of the runs a plan moves (fed before each, and cached ones each
 * skips): how much staler than a fresh prefill the moved positions become.
 */
export function planDrift(plan: ReusePlan): number {
  let drift = 0;
  let fed = 0;
  let cacheAt = plan.keep;
  for (const step of plan.steps) {
    if ('feed' in step) {
      fed += step.feed.length;
      continue;
    }
    drift += fed + (step.copy.from - cacheAt);
    fed = 0;
    cacheAt = step.copy.from + step.copy.length;
  }
  return drift;
}

function runStarts(cached: readonly number[], from: number): Map<string, number[]> {
  const starts = new Map<string, number[]>();
  for (let c = from; c + KEY_TOKENS <= cached.length; c++) {
    const key = cached.slice(c, c + KEY_TOKENS).join(',');
    const list = starts.get(key);
    if (list) list.push(c);
    else starts.set(key, [c]);
  }
  return starts;
}

/** The longest cached run (at or after `searchFrom`) equal to the prompt from `p`, if at least MIN_SHIFTED_RUN long. */
function longestRun(cached: readonly number[], prompt: readonly number[], p: number, end: number, starts: Map<string, number[]>, searchFrom: number): { from: number; length: number } | undefined {
  let best: { from: number; length: number } | undefined;
  for (const c of starts.get(prompt.slice(p, p + KEY_TOKENS).join(',')) ?? []) {
    if (c < searchFrom) continue;
    let n = 0;
    while (p + n < end && c + n < cached.length && cached[c + n] === prompt[p + n]) n++;
    if (n >= MIN_SHIFTED_RUN && (!best || n > best.length)) best = { from: c, length: n };
  }
  return best;
}
