/**
 * Plain TypeScript reference forward pass of the generated Qwen2 models (no ONNX), from the same
 * makeTensor weights: full recomputation, no KV cache, batch 1, positions 0..n-1, causal.
 * Meant for the `tiny` / `tiny-draft` shapes (it materializes every weight).
 *
 * Arithmetic: fp32 weights, float64 activations and accumulation. With `quantized: true` every
 * Linear weight and the embedding (Gather table and tied lm_head alike) are replaced by their
 * Q4 block-32 dequantization ((q - 8) * d, the codes the q4 graphs and a GGUF Q4_0 hold).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ModelShape, SHAPES, dequantizeQ4Block32, isQuantized, makeTensor, quantizeQ4Block32, ropeTables, tensorSpecs,
} from './weights';

export interface ReferenceWeights {
  shape: ModelShape;
  /** HF name -> fp32 tensor in HF layout (dequantized when `quantized`). */
  tensors: Map<string, Float32Array>;
  quantized: boolean;
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
}

export function loadReferenceWeights(o: ReferenceOptions): ReferenceWeights {
  const tensors = new Map<string, Float32Array>();
  for (const spec of tensorSpecs(o.shape)) {
    let t = makeTensor(o.shape, spec.name, o.seed, o.perturbation ?? 0);
    if (o.quantized && isQuantized(spec)) {
      const [rows, cols] = spec.dims;
      const { codes, scales } = quantizeQ4Block32(t, rows, cols);
      t = dequantizeQ4Block32(codes, scales, rows, cols);
    }
    tensors.set(spec.name, t);
  }
  const { cos, sin } = ropeTables(o.shape, Math.min(o.maxPositions ?? 4096, o.shape.maxPositions));
  return { shape: o.shape, tensors, quantized: !!o.quantized, cos, sin };
}

/** Weights of a generated model folder (reads config.json's `slm_test_model` block). */
export function loadReferenceForModelDir(dir: string, maxPositions?: number): ReferenceWeights {
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    slm_test_model?: { size: keyof typeof SHAPES; precision: string; seed: number; perturbation: number };
  };
  const m = cfg.slm_test_model;
  if (!m) throw new Error(`${dir} is not a generated test model (no slm_test_model in config.json)`);
  return loadReferenceWeights({
    shape: SHAPES[m.size],
    seed: m.seed,
    perturbation: m.perturbation,
    quantized: m.precision !== 'fp32',
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

function rmsNorm(x: Float64Array, n: number, H: number, w: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(n * H);
  for (let t = 0; t < n; t++) {
    let ss = 0;
    for (let i = 0; i < H; i++) ss += x[t * H + i] * x[t * H + i];
    const r = 1 / Math.sqrt(ss / H + eps);
    for (let i = 0; i < H; i++) y[t * H + i] = x[t * H + i] * r * w[i];
  }
  return y;
}

/** In-place rotate-half RoPE on x [n, heads*D] at positions 0..n-1. */
function rope(x: Float64Array, n: number, heads: number, D: number, cos: Float32Array, sin: Float32Array): void {
  const half = D / 2;
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
  const { hidden: H, heads: NH, kvHeads: KVH, headDim: D, intermediate: I, vocab: V, rmsNormEps: eps } = w.shape;
  const n = tokens.length;
  if (n * (D / 2) > w.cos.length) throw new Error('sequence longer than the reference RoPE tables');
  const group = NH / KVH;
  const emb = get(w, 'model.embed_tokens.weight');
  let h = new Float64Array(n * H);
  for (let t = 0; t < n; t++) for (let i = 0; i < H; i++) h[t * H + i] = emb[tokens[t] * H + i];
  const scale = 1 / Math.sqrt(D);
  for (let l = 0; l < w.shape.layers; l++) {
    const p = `model.layers.${l}`;
    const x = rmsNorm(h, n, H, get(w, `${p}.input_layernorm.weight`), eps);
    const q = linear(x, n, H, get(w, `${p}.self_attn.q_proj.weight`), NH * D, get(w, `${p}.self_attn.q_proj.bias`));
    const k = linear(x, n, H, get(w, `${p}.self_attn.k_proj.weight`), KVH * D, get(w, `${p}.self_attn.k_proj.bias`));
    const v = linear(x, n, H, get(w, `${p}.self_attn.v_proj.weight`), KVH * D, get(w, `${p}.self_attn.v_proj.bias`));
    rope(q, n, NH, D, w.cos, w.sin);
    rope(k, n, KVH, D, w.cos, w.sin);
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
    const o = linear(ctx, n, NH * D, get(w, `${p}.self_attn.o_proj.weight`), H);
    for (let i = 0; i < h.length; i++) h[i] += o[i];
    const x2 = rmsNorm(h, n, H, get(w, `${p}.post_attention_layernorm.weight`), eps);
    const gate = linear(x2, n, H, get(w, `${p}.mlp.gate_proj.weight`), I);
    const up = linear(x2, n, H, get(w, `${p}.mlp.up_proj.weight`), I);
    for (let i = 0; i < gate.length; i++) gate[i] = (gate[i] / (1 + Math.exp(-gate[i]))) * up[i];
    const down = linear(gate, n, I, get(w, `${p}.mlp.down_proj.weight`), H);
    for (let i = 0; i < h.length; i++) h[i] += down[i];
  }
  let xf = rmsNorm(h, n, H, get(w, 'model.norm.weight'), eps);
  let rows = n;
  if (lastOnly) {
    xf = xf.slice((n - 1) * H);
    rows = 1;
  }
  return Float32Array.from(linear(xf, rows, H, emb, V));
}

/** Convenience: reference logits [n, vocab] for a generated model folder. */
export function referenceLogits(dir: string, tokens: number[]): Float32Array {
  return referenceForward(loadReferenceForModelDir(dir), tokens);
}
