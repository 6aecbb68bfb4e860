import type { GraphContract } from './contract';
import { Tensor } from './session';

type KvData = Float32Array | Uint16Array;

/**
 * The past keys and values of one sequence, and the tokens they encode. Kept between
 * requests so the next prompt only prefills from its first differing token.
 * Each tensor is [1, kvHeads, length, headDim].
 */
export class KvCache {
  private past = new Map<string, Tensor>();
  private cachedTokens: number[] = [];

  constructor(private readonly contract: GraphContract) {
    this.reset();
  }

  get tokens(): readonly number[] {
    return this.cachedTokens;
  }

  get length(): number {
    return this.cachedTokens.length;
  }

  reset(): void {
    this.cachedTokens = [];
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
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    for (const [name, tensor] of this.past) {
      const data = tensor.data as KvData;
      for (let h = 1; h < kvHeads; h++) data.copyWithin(h * length * headDim, h * old * headDim, (h * old + length) * headDim);
      this.past.set(name, new Tensor(this.contract.kvDtype, data.subarray(0, kvHeads * length * headDim), [1, kvHeads, length, headDim]));
    }
    this.cachedTokens = this.cachedTokens.slice(0, length);
  }

  private empty(): Tensor {
    const data = this.contract.kvDtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    return new Tensor(this.contract.kvDtype, data, [1, this.contract.kvHeads, 0, this.contract.headDim]);
  }
}
