/**
 * Plain TypeScript reference forward pass of the generated models (no ONNX), from the same
 * makeTensor weights: full recomputation, no KV cache, batch 1, positions 0..n-1, causal, along
 * every axis of ModelShape (norms, MLPs, biases, embedding scale, partial and scaled rotary,
 * untied lm_head). Meant for the tiny shapes (it materializes every weight).
 *
 * Arithmetic: fp32 weights, float64 activations and accumulation. With `quantized: true` every
 * Linear weight and the tied embedding (Gather table and lm_head alike) are replaced by their
 * Q4 block-32 dequantization ((q - 8) * d, the codes the q4 graphs and a GGUF Q4_0 hold). With
 * `io16`, K and V are rounded to fp16 as the graphs' fp16 KV boundary does, and so are the logits.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ModelShape, dequantizeQ4Block32, float16BitsToFloat32, float32ToFloat16Bits, isQuantized, makeTensor, quantizeQ4Block32,
  ropeTables, tensorSpecs,
} from './weights';

export interface ReferenceWeights {
  shape: ModelShape;
  /** HF name -> fp32 tensor in HF layout (dequantized when `quantized`). */
  tensors: Map<string, Float32Array>;
  quantized: boolean;
  io16: boolean;
  /** RoPE half tables [positions, headDim/2] (same values as the graphs' caches). */
  cos: Float32Array;
  sin: Float32Array;
}

export interface ReferenceOptions {
  shape: ModelShape;
  seed: number;
  perturbation?: number;
  /** Use the dequantized Q4 weights (for q4 / q4-acc0 folders). */
  quantized?: boolean;
  /** Rows of the RoPE tables to build (default 4096). */
  maxPositions?: number;
  /** Round K, V and the logits to fp16 (graphs with fp16 I/O). */
  io16?: boolean;
}

export function loadReferenceWeights(o: ReferenceOptions): ReferenceWeights {
  const tensors = new Map<string, Float32Array>();
  for (const spec of tensorSpecs(o.shape)) {
    let t = makeTensor(o.shape, spec.name, o.seed, o.perturbation ?? 0);
    if (o.quantized && isQuantized(spec, o.shape)) {
      const [rows, cols] = spec.dims;
      const { codes, scales } = quantizeQ4Block32(t, rows, cols);
      t = dequantizeQ4Block32(codes, scales, rows, cols);
    }
    tensors.set(spec.name, t);
  }
  const { cos, sin } = ropeTables(o.shape, Math.min(o.maxPositions ?? 4096, o.shape.ropeRows ?? o.shape.maxPositions));
  return { shape: o.shape, tensors, quantized: !!o.quantized, io16: !!o.io16, cos, sin };
}

/** Weights of a generated model folder (reads config.json's `slm_test_model` block: the shape and how it was written). */
export function loadReferenceForModelDir(dir: string, maxPositions?: number): ReferenceWeights {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    slm_test_model?: { shape: ModelShape; precision: string; seed: number; perturbation: number; io16?: boolean };
  };
  const m = cfg.slm_test_model;
  if (!m) throw new Error(`${dir} is not a generated test model (no slm_test_model in config.json)`);
  return loadReferenceWeights({
    shape: m.shape,
    seed: m.seed,
    perturbation: m.perturbation,
    quantized: m.precision !== 'fp32',
    io16: m.io16,
    maxPositions,
  });
}

function get(w: ReferenceWeights, name: string): Float32Array {
  const t = w.tensors.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t;
}

/** y[n, N] = x[n, K] @ W^T (+ b), W HF layout [N, K]. */
function linear(x: Float64Array, n: number, K: number, W: Float32Array, N: number, b?: Float32Array): Float64Array {
  const y = new Float64Array(n * N);
  for (let t = 0; t < n; t++) {
    const xo = t * K;
    for (let j = 0; j < N; j++) {
      const wo = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += x[xo + k] * W[wo + k];
      y[t * N + j] = b ? s + b[j] : s;
    }
  }
  return y;
}

/** The shape's norm over rows of x [n, H]: RMSNorm, Gemma's RMSNorm(1 + w), or LayerNorm with bias. */
function norm(w: ReferenceWeights, x: Float64Array, n: number, name: string): Float64Array {
  const { hidden: H, rmsNormEps: eps } = w.shape;
  const scale = get(w, `${name}.weight`);
  const kind = w.shape.norm ?? 'rms';
  const bias = kind === 'layernorm' ? get(w, `${name}.bias`) : undefined;
  const y = new Float64Array(n * H);
  for (let t = 0; t < n; t++) {
    let mean = 0;
    if (kind === 'layernorm') {
      for (let i = 0; i < H; i++) mean += x[t * H + i];
      mean /= H;
    }
    let ss = 0;
    for (let i = 0; i < H; i++) ss += (x[t * H + i] - mean) ** 2;
    const r = 1 / Math.sqrt(ss / H + eps);
    for (let i = 0; i < H; i++) {
      const s = kind === 'rms1p' ? 1 + scale[i] : scale[i];
      y[t * H + i] = (x[t * H + i] - mean) * r * s + (bias ? bias[i] : 0);
    }
  }
  return y;
}

const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
const silu = (x: number): number => x / (1 + Math.exp(-x));
const toHalf = (x: number): number => float16BitsToFloat32(float32ToFloat16Bits(x));

/** In-place rotate-half RoPE on the first R dims of each head of x [n, heads*D], positions 0..n-1. */
function rope(x: Float64Array, n: number, heads: number, D: number, R: number, cos: Float32Array, sin: Float32Array): void {
  const half = R / 2;
  for (let t = 0; t < n; t++) {
    for (let h = 0; h < heads; h++) {
      const o = t * heads * D + h * D;
      for (let i = 0; i < half; i++) {
        const c = cos[t * half + i];
        const s = sin[t * half + i];
        const a = x[o + i];
        const b = x[o + i + half];
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}

/**
 * Logits for every position of `tokens` (batch 1, positions 0..n-1), row-major [n, vocab].
 * `lastOnly` computes only the last row (returns [1, vocab]).
 */
export function referenceForward(w: ReferenceWeights, tokens: number[], lastOnly = false): Float32Array {
  const { shape } = w;
  const { hidden: H, heads: NH, kvHeads: KVH, headDim: D, intermediate: I, vocab: V } = shape;
  const R = shape.rotaryDims ?? D;
  const n = tokens.length;
  if (n * (R / 2) > w.cos.length) throw new Error('sequence longer than the reference RoPE tables');
  const group = NH / KVH;
  const emb = get(w, 'model.embed_tokens.weight');
  const embScale = shape.embedScale ? Math.fround(Math.sqrt(H)) : 1;
  let h = new Float64Array(n * H);
  for (let t = 0; t < n; t++) for (let i = 0; i < H; i++) h[t * H + i] = emb[tokens[t] * H + i] * embScale;
  const lin = (x: Float64Array, K: number, name: string, N: number): Float64Array => linear(x, n, K, get(w, `${name}.weight`), N, w.tensors.get(`${name}.bias`));
  const scale = 1 / Math.sqrt(D);
  for (let l = 0; l < shape.layers; l++) {
    const p = `model.layers.${l}`;
    const x = norm(w, h, n, `${p}.input_layernorm`);
    const q = lin(x, H, `${p}.self_attn.q_proj`, NH * D);
    const k = lin(x, H, `${p}.self_attn.k_proj`, KVH * D);
    const v = lin(x, H, `${p}.self_attn.v_proj`, KVH * D);
    rope(q, n, NH, D, R, w.cos, w.sin);
    rope(k, n, KVH, D, R, w.cos, w.sin);
    if (w.io16) {
      for (let i = 0; i < k.length; i++) k[i] = toHalf(k[i]);
      for (let i = 0; i < v.length; i++) v[i] = toHalf(v[i]);
    }
    const ctx = new Float64Array(n * NH * D);
    const sc = new Float64Array(n);
    for (let hd = 0; hd < NH; hd++) {
      const kv = Math.floor(hd / group);
      for (let t = 0; t < n; t++) {
        let mx = -Infinity;
        for (let j = 0; j <= t; j++) {
          let s = 0;
          for (let d = 0; d < D; d++) s += q[t * NH * D + hd * D + d] * k[j * KVH * D + kv * D + d];
          sc[j] = s * scale;
          if (sc[j] > mx) mx = sc[j];
        }
        let z = 0;
        for (let j = 0; j <= t; j++) {
          sc[j] = Math.exp(sc[j] - mx);
          z += sc[j];
        }
        for (let d = 0; d < D; d++) {
          let s = 0;
          for (let j = 0; j <= t; j++) s += sc[j] * v[j * KVH * D + kv * D + d];
          ctx[t * NH * D + hd * D + d] = s / z;
        }
      }
    }
    const o = lin(ctx, NH * D, `${p}.self_attn.o_proj`, H);
    for (let i = 0; i < h.length; i++) h[i] += o[i];
    const x2 = norm(w, h, n, `${p}.post_attention_layernorm`);
    let down: Float64Array;
    if (shape.mlp === 'gelu') {
      const fc = lin(x2, H, `${p}.mlp.c_fc`, I);
      for (let i = 0; i < fc.length; i++) fc[i] = geluTanh(fc[i]);
      down = lin(fc, I, `${p}.mlp.c_proj`, H);
    } else {
      const act = shape.mlp === 'geglu' ? geluTanh : silu;
      const gate = lin(x2, H, `${p}.mlp.gate_proj`, I);
      const up = lin(x2, H, `${p}.mlp.up_proj`, I);
      for (let i = 0; i < gate.length; i++) gate[i] = act(gate[i]) * up[i];
      down = lin(gate, I, `${p}.mlp.down_proj`, H);
    }
    for (let i = 0; i < h.length; i++) h[i] += down[i];
  }
  let xf = norm(w, h, n, 'model.norm');
  let rows = n;
  if (lastOnly) {
    xf = xf.slice((n - 1) * H);
    rows = 1;
  }
  const head = shape.tied === false ? get(w, 'lm_head.weight') : emb;
  const logits = Float32Array.from(linear(xf, rows, H, head, V));
  return w.io16 ? logits.map(toHalf) : logits;
}

/** Convenience: reference logits [n, vocab] for a generated model folder. */
export function referenceLogits(dir: string, tokens: number[]): Float32Array {
  return referenceForward(loadReferenceForModelDir(dir), tokens);
}
