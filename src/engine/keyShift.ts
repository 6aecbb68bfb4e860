import type { Rotary } from '../modelFormat/rotary';
import type { GraphContract } from './contract';
import { float32ToHalf, halfToFloat32 } from './float16';
import type { KvBlock } from './kvCache';

/**
 * Moves a block of cached keys `shift` positions along: keys are cached already turned by their
 * position (rotate-half RoPE), and turning them `shift` positions further gives the keys the
 * same vectors would have there. Values carry no position and stay as they are.
 */
export function shiftKeys(block: KvBlock, contract: GraphContract, rotary: Rotary, shift: number): void {
  if (shift === 0) return;
  const half = rotary.dims / 2;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    cos[i] = Math.cos(shift * rotary.invFreq[i]);
    sin[i] = Math.sin(shift * rotary.invFreq[i]);
  }
  const { headDim } = contract;
  for (const layer of contract.kv) {
    const data = block.data.get(layer.pastKey)!;
    const keys = data instanceof Uint16Array ? halfToFloat32(data) : data;
    for (let at = 0; at < keys.length; at += headDim) {
      for (let i = 0; i < half; i++) {
        const x = keys[at + i];
        const y = keys[at + i + half];
        keys[at + i] = x * cos[i] - y * sin[i];
        keys[at + i + half] = y * cos[i] + x * sin[i];
      }
    }
    if (data instanceof Uint16Array) for (let i = 0; i < keys.length; i++) data[i] = float32ToHalf(keys[i]);
  }
}
