/**
 * Deterministic weights for generated decoder test models (test tooling, never shipped).
 *
 * Naming follows Hugging Face `Qwen2ForCausalLM` state dicts, with HF shapes (the other families'
 * axes, see `ModelShape`, add or swap tensors: `.bias` of norms and linears, `mlp.c_fc`/`mlp.c_proj`
 * for a plain GELU MLP, `lm_head.weight` [vocab, hidden] when untied):
 *   model.embed_tokens.weight                      [vocab, hidden]
 *   model.layers.{i}.input_layernorm.weight        [hidden]
 *   model.layers.{i}.self_attn.q_proj.weight       [heads*headDim, hidden]     (HF Linear: [out, in])
 *   model.layers.{i}.self_attn.q_proj.bias         [heads*headDim]
 *   model.layers.{i}.self_attn.k_proj.weight/bias  [kvHeads*headDim, hidden] / [kvHeads*headDim]
 *   model.layers.{i}.self_attn.v_proj.weight/bias  [kvHeads*headDim, hidden] / [kvHeads*headDim]
 *   model.layers.{i}.self_attn.o_proj.weight       [hidden, heads*headDim]     (no bias, as Qwen2)
 *   model.layers.{i}.post_attention_layernorm.weight [hidden]
 *   model.layers.{i}.mlp.gate_proj.weight          [intermediate, hidden]
 *   model.layers.{i}.mlp.up_proj.weight            [intermediate, hidden]
 *   model.layers.{i}.mlp.down_proj.weight          [hidden, intermediate]
 *   model.norm.weight                              [hidden]
 * The lm_head is tied: logits = h @ embed_tokens.weight^T.
 *
 * In the ONNX graphs (see onnxGraph.ts) an HF Linear W [out, in] becomes:
 *   - fp32: a MatMul initializer holding W^T, shape [in, out] (y = x @ W^T), named `<hf name>_T`;
 *     the tied lm_head is `Gemm(h2d, embed, transB=1)` on the SAME embedding initializer used by
 *     the Gather, so the embedding is stored once.
 *   - q4: MatMulNBits with K = in, N = out; B = quantizeQ4Block32(W, out, in).codes, i.e. the HF
 *     rows are quantized as-is, no transposition (MatMulNBits stores B per output column n, which
 *     is HF row n).
 *
 * Weights come from a counter-based hash PRNG (random access: any element of any tensor can be
 * generated without the others), so big tensors can be streamed in row chunks and every
 * (shape, name, seed, perturbation) gives bit-identical values on every machine.
 */

export interface ModelShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  vocab: number;
  ropeTheta: number;
  /** The epsilon of every norm (RMSNorm or LayerNorm). */
  rmsNormEps: number;
  maxPositions: number;
  // ---- the axes the families differ in; absent = Qwen2 ---------------------------------------
  /** Bias on q/k/v (default true, as Qwen2), on o_proj, on the MLP's linears. */
  qkvBias?: boolean;
  oBias?: boolean;
  mlpBias?: boolean;
  /** rms: x / rms(x) * w; rms1p: Gemma's x / rms(x) * (1 + w); layernorm: with bias. Default rms. */
  norm?: 'rms' | 'rms1p' | 'layernorm';
  /** swiglu: down(silu(gate) * up); geglu: down(gelu_tanh(gate) * up); gelu: c_proj(gelu_tanh(c_fc)). */
  mlp?: 'swiglu' | 'geglu' | 'gelu';
  /** Gemma multiplies the embeddings by sqrt(hidden) inside the graph. */
  embedScale?: boolean;
  /** Leading dims of each head that are rotated (Stable Code: a quarter); default headDim. */
  rotaryDims?: number;
  ropeScaling?: RopeScaling;
  /** Default true: lm_head = embed_tokens. */
  tied?: boolean;
  /** Rows of the RoPE tables in the graph (default maxPositions): families with 128k configs keep test graphs small. */
  ropeRows?: number;
}

/** Hugging Face `rope_scaling` kinds the families use (transformers' modeling_rope_utils). */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
  /** Phi-3: per-frequency factors, `short` up to originalMaxPositions, `long` beyond, both with the attention factor on cos/sin. */
  | { type: 'longrope'; shortFactor: number[]; longFactor: number[]; originalMaxPositions: number };

const QWEN_VOCAB = 151936;

export const SHAPES: Record<'tiny' | 'tiny-draft' | 'qwen2.5-coder-0.5b' | 'qwen2.5-coder-1.5b', ModelShape> = {
  tiny: {
    hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediate: 128,
    vocab: QWEN_VOCAB, ropeTheta: 1e6, rmsNormEps: 1e-6, maxPositions: 32768,
  },
  'tiny-draft': {
    hidden: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediate: 64,
    vocab: QWEN_VOCAB, ropeTheta: 1e6, rmsNormEps: 1e-6, maxPositions: 32768,
  },
  'qwen2.5-coder-0.5b': {
    hidden: 896, layers: 24, heads: 14, kvHeads: 2, headDim: 64, intermediate: 4864,
    vocab: QWEN_VOCAB, ropeTheta: 1e6, rmsNormEps: 1e-6, maxPositions: 32768,
  },
  'qwen2.5-coder-1.5b': {
    hidden: 1536, layers: 28, heads: 12, kvHeads: 2, headDim: 128, intermediate: 8960,
    vocab: QWEN_VOCAB, ropeTheta: 1e6, rmsNormEps: 1e-6, maxPositions: 32768,
  },
};

/** Default seed per size (tiny-draft uses a different seed from tiny). */
export const DEFAULT_SEEDS: Record<keyof typeof SHAPES, number> = {
  tiny: 1,
  'tiny-draft': 2,
  'qwen2.5-coder-0.5b': 3,
  'qwen2.5-coder-1.5b': 4,
};

export type TensorKind = 'embedding' | 'norm' | 'linear' | 'bias';

export interface TensorSpec {
  name: string;
  /** HF shape ([out, in] for Linear weights). */
  dims: number[];
  kind: TensorKind;
  /** Standard deviation of the random part (for norms: of the deviation from 1). */
  std: number;
  /** Magnitude the `perturbation` option is relative to. */
  scale: number;
  /** Mean of a norm's values (default 1; Gemma's (1 + w) norms store w around 0). */
  mean?: number;
}

/** Every weight tensor of a shape, in file order (embedding first, then layer by layer, final norm, untied lm_head). */
export function tensorSpecs(shape: ModelShape): TensorSpec[] {
  const { hidden: H, heads, kvHeads, headDim: D, intermediate: I, vocab: V } = shape;
  const specs: TensorSpec[] = [];
  const lin = (name: string, out: number, inp: number, withBias = false): void => {
    const std = 1 / Math.sqrt(inp);
    specs.push({ name: `${name}.weight`, dims: [out, inp], kind: 'linear', std, scale: std });
    if (withBias) bias(`${name}.bias`, out);
  };
  const bias = (name: string, n: number): void => {
    specs.push({ name, dims: [n], kind: 'bias', std: 0.2, scale: 0.2 });
  };
  const norm = (name: string): void => {
    // Gemma stores the deviation from 1 (the graph adds it), the others the scale itself.
    specs.push({ name: `${name}.weight`, dims: [H], kind: 'norm', std: 0.05, scale: 1, mean: shape.norm === 'rms1p' ? 0 : 1 });
    if (shape.norm === 'layernorm') specs.push({ name: `${name}.bias`, dims: [H], kind: 'bias', std: 0.05, scale: 0.05 });
  };
  // Gemma scales the embeddings by sqrt(hidden) in the graph: drawn smaller by as much, they weigh
  // in the residual stream as the other families' do (at 1/sqrt(H), a tied model repeats its input).
  const embStd = shape.embedScale ? 1 / H : 1 / Math.sqrt(H);
  specs.push({ name: 'model.embed_tokens.weight', dims: [V, H], kind: 'embedding', std: embStd, scale: embStd });
  const qkvBias = shape.qkvBias ?? true;
  for (let l = 0; l < shape.layers; l++) {
    const p = `model.layers.${l}`;
    norm(`${p}.input_layernorm`);
    lin(`${p}.self_attn.q_proj`, heads * D, H, qkvBias);
    lin(`${p}.self_attn.k_proj`, kvHeads * D, H, qkvBias);
    lin(`${p}.self_attn.v_proj`, kvHeads * D, H, qkvBias);
    lin(`${p}.self_attn.o_proj`, H, heads * D, shape.oBias);
    norm(`${p}.post_attention_layernorm`);
    if (shape.mlp === 'gelu') {
      lin(`${p}.mlp.c_fc`, I, H, shape.mlpBias);
      lin(`${p}.mlp.c_proj`, H, I, shape.mlpBias);
    } else {
      lin(`${p}.mlp.gate_proj`, I, H, shape.mlpBias);
      lin(`${p}.mlp.up_proj`, I, H, shape.mlpBias);
      lin(`${p}.mlp.down_proj`, H, I, shape.mlpBias);
    }
  }
  norm('model.norm');
  if (shape.tied === false) specs.push({ name: 'lm_head.weight', dims: [V, H], kind: 'linear', std: 1 / Math.sqrt(H), scale: 1 / Math.sqrt(H) });
  return specs;
}

/** Names of every weight tensor, in file order. */
export function tensorNames(shape: ModelShape): string[] {
  return tensorSpecs(shape).map((s) => s.name);
}

const specCache = new WeakMap<ModelShape, Map<string, TensorSpec>>();

export function tensorSpec(shape: ModelShape, name: string): TensorSpec {
  let m = specCache.get(shape);
  if (!m) {
    m = new Map(tensorSpecs(shape).map((t) => [t.name, t]));
    specCache.set(shape, m);
  }
  const s = m.get(name);
  if (!s) throw new Error(`unknown tensor ${name}`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// PRNG: counter-based. value(i) = mix(key + i * golden). Keys are FNV-1a hashes of seed + name.

function fnv1a(str: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** lowbias32 (Chris Wellons): a bijective 32-bit mixer. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

function streamKey(seed: number, label: string): number {
  return mix32(fnv1a(`${seed >>> 0}:${label}`));
}

const TRI_NORM = Math.sqrt(6); // (u1 + u2 - 1) on (-1, 1) has std 1/sqrt(6)

/**
 * Fill out[0..count) with "normal-ish" values of std 1 (a triangular distribution from two
 * 16-bit uniforms) for stream `key`, elements start..start+count.
 */
function fillNormalish(key: number, start: number, count: number, out: Float32Array, mul: number, add: number, accumulate: boolean): void {
  const k = mul * TRI_NORM;
  for (let j = 0; j < count; j++) {
    const u = mix32((key + Math.imul(start + j, 0x9e3779b9)) | 0);
    const t = ((u & 0xffff) + (u >>> 16) + 1) / 65536 - 1;
    const v = t * k + add;
    out[j] = accumulate ? out[j] + v : v;
  }
}

/**
 * Elements [start, start+count) (row-major over the HF shape) of tensor `name`, fp32.
 * With `perturbation` p > 0, seeded noise of std p * spec.scale is added (a perturbed copy of the
 * same-seed model: used as a draft model with partial acceptance).
 */
export function makeTensorRange(
  shape: ModelShape,
  name: string,
  seed: number,
  perturbation: number,
  start: number,
  count: number,
  out: Float32Array = new Float32Array(count),
): Float32Array {
  const spec = tensorSpec(shape, name);
  const add = spec.kind === 'norm' ? (spec.mean ?? 1) : 0;
  fillNormalish(streamKey(seed, name), start, count, out, spec.std, add, false);
  if (perturbation > 0) {
    fillNormalish(streamKey(seed, `perturb:${name}`), start, count, out, perturbation * spec.scale, 0, true);
  }
  return out;
}

/** The whole tensor `name` (HF shape, row-major), fp32. Deterministic in (shape, name, seed, perturbation). */
export function makeTensor(shape: ModelShape, name: string, seed: number, perturbation = 0): Float32Array {
  const n = tensorSpec(shape, name).dims.reduce((a, b) => a * b, 1);
  return makeTensorRange(shape, name, seed, perturbation, 0, n);
}

/**
 * Tensors quantized in q4 variants: every HF Linear weight, and the embedding when it is the tied
 * lm_head (an untied embedding stays a plain fp32 Gather, as the onnx-community q4 exports ship it).
 */
export function isQuantized(spec: TensorSpec, shape: ModelShape): boolean {
  return spec.kind === 'linear' || (spec.kind === 'embedding' && shape.tied !== false);
}

// ---------------------------------------------------------------------------------------------
// RoPE tables (shared by the graphs and the reference, so both use identical fp32 values).

/**
 * cos/sin tables [positions, rotaryDims/2] (row-major), HF rotate-half convention:
 * inv_freq[i] = 1 / theta^(2i/rotaryDims), angle = pos * inv_freq[i], with the shape's RoPE
 * scaling applied to inv_freq as transformers' `_compute_*_parameters` do (linear: / factor;
 * llama3: wavelength-banded; longrope: / short or long factor[i], cos and sin times
 * sqrt(1 + ln(maxPositions / original) / ln(original))). Values rounded to fp32.
 * The standard-ops graph uses [cos, cos] concatenated to rotaryDims; GroupQueryAttention uses
 * the half tables directly (cos_cache / sin_cache).
 */
export function ropeTables(shape: ModelShape, positions = shape.ropeRows ?? shape.maxPositions, longrope: 'short' | 'long' = 'short'): { cos: Float32Array; sin: Float32Array } {
  const R = shape.rotaryDims ?? shape.headDim;
  const half = R / 2;
  const invFreq = new Float64Array(half);
  const sc = shape.ropeScaling;
  let attention = 1;
  for (let i = 0; i < half; i++) {
    let f = 1 / Math.pow(shape.ropeTheta, (2 * i) / R);
    if (sc?.type === 'linear') f /= sc.factor;
    if (sc?.type === 'llama3') {
      const lowWavelen = sc.originalMaxPositions / sc.lowFreqFactor;
      const highWavelen = sc.originalMaxPositions / sc.highFreqFactor;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > lowWavelen) f /= sc.factor;
      else if (wavelen >= highWavelen) {
        const smooth = (sc.originalMaxPositions / wavelen - sc.lowFreqFactor) / (sc.highFreqFactor - sc.lowFreqFactor);
        f = (1 - smooth) * (f / sc.factor) + smooth * f;
      }
    }
    if (sc?.type === 'longrope') f /= (longrope === 'short' ? sc.shortFactor : sc.longFactor)[i];
    invFreq[i] = Math.fround(f);
  }
  if (sc?.type === 'longrope') {
    const ratio = shape.maxPositions / sc.originalMaxPositions;
    attention = ratio <= 1 ? 1 : Math.sqrt(1 + Math.log(ratio) / Math.log(sc.originalMaxPositions));
  }
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = Math.fround(p * invFreq[i]);
      cos[p * half + i] = Math.cos(a) * attention;
      sin[p * half + i] = Math.sin(a) * attention;
    }
  }
  return { cos, sin };
}

// ---------------------------------------------------------------------------------------------
// fp16 helpers (Q4_0 scales are kept fp16-exact so a GGUF with fp16 `d` dequantizes identically).

import { float32ToHalf, halfToFloat } from '../../src/engine/float16';

/** IEEE binary16 bits of v, round to nearest even; and back (the engine's own conversions). */
export const float32ToFloat16Bits = float32ToHalf;
export const float16BitsToFloat32 = halfToFloat;

// ---------------------------------------------------------------------------------------------
// 4-bit block quantization (MatMulNBits bits=4 block_size=32, symmetric == GGUF Q4_0).

export const Q4_BLOCK = 32;
/** Bytes of packed codes per block (32 x 4 bits). */
export const Q4_BLOB = 16;

/**
 * Quantize an HF-layout weight `w` [rows, cols] (row-major; rows = N = output features,
 * cols = K = input features, K % 32 == 0) to 4-bit symmetric blocks of 32 along K.
 *
 * Per block (32 consecutive elements of one row), exactly ggml's `quantize_row_q4_0_ref`:
 *   max = the element with the largest |x| (sign kept); d = fp16round(max / -8);
 *   q_j = clamp(trunc(x_j / d + 8.5), 0, 15);   dequant: x_j ~= (q_j - 8) * d.
 * (`d` is rounded to fp16 before the codes are computed, so fp32 `scales` here and fp16 `d` in a
 * GGUF are the same number.)
 *
 * Layout returned, with nBlocks = cols / 32:
 *   codes  Uint8Array [rows, nBlocks, 16] == MatMulNBits input B ([N, n_blocks_per_col, blob_size]).
 *          Byte j (0..15) of block b of row n = q[2j] | (q[2j+1] << 4), where q[t] is the code of
 *          element K-index b*32 + t (MatMulNBits packs low nibble first along K).
 *   scales Float32Array [rows, nBlocks] == MatMulNBits input `scales` (flattened [N * n_blocks]),
 *          no zero_points input (so the implied zero point is 8).
 *
 * GGUF Q4_0 mapping (ggml tensor ne[0] = K, ne[1] = N, i.e. the same HF row order): GGUF block
 * (n, b) = { d: fp16(scales[n*nBlocks+b]), qs[16] } with qs[j] = q[j] | (q[j+16] << 4) — the same
 * 32 codes, different nibble order. `q4ToGgufQ4_0` does that repacking.
 */
export function quantizeQ4Block32(w: Float32Array, rows: number, cols: number): { codes: Uint8Array; scales: Float32Array } {
  if (cols % Q4_BLOCK !== 0) throw new Error(`quantizeQ4Block32: cols ${cols} not a multiple of 32`);
  if (w.length < rows * cols) throw new Error('quantizeQ4Block32: w too short');
  const nBlocks = cols / Q4_BLOCK;
  const codes = new Uint8Array(rows * nBlocks * Q4_BLOB);
  const scales = new Float32Array(rows * nBlocks);
  const q = new Uint8Array(Q4_BLOCK);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < nBlocks; b++) {
      const base = r * cols + b * Q4_BLOCK;
      let amax = 0;
      let max = 0;
      for (let j = 0; j < Q4_BLOCK; j++) {
        const v = w[base + j];
        const a = Math.abs(v);
        if (a > amax) {
          amax = a;
          max = v;
        }
      }
      const d = float16BitsToFloat32(float32ToFloat16Bits(max / -8));
      const id = d !== 0 ? 1 / d : 0;
      for (let j = 0; j < Q4_BLOCK; j++) {
        const c = Math.trunc(w[base + j] * id + 8.5);
        q[j] = c < 0 ? 0 : c > 15 ? 15 : c;
      }
      const bi = r * nBlocks + b;
      scales[bi] = d;
      const o = bi * Q4_BLOB;
      for (let j = 0; j < Q4_BLOB; j++) codes[o + j] = q[2 * j] | (q[2 * j + 1] << 4);
    }
  }
  return { codes, scales };
}

/** Inverse of quantizeQ4Block32: HF-layout fp32 [rows, cols] with x = (q - 8) * d. */
export function dequantizeQ4Block32(codes: Uint8Array, scales: Float32Array, rows: number, cols: number, out = new Float32Array(rows * cols)): Float32Array {
  const nBlocks = cols / Q4_BLOCK;
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < nBlocks; b++) {
      const bi = r * nBlocks + b;
      const d = scales[bi];
      const o = bi * Q4_BLOB;
      const base = r * cols + b * Q4_BLOCK;
      for (let j = 0; j < Q4_BLOB; j++) {
        const byte = codes[o + j];
        out[base + 2 * j] = ((byte & 15) - 8) * d;
        out[base + 2 * j + 1] = ((byte >> 4) - 8) * d;
      }
    }
  }
  return out;
}

/** GGUF Q4_0 block size in bytes (fp16 d + 16 bytes of codes). */
export const GGUF_Q4_0_BLOCK_BYTES = 18;

/**
 * Repack MatMulNBits codes/scales (from quantizeQ4Block32) into GGUF Q4_0 blocks, row by row
 * (rows * nBlocks blocks of 18 bytes: little-endian fp16 d, then qs[j] = q[j] | q[j+16] << 4).
 */
export function q4ToGgufQ4_0(codes: Uint8Array, scales: Float32Array, rows: number, cols: number): Uint8Array {
  const nBlocks = cols / Q4_BLOCK;
  const out = new Uint8Array(rows * nBlocks * GGUF_Q4_0_BLOCK_BYTES);
  const q = new Uint8Array(Q4_BLOCK);
  for (let bi = 0; bi < rows * nBlocks; bi++) {
    const o = bi * Q4_BLOB;
    for (let j = 0; j < Q4_BLOB; j++) {
      q[2 * j] = codes[o + j] & 15;
      q[2 * j + 1] = codes[o + j] >> 4;
    }
    const g = bi * GGUF_Q4_0_BLOCK_BYTES;
    const h = float32ToFloat16Bits(scales[bi]);
    out[g] = h & 0xff;
    out[g + 1] = h >> 8;
    for (let j = 0; j < 16; j++) out[g + 2 + j] = q[j] | (q[j + 16] << 4);
  }
  return out;
}
