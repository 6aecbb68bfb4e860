import type { GraphContract } from './contract';
import { halfToFloat32 } from './float16';
import { KvCache } from './kvCache';
import { Tensor, type OpenedSession } from './session';
import { EngineError, errorMessage } from '../shared/errors';

/**
 * One decoder session and its KV cache: runs tokens through the graph and returns the logits
 * of the last positions asked for. Knows the graph contract, nothing about text.
 */
export class DecoderModel {
  readonly cache: KvCache;

  constructor(private readonly opened: OpenedSession, readonly contract: GraphContract) {
    this.cache = new KvCache(contract);
  }

  get vocab(): number {
    return this.contract.vocab;
  }

  /**
   * Feeds `ids` after the cached positions. Returns logits for the last `keep` positions as a
   * flat [keep * vocab] array. Graphs without `num_logits_to_keep` return every position,
   * and the tail is sliced here.
   */
  async forward(ids: readonly number[], keep = 1): Promise<Float32Array> {
    const past = this.cache.length;
    const total = past + ids.length;
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...this.cache.feeds(),
    };
    if (this.contract.hasPositionIds) {
      const positions = new BigInt64Array(ids.length);
      for (let i = 0; i < ids.length; i++) positions[i] = BigInt(past + i);
      feeds.position_ids = new Tensor('int64', positions, [1, ids.length]);
    }
    if (this.contract.hasUseCacheBranch) feeds.use_cache_branch = new Tensor('bool', [past > 0], [1]);
    if (this.contract.numLogitsToKeepDims) {
      feeds.num_logits_to_keep = new Tensor('int64', [BigInt(keep)], this.contract.numLogitsToKeepDims);
    }

    let outputs: Record<string, Tensor>;
    try {
      outputs = await this.opened.session.run(feeds);
    } catch (err) {
      throw new EngineError('inference-failed', `Inference failed at context ${total}: ${errorMessage(err)}`);
    }
    this.cache.append(outputs, ids);

    const logits = outputs.logits;
    const rows = logits.dims[1];
    const vocab = logits.dims[2];
    const start = (rows - Math.min(keep, rows)) * vocab;
    const data = logits.data as Float32Array | Uint16Array;
    return this.contract.logitsDtype === 'float16'
      ? halfToFloat32((data as Uint16Array).subarray(start))
      : (data as Float32Array).subarray(start);
  }

  async dispose(): Promise<void> {
    await this.opened.session.release();
  }
}
