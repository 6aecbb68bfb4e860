import type { GraphContract } from './contract';
import { Tensor } from './session';

export type KvData = Float32Array | Uint16Array;

/** A copy of some cached positions of every layer, by graph input name: each [kvHeads, length, headDim]. */
export interface KvBlock {
  tokens: number[];
  data: Map<string, KvData>;
}

/**
 * The past keys and values of one sequence, and the tokens they encode. Kept between
 * requests so the next prompt only prefills from its first differing token.
 * Each tensor is [1, kvHeads, length, headDim].
 */
export class KvCache {
  private past = new Map<string, Tensor>();
  private cachedTokens: number[] = [];
  /** First position whose KV was moved (reusePlan.ts) and so only approximates a fresh prefill; Infinity: none. */
  private movedFrom = Infinity;
  /** Tokens changed in front of the moved positions since they were computed. */
  private movedDrift = 0;

  constructor(private readonly contract: GraphContract) {
    this.reset();
  }

  get tokens(): readonly number[] {
    return this.cachedTokens;
  }

  get length(): number {
    return this.cachedTokens.length;
  }

  /** Where the approximate positions start (Infinity when the whole cache is exact), and how stale they are. */
  get moved(): { from: number; drift: number } {
    return { from: this.movedFrom, drift: this.movedDrift };
  }

  reset(): void {
    this.cachedTokens = [];
    this.forgetMoved();
    for (const layer of this.contract.kv) {
      this.past.set(layer.pastKey, this.empty());
      this.past.set(layer.pastValue, this.empty());
    }
  }

  /** The past tensors, keyed by graph input name. */
  feeds(): Record<string, Tensor> {
    return Object.fromEntries(this.past);
  }

  /** Takes the graph's present.* outputs as the new past after `fed` tokens were run. */
  append(outputs: Record<string, Tensor>, fed: readonly number[]): void {
    for (const layer of this.contract.kv) {
      this.past.set(layer.pastKey, outputs[layer.presentKey]);
      this.past.set(layer.pastValue, outputs[layer.presentValue]);
    }
    this.cachedTokens = this.cachedTokens.concat(fed);
  }

  /**
   * Keeps the first `length` positions (prefix reuse, speculative rollback), in place: each
   * present.* arrived in a buffer of its own (onnxruntime-node copies outputs out, NOTES.md
   * attempt 2), so a rollback moves heads 1.. down instead of copying the whole cache, and
   * allocates nothing: 0.45 ms instead of 3.3 ms and 12.6 MB of new buffers per rollback at
   * 0.5B, context 512 (NOTES.md attempt 5).
   */
  truncate(length: number): void {
    if (length >= this.cachedTokens.length) return;
    if (length <= 0) return this.reset();
    if (length <= this.movedFrom) this.forgetMoved();
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    for (const [name, tensor] of this.past) {
      const data = tensor.data as KvData;
      for (let h = 1; h < kvHeads; h++) data.copyWithin(h * length * headDim, h * old * headDim, (h * old + length) * headDim);
      this.past.set(name, new Tensor(this.contract.kvDtype, data.subarray(0, kvHeads * length * headDim), [1, kvHeads, length, headDim]));
    }
    this.cachedTokens = this.cachedTokens.slice(0, length);
  }

  /** A copy of positions [from, from + length) (a run the next prompt places elsewhere, reusePlan.ts). */
  copyOut(from: number, length: number): KvBlock {
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    const data = new Map<string, KvData>();
    for (const [name, tensor] of this.past) {
      const src = tensor.data as KvData;
      const out = allocLike(src, kvHeads * length * headDim);
      for (let h = 0; h < kvHeads; h++) out.set(src.subarray((h * old + from) * headDim, (h * old + from + length) * headDim), h * length * headDim);
      data.set(name, out);
    }
    return { tokens: this.cachedTokens.slice(from, from + length), data };
  }

  /**
   * Appends a block after the cached positions, standing in for running its tokens there;
   * `drift`: tokens that changed in front of it since it was computed.
   */
  appendBlock(block: KvBlock, drift: number): void {
    const { kvHeads, headDim, kvDtype } = this.contract;
    const old = this.cachedTokens.length;
    const added = block.tokens.length;
    const length = old + added;
    for (const [name, tensor] of this.past) {
      const src = tensor.data as KvData;
      const extra = block.data.get(name)!;
      const out = allocLike(src, kvHeads * length * headDim);
      for (let h = 0; h < kvHeads; h++) {
        out.set(src.subarray(h * old * headDim, (h + 1) * old * headDim), h * length * headDim);
        out.set(extra.subarray(h * added * headDim, (h + 1) * added * headDim), (h * length + old) * headDim);
      }
      this.past.set(name, new Tensor(kvDtype, out, [1, kvHeads, length, headDim]));
    }
    this.movedFrom = Math.min(this.movedFrom, old);
    this.movedDrift = Math.max(this.movedDrift, drift);
    this.cachedTokens = this.cachedTokens.concat(block.tokens);
  }

  private forgetMoved(): void {
    this.movedFrom = Infinity;
    this.movedDrift = 0;
  }

  private empty(): Tensor {
    const data = this.contract.kvDtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    return new Tensor(this.contract.kvDtype, data, [1, this.contract.kvHeads, 0, this.contract.headDim]);
  }
}

/** A zeroed array of the same element type as `like` (fp16 KV as Uint16Array, fp32 as Float32Array). */
function allocLike(like: KvData, length: number): KvData {
  return like instanceof Uint16Array ? new Uint16Array(length) : new Float32Array(length);
}
