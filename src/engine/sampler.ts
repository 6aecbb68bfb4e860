import type { SamplingOptions } from '../shared/generation';

export function argmax(logits: Float32Array, offset = 0, length = logits.length - offset): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = logits[offset + i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Sampler {
  private readonly random: () => number;

  constructor(private readonly options: SamplingOptions = {}) {
    this.random = seededRandom(options.seed ?? 0x5eed);
  }

  get greedy(): boolean {
    return !this.options.temperature || this.options.temperature <= 0;
  }

  /** Picks a token from the `vocab` logits starting at `offset`. */
  sample(logits: Float32Array, offset = 0, vocab = logits.length - offset): number {
    if (this.greedy) return argmax(logits, offset, vocab);
    const probs = this.distribution(logits, offset, vocab);
    let r = this.random();
    for (const [id, p] of probs) {
      r -= p;
      if (r <= 0) return id;
    }
    return probs[probs.length - 1][0];
  }

  /**
   * Speculative verification of a proposed token at one position. Greedy: accepted when it is
   * the argmax, else the argmax replaces it. Sampling (proposals are deterministic, a one-hot q):
   * accepted with probability p(draft); on rejection a token is drawn from p without the draft,
   * renormalised, so the output follows p exactly (Leviathan et al. 2023, Theorem 3.5).
   */
  verify(logits: Float32Array, draft: number, offset = 0, vocab = logits.length - offset): { accepted: boolean; token: number } {
    if (this.greedy) {
      const token = argmax(logits, offset, vocab);
      return { accepted: token === draft, token };
    }
    const dist = this.distribution(logits, offset, vocab);
    const pDraft = dist.find(([id]) => id === draft)?.[1] ?? 0;
    if (this.random() < pDraft) return { accepted: true, token: draft };
    const rest = dist.filter(([id]) => id !== draft);
    let r = this.random() * (1 - pDraft);
    for (const [id, p] of rest) {
      r -= p;
      if (r <= 0) return { accepted: false, token: id };
    }
    return { accepted: false, token: rest[rest.length - 1]?.[0] ?? draft };
  }

  /** The truncated, renormalised distribution the sampler draws from, most likely first. */
  distribution(logits: Float32Array, offset = 0, vocab = logits.length - offset): [number, number][] {
    const temperature = this.options.temperature && this.options.temperature > 0 ? this.options.temperature : 1;
    const k = this.options.topK ?? 40;
    const candidates = k > 0 ? topK(logits, offset, vocab, k) : allSorted(logits, offset, vocab);
    const max = candidates[0][1];
    let sum = 0;
    const weighted = candidates.map(([id, l]) => {
      const w = Math.exp((l - max) / temperature);
      sum += w;
      return [id, w] as [number, number];
    });
    const topP = this.options.topP ?? 1;
    const kept: [number, number][] = [];
    let mass = 0;
    for (const [id, w] of weighted) {
      kept.push([id, w / sum]);
      mass += w / sum;
      if (mass >= topP) break;
    }
    return kept.map(([id, p]) => [id, p / mass]);
  }
}

function allSorted(logits: Float32Array, offset: number, vocab: number): [number, number][] {
  const all: [number, number][] = [];
  for (let i = 0; i < vocab; i++) all.push([i, logits[offset + i]]);
  return all.sort((a, b) => b[1] - a[1]);
}

/** The k largest logits without sorting the whole vocabulary (151,936 entries for Qwen). */
function topK(logits: Float32Array, offset: number, vocab: number, k: number): [number, number][] {
  const best: [number, number][] = [];
  let floor = -Infinity;
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i];
    if (best.length === k && v <= floor) continue;
    let at = best.length;
    while (at > 0 && best[at - 1][1] < v) at--;
    best.splice(at, 0, [i, v]);
    if (best.length > k) best.pop();
    floor = best[best.length - 1][1];
  }
  return best;
}
