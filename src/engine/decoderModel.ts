import type { Rotary } from '../modelFormat/rotary';
import type { GraphContract } from './contract';
import { halfToFloat32 } from './float16';
import { KvCache, type KvBlock } from './kvCache';
import { shiftKeys } from './keyShift';
import { Tensor, type OpenedSession } from './session';
import { EngineError, errorMessage } from '../shared/errors';

/**
 * One decoder session: runs tokens through the graph after the positions a KV cache holds and
 * returns the logits of the last positions asked for. The session keeps no state between runs,
 * so several caches (one per role, see kvSlots.ts) can share it. Knows the graph contract,
 * nothing about text.
 */
export class DecoderModel {
  /** `rotary`: how its keys turn by position (absent: cached keys cannot be moved). */
  constructor(private readonly opened: OpenedSession, readonly contract: GraphContract, readonly rotary?: Rotary) {}

  get vocab(): number {
    return this.contract.vocab;
  }

  /** Bytes one cached position takes: keys and values of every layer. */
  get kvBytesPerToken(): number {
    const { kv, kvHeads, headDim, kvDtype } = this.contract;
    return kv.length * 2 * kvHeads * headDim * (kvDtype === 'float16' ? 2 : 4);
  }

  newCache(): KvCache {
    return new KvCache(this.contract);
  }

  /**
   * Feeds `ids` after the positions in `cache`, which then holds them too. Returns logits for
   * the last `keep` positions as a flat [keep * vocab] array. Graphs without
   * `num_logits_to_keep` return every position, and the tail is sliced here.
   */
  async forward(cache: KvCache, ids: readonly number[], keep = 1): Promise<Float32Array> {
    const past = cache.length;
    const total = past + ids.length;
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]),
      attention_mask: new Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...cache.feeds(),
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
    cache.append(outputs, ids);

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

/** A model as one generation sees it: its slot's KV cache, and runs that wait for their turn. */
export interface SlotModel {
  readonly cache: KvCache;
  readonly vocab: number;
  forward(ids: readonly number[], keep?: number): Promise<Float32Array>;
  /** Turns a copied block's keys `shift` positions on; absent when the model's rotary is unknown. */
  readonly shiftKeys?: (block: KvBlock, shift: number) => void;
}

export function slotModel(decoder: DecoderModel, cache: KvCache, gate: { run<T>(step: () => Promise<T>): Promise<T> }): SlotModel {
  const { rotary, contract } = decoder;
  return {
    cache,
    vocab: decoder.vocab,
    forward: (ids, keep) => gate.run(() => decoder.forward(cache, ids, keep)),
    ...(rotary ? { shiftKeys: (block: KvBlock, shift: number) => shiftKeys(block, contract, rotary, shift) } : {}),
  };
}
