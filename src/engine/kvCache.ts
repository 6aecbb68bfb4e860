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

  /** Keeps the first `length` positions (prefix reuse, speculative rollback). */
  truncate(length: number): void {
    if (length >= this.cachedTokens.length) return;
    if (length <= 0) return this.reset();
    const { kvHeads, headDim } = this.contract;
    const old = this.cachedTokens.length;
    for (const [name, tensor] of this.past) {
      const src = tensor.data as KvData;
      const dst = new (src.constructor as { new (n: number): KvData })(kvHeads * length * headDim);
      for (let h = 0; h < kvHeads; h++) {
        dst.set(src.subarray(h * old * headDim, (h * old + length) * headDim), h * length * headDim);
      }
      this.past.set(name, new Tensor(this.contract.kvDtype, dst, [1, kvHeads, length, headDim]));
    }
    this.cachedTokens = this.cachedTokens.slice(0, length);
  }

  private empty(): Tensor {
    const data = this.contract.kvDtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
    return new Tensor(this.contract.kvDtype, data, [1, this.contract.kvHeads, 0, this.contract.headDim]);
  }
}
