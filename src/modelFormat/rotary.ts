/**
 * How a model turns its keys by position (rotary embeddings), read from config.json the way
 * transformers' modeling_rope_utils computes inv_freq. Cached keys are stored turned, so moving a
 * block of cached positions by `d` is one more turn by `d * invFreq[i]` per pair (kvShift.ts).
 */
export interface Rotary {
  /** Leading dimensions of each head that turn (partial rotary: StableLM's quarter). */
  dims: number;
  /** Radians per position of each pair (i, i + dims/2): the rotate-half convention every supported family uses. */
  invFreq: Float64Array;
}

/** The families whose keys are turned with rotate-half RoPE before they are cached. */
const ROTATE_HALF_TYPES = new Set(['qwen2', 'qwen3', 'llama', 'mistral', 'starcoder2', 'stablelm', 'gemma', 'gemma2', 'phi3', 'granite']);

/** The model's rotary spec, or why its cached keys cannot be moved (the engine then re-prefills). */
export function readRotary(c: Record<string, unknown>, modelType: string, headDim: number): Rotary | string {
  if (!ROTATE_HALF_TYPES.has(modelType)) return `${modelType || 'this model type'} caches keys in a layout the engine cannot move`;
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
  const partial = num(c.partial_rotary_factor, modelType === 'stablelm' ? 0.25 : 1);
  const dims = Math.floor((headDim * partial) / 2) * 2;
  if (dims < 2 || dims > headDim) return `partial_rotary_factor ${partial} gives ${dims} rotary dimensions of ${headDim}`;
  const theta = num(c.rope_theta, 10000);
  const scaling = (c.rope_scaling ?? undefined) as Record<string, unknown> | undefined;
  const kind = scaling ? String(scaling.rope_type ?? scaling.type ?? 'default') : 'default';
  const invFreq = new Float64Array(dims / 2);
  for (let i = 0; i < invFreq.length; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / dims);
  switch (kind) {
    case 'default':
      return { dims, invFreq };
    case 'linear': {
      const factor = num(scaling!.factor, 1);
      return { dims, invFreq: invFreq.map((f) => f / factor) };
    }
    case 'llama3': {
      const factor = num(scaling!.factor, 8);
      const low = num(scaling!.low_freq_factor, 1);
      const high = num(scaling!.high_freq_factor, 4);
      const original = num(scaling!.original_max_position_embeddings, 8192);
      return {
        dims,
        invFreq: invFreq.map((f) => {
          const wavelength = (2 * Math.PI) / f;
          if (wavelength > original / low) return f / factor;
          if (wavelength < original / high) return f;
          const smooth = (original / wavelength - low) / (high - low);
          return (1 - smooth) * (f / factor) + smooth * f;
        }),
      };
    }
    case 'longrope': {
      // The engine caps such models at original_max_position_embeddings (modelConfig.ts), where the short factors apply.
      const short = scaling!.short_factor;
      if (!Array.isArray(short) || short.length !== invFreq.length || !short.every((x) => typeof x === 'number' && x > 0)) {
        return `rope_scaling.short_factor does not give one factor per rotary pair (${invFreq.length})`;
      }
      return { dims, invFreq: invFreq.map((f, i) => f / (short[i] as number)) };
    }
    default:
      // dynamic NTK and YaRN change the angles with the sequence length: a cached key's turn is not one rotation away.
      return `rope_scaling "${kind}" changes its angles with the sequence length`;
  }
}
