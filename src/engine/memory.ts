import type { ModelConfig } from '../modelFormat/modelConfig';
import { RESIDENT_OVER_FILES } from '../shared/memoryBudget';

/** Positions of KV cache a model is expected to hold (a long chat, or a completion prompt and its context). */
const KV_RESERVE_TOKENS = 4096;

/** What a model is expected to take once loaded: its weights as resident, and a KV cache of KV_RESERVE_TOKENS in fp32. */
export function estimateModelBytes(graphBytes: number, config: ModelConfig): number {
  const kvPerToken = config.numLayers * 2 * config.numKeyValueHeads * config.headDim * 4;
  return graphBytes * RESIDENT_OVER_FILES + KV_RESERVE_TOKENS * kvPerToken;
}

/**
 * Why a model of `need` bytes does not fit beside models of `loaded` bytes, or undefined when it
 * does. `room`: free memory (the loaded models are already out of it), or with `isLimit` the
 * most all models may take together.
 */
export function memoryShortfall(need: number, loaded: number, room: number, isLimit: boolean): string | undefined {
  const available = isLimit ? room - loaded : room;
  if (need <= available) return undefined;
  return `it needs about ${gb(need)} and ${gb(Math.max(0, available))} ${isLimit ? 'is left of the memory limit' : 'is free'}`;
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}
