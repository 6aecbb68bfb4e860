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
 *
 * Each layer's keys and values live in one buffer of its own, with room to grow, laid out as
 * the graph takes them: [kvHeads, length, headDim] in its first kvHeads * length * headDim
 * elements, fed as a view ([1, kvHeads, length, headDim]) without a copy. A run's present.*
 * outputs bring only the positions it fed (graphRewrite.ts slices them; onnxruntime-node copies
 * every output into a new buffer, 12-15 ms a step for the whole cache at 1,000 tokens of the
 * 0.5B, NOTES.md), which are written in after the heads are spread to the new length.
 */
export class KvCache {
  private store = new Map<string, KvData>();
  /** Positions per head the buffers hold. */
  private capacity = 0;
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

  /** Forgets every position and frees the buffers (KvSlots empties idle caches to bound memory). */
  reset(): void {
    this.cachedTokens = [];
    this.forgetMoved();
    this.store.clear();
    this.capacity = 0;
  }

  /** The past tensors, keyed by graph input name: views of the buffers, valid until the cache next changes. */
  feeds(): Record<string, Tensor> {
    const { kvHeads, headDim, kvDtype } = this.contract;
    const length = this.length;
    const feeds: Record<string, Tensor> = {};
    for (const name of this.names()) {
      const data = this.store.get(name)?.subarray(0, kvHeads * length * headDim) ?? this.alloc(0);
      feeds[name] = new Tensor(kvDtype, data, [1, kvHeads, length, headDim]);
    }
    return feeds;
  }

  /**
   * Takes the graph's present.* outputs after `fed` tokens were run: [1, kvHeads, rows, headDim]
   * holding the fed positions last (rows = fed.length from a sliced output, the whole cache
   * from a graph that was not rewritten).
   */
  append(outputs: Record<string, Tensor>, fed: readonly number[]): void {
    const { kvHeads, headDim } = this.contract;
    const added = fed.length;
    const length = this.spread(this.length + added);
    for (const layer of this.contract.kv) {
      for (const [past, present] of [[layer.pastKey, layer.presentKey], [layer.pastValue, layer.presentValue]]) {
        const out = outputs[present];
        const rows = out.dims[2];
        const src = out.data as KvData;
        const dst = this.store.get(past)!;
        for (let h = 0; h < kvHeads; h++) dst.set(src.subarray((h * rows + rows - added) * headDim, (h + 1) * rows * headDim), (h * length + length - added) * headDim);
      }
    }
    this.cachedTokens = this.cachedTokens.concat(fed);
  }

  /**
   * Keeps the first `length` positions (prefix reuse, speculative rollback; at 0 the buffers stay
   * for the prompt that follows), in place: heads 1.. move down, nothing is allocated (0.45 ms
   * instead of 3.3 ms and 12.6 MB of new buffers per rollback at 0.5B, context 512, NOTES.md
   * attempt 5).
   */
  truncate(length: number): void {
    length = Math.max(0, length);
    if (length >= this.cachedTokens.length) return;
    if (length <= this.movedFrom) this.forgetMoved();
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    for (const data of this.store.values()) {
      for (let h = 1; h < kvHeads; h++) data.copyWithin(h * length * headDim, h * old * headDim, (h * old + length) * headDim);
    }
    this.cachedTokens = this.cachedTokens.slice(0, length);
  }

  /** A copy of positions [from, from + length) (a run the next prompt places elsewhere, reusePlan.ts). */
  copyOut(from: number, length: number): KvBlock {
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    const data = new Map<string, KvData>();
    for (const [name, src] of this.store) {
      const out = this.alloc(kvHeads * length * headDim);
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
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    const added = block.tokens.length;
    const length = this.spread(old + added);
    for (const [name, dst] of this.store) {
      const extra = block.data.get(name)!;
      for (let h = 0; h < kvHeads; h++) dst.set(extra.subarray(h * added * headDim, (h + 1) * added * headDim), (h * length + old) * headDim);
    }
    this.movedFrom = Math.min(this.movedFrom, old);
    this.movedDrift = Math.max(this.movedDrift, drift);
    this.cachedTokens = this.cachedTokens.concat(block.tokens);
  }

  /**
   * Makes room for `length` positions: grows the buffers by a quarter (at least 256 positions)
   * when they are full, a copy every so often rather than every step for at most a quarter
   * unused, and moves each head from the old length's place to the new one's, last head
   * first, so that positions from the old length on can be written.
   */
  private spread(length: number): number {
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    if (length > this.capacity) {
      this.capacity = Math.max(length, Math.ceil(this.capacity * 1.25), this.capacity + 256);
      for (const name of this.names()) {
        const grown = this.alloc(kvHeads * this.capacity * headDim);
        const data = this.store.get(name);
        if (data) grown.set(data.subarray(0, kvHeads * old * headDim));
        this.store.set(name, grown);
      }
    }
    for (const data of this.store.values()) {
      for (let h = kvHeads - 1; h > 0; h--) data.copyWithin(h * length * headDim, h * old * headDim, (h + 1) * old * headDim);
    }
    return length;
  }

  private *names(): Generator<string> {
    for (const layer of this.contract.kv) {
      yield layer.pastKey;
      yield layer.pastValue;
    }
  }

  /** A zeroed array of the graph's KV element type (fp16 as Uint16Array, fp32 as Float32Array). */
  private alloc(length: number): KvData {
    return this.contract.kvDtype === 'float16' ? new Uint16Array(length) : new Float32Array(length);
  }

  private forgetMoved(): void {
    this.movedFrom = Infinity;
    this.movedDrift = 0;
  }
}
