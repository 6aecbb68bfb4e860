/**
 * Builds the ONNX graph of a decoder (onnx-community / transformers.js I/O contract) along the
 * axes of weights.ts's ModelShape (norms, MLPs, biases, rotary variants, tied or untied lm_head)
 * and writes it with its weights as external data (test tooling, never shipped).
 *
 * I/O (B = batch_size, S = sequence_length, P = past_sequence_length, T = total_sequence_length):
 *   inputs  input_ids int64 [B,S]; attention_mask int64 [B,T]; position_ids int64 [B,S] (style
 *           'standard' only); past_key_values.{i}.key/.value float32 [B, kvHeads, P, headDim]
 *   outputs logits float32 [B,S,vocab] (every position); present.{i}.key/.value [B, kvHeads, T, headDim]
 *
 * Styles:
 *   standard  ai.onnx opset 17 only. RMSNorm = x / Sqrt(ReduceMean(x*x) + eps) * w; rotary from
 *             [maxPos, headDim] cos/sin tables gathered with position_ids (rotate-half via
 *             Split/Neg/Concat); attention = MatMul/Softmax on 5-D [B, kvHeads, group, S, T]
 *             tensors (GQA without repeating K/V) with an additive mask built from attention_mask
 *             AND causal (key j allowed for query i iff j <= P + i and attention_mask[b, j] == 1).
 *   gqa       com.microsoft GroupQueryAttention (do_rotary=1, cos_cache/sin_cache [maxPos, headDim/2],
 *             seqlens_k = int32(ReduceSum(attention_mask, 1) - 1), total_sequence_length =
 *             int32(shape(attention_mask)[1]) as onnxruntime-genai builds them), SimplifiedLayerNormalization
 *             for the first norm and com.microsoft SkipSimplifiedLayerNormalization (residual add fused)
 *             for the others. No position_ids input.
 * Precisions:
 *   fp32      MatMul on transposed HF weights ([in, out]); tied lm_head = Gemm(transB=1) on the
 *             Gather's embedding initializer (stored once).
 *   q4        com.microsoft MatMulNBits bits=4 block_size=32 (accuracy_level=4, or absent for
 *             'q4-acc0'), symmetric (no zero_points) for q/k/v/o/gate/up/down and the lm_head
 *             (the quantized embedding). The Gather table holds the DEQUANTIZED embedding in fp32,
 *             so the model equals a GGUF Q4_0 of the same codes exactly. An untied lm_head is its
 *             own MatMulNBits and the embedding stays exact fp32 (as onnx-community q4 exports).
 * Boundary and layout options:
 *   io16      KV inputs/outputs and logits float16 (Phi-3.5's genai export, q4f16 repos). K and V
 *             are rounded to fp16 before attention, so cached and recomputed runs see the same
 *             values; the genai style runs GroupQueryAttention in fp16.
 *   merged    `decoder_model_merged`: a `use_cache_branch` bool[1] input and an If whose then-branch
 *             reads the past and whose else-branch ignores it (Xenova's optimum exports).
 *   longrope  (genai style) two cos/sin cache pairs chosen by an If on total length >
 *             original_max_position_embeddings, as onnxruntime-genai builds Phi-3.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import { Attr, ExternalDataFile, GraphBuilder, bytesOf, valueInfo } from './graphBuilder';
import {
  ModelShape, Q4_BLOB, Q4_BLOCK, TensorSpec, dequantizeQ4Block32, float32ToFloat16Bits, makeTensor, makeTensorRange,
  quantizeQ4Block32, ropeTables, tensorSpecs,
} from './weights';

export type GraphStyle = 'standard' | 'gqa';
export type GraphLayout = 'model' | 'merged';
export type Precision = 'fp32' | 'q4' | 'q4-acc0';

const DT = onnx.TensorProto.DataType;

export interface WriteOnnxOptions {
  shape: ModelShape;
  seed: number;
  perturbation: number;
  style: GraphStyle;
  precision: Precision;
  /** Folder receiving `<fileBase>.onnx` and `<fileBase>.onnx_data`. */
  dir: string;
  /** 'model', 'model_q4', 'decoder_model_merged_q4'... */
  fileBase: string;
  /** fp16 KV and logits at the graph boundary. */
  io16?: boolean;
  layout?: GraphLayout;
  /** Rows per chunk when streaming the embedding (memory bound for big shapes). */
  embedChunkRows?: number;
}

/** Name of the ONNX Linear weight initializers derived from an HF weight name. */
function baseName(hfName: string): string {
  return hfName.replace(/\.weight$/, '');
}

const MS = 'com.microsoft';

/**
 * Writes `<dir>/<fileBase>.onnx` + `<fileBase>.onnx_data`. Tensors are generated, transformed
 * and written one at a time (the embedding in row chunks), so memory stays about one tensor.
 */
export function writeOnnxModel(o: WriteOnnxOptions): { onnxBytes: number; dataBytes: number } {
  const { shape, seed, perturbation, style, precision } = o;
  const q4 = precision !== 'fp32';
  const io16 = o.io16 ?? false;
  const layout = o.layout ?? 'model';
  const tied = shape.tied !== false;
  const { hidden: H, heads: NH, kvHeads: KVH, headDim: D, vocab: V, layers: L } = shape;
  const R = shape.rotaryDims ?? D;
  const group = NH / KVH;
  if (!Number.isInteger(group)) throw new Error('heads must be a multiple of kvHeads');
  if (style === 'gqa' && (shape.norm ?? 'rms') !== 'rms') throw new Error('the genai style is generated for RMSNorm families only');
  if (style === 'gqa' && R !== D) throw new Error('the genai style is generated with full rotary only');
  if (layout === 'merged' && style !== 'standard') throw new Error('the merged layout is generated for the standard style only');
  const dataName = `${o.fileBase}.onnx_data`;
  const data = new ExternalDataFile(`${o.dir}/${dataName}`, dataName);
  const g = new GraphBuilder(data);

  // ---- weights -------------------------------------------------------------------------------
  const specs = new Map<string, TensorSpec>(tensorSpecs(shape).map((s) => [s.name, s]));
  /** initializer names for each HF tensor: fp32 -> one name; q4 linear -> qweight + scales. */
  const w = new Map<string, string>();
  const q4w = new Map<string, { qweight: string; scales: string; K: number; N: number }>();
  const lmHeadKey = tied ? 'lm_head' : 'lm_head.weight';

  const writeEmbedding = (): void => {
    const name = 'model.embed_tokens.weight';
    const chunk = o.embedChunkRows ?? 4096;
    const fOff = data.reserve(V * H * 4);
    w.set(name, g.external(name, DT.FLOAT, [V, H], fOff, V * H * 4));
    const quantize = q4 && tied;
    let qOff = 0;
    let sOff = 0;
    const nB = H / Q4_BLOCK;
    if (quantize) {
      qOff = data.reserve(V * nB * Q4_BLOB);
      sOff = data.reserve(V * nB * 4);
      q4w.set('lm_head', {
        qweight: g.external('lm_head.MatMulNBits.qweight', DT.UINT8, [V, nB, Q4_BLOB], qOff, V * nB * Q4_BLOB),
        scales: g.external('lm_head.MatMulNBits.scales', DT.FLOAT, [V, nB], sOff, V * nB * 4),
        K: H,
        N: V,
      });
    }
    const buf = new Float32Array(chunk * H);
    for (let r0 = 0; r0 < V; r0 += chunk) {
      const rows = Math.min(chunk, V - r0);
      const part = buf.subarray(0, rows * H);
      makeTensorRange(shape, name, seed, perturbation, r0 * H, rows * H, part);
      if (quantize) {
        const { codes, scales } = quantizeQ4Block32(part, rows, H);
        data.writeAt(qOff + r0 * nB * Q4_BLOB, codes);
        data.writeAt(sOff + r0 * nB * 4, bytesOf(scales));
        dequantizeQ4Block32(codes, scales, rows, H, part);
      }
      data.writeAt(fOff + r0 * H * 4, bytesOf(part));
    }
  };

  for (const spec of specs.values()) {
    if (spec.kind === 'embedding') {
      writeEmbedding();
      continue;
    }
    const t = makeTensor(shape, spec.name, seed, perturbation);
    if (spec.kind === 'linear') {
      const [N, K] = spec.dims;
      if (q4) {
        const { codes, scales } = quantizeQ4Block32(t, N, K);
        const b = baseName(spec.name);
        q4w.set(spec.name, {
          qweight: g.writeExternal(`${b}.MatMulNBits.qweight`, DT.UINT8, [N, K / Q4_BLOCK, Q4_BLOB], codes),
          scales: g.writeExternal(`${b}.MatMulNBits.scales`, DT.FLOAT, [N, K / Q4_BLOCK], scales),
          K,
          N,
        });
      } else {
        const tt = new Float32Array(K * N);
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) tt[k * N + n] = t[n * K + k];
        w.set(spec.name, g.writeExternal(`${spec.name}_T`, DT.FLOAT, [K, N], tt));
      }
    } else {
      w.set(spec.name, g.writeExternal(spec.name, DT.FLOAT, spec.dims, t));
    }
  }
  const rows = shape.ropeRows ?? shape.maxPositions;
  const toHalf = (a: Float32Array): Uint16Array => Uint16Array.from(a, (v) => float32ToFloat16Bits(v));
  /** The rotary tables as the style wants them: GQA's half caches (fp16 with io16), or [cos, cos] to R dims. */
  const writeRope = (which: 'short' | 'long', suffix: string): { cos: string; sin: string } => {
    const rope = ropeTables(shape, rows, which);
    if (style === 'gqa') {
      const put = (n: string, t: Float32Array) =>
        io16 ? g.writeExternal(n, DT.FLOAT16, [rows, R / 2], toHalf(t)) : g.writeExternal(n, DT.FLOAT, [rows, R / 2], t);
      return { cos: put(`cos_cache${suffix}`, rope.cos), sin: put(`sin_cache${suffix}`, rope.sin) };
    }
    const full = (half: Float32Array): Float32Array => {
      const out = new Float32Array(rows * R);
      for (let p = 0; p < rows; p++) {
        const src = half.subarray(p * (R / 2), (p + 1) * (R / 2));
        out.set(src, p * R);
        out.set(src, p * R + R / 2);
      }
      return out;
    };
    return { cos: g.writeExternal(`cos_cache${suffix}`, DT.FLOAT, [rows, R], full(rope.cos)), sin: g.writeExternal(`sin_cache${suffix}`, DT.FLOAT, [rows, R], full(rope.sin)) };
  };
  const longrope = shape.ropeScaling?.type === 'longrope' ? shape.ropeScaling : undefined;
  if (longrope && style !== 'gqa') throw new Error('longrope is generated for the genai style only (its If on the total length)');
  const shortRope = writeRope('short', longrope ? '_short' : '');
  const longRope = longrope ? writeRope('long', '_long') : undefined;
  const dataBytes = data.close();

  // ---- shared pieces -------------------------------------------------------------------------
  const weight = (n: string): string => {
    const r = w.get(n);
    if (!r) throw new Error(`missing weight ${n}`);
    return r;
  };
  const matmul = (x: string, key: string, scope: string, output?: string): string => {
    if (q4) {
      const qw = q4w.get(key);
      if (!qw) throw new Error(`missing q4 weight ${key}`);
      const attrs: Record<string, Attr> = { K: qw.K, N: qw.N, bits: 4, block_size: Q4_BLOCK };
      if (precision === 'q4') attrs.accuracy_level = 4;
      return g.op1('MatMulNBits', [x, qw.qweight, qw.scales], scope, { attrs, domain: MS, output });
    }
    return g.op1('MatMul', [x, weight(key)], scope, { output });
  };
  /** HF Linear `name` (without `.weight`), with its bias when the shape has one. */
  const linear = (x: string, name: string, scope: string): string => {
    const y = matmul(x, `${name}.weight`, scope);
    return specs.has(`${name}.bias`) ? g.op1('Add', [y, weight(`${name}.bias`)], scope) : y;
  };
  const eps = shape.rmsNormEps;
  const norm = (x: string, name: string, scope: string): string => {
    if (shape.norm === 'layernorm') {
      return g.op1('LayerNormalization', [x, weight(`${name}.weight`), weight(`${name}.bias`)], scope, { attrs: { axis: -1, epsilon: { float: eps } } });
    }
    const sq = g.op1('Mul', [x, x], scope);
    const ms = g.op1('ReduceMean', [sq], scope, { attrs: { axes: [-1], keepdims: 1 } });
    const rs = g.op1('Sqrt', [g.op1('Add', [ms, g.constF32('const/rms_eps', [eps], [])], scope)], scope);
    const scale = shape.norm === 'rms1p' ? g.op1('Add', [weight(`${name}.weight`), g.constF32('const/f32_1', [1], [])], scope) : weight(`${name}.weight`);
    return g.op1('Mul', [g.op1('Div', [x, rs], scope), scale], scope);
  };
  /** gelu with the tanh approximation (gelu_pytorch_tanh), in opset-17 ops. */
  const geluTanh = (x: string, scope: string): string => {
    const x3 = g.op1('Mul', [g.op1('Mul', [x, x], scope), x], scope);
    const inner = g.op1('Mul', [g.op1('Add', [x, g.op1('Mul', [x3, g.constF32('const/gelu_c', [0.044715], [])], scope)], scope), g.constF32('const/gelu_k', [Math.sqrt(2 / Math.PI)], [])], scope);
    const t = g.op1('Add', [g.op1('Tanh', [inner], scope), g.constF32('const/f32_1', [1], [])], scope);
    return g.op1('Mul', [g.op1('Mul', [x, t], scope), g.constF32('const/f32_half', [0.5], [])], scope);
  };
  const mlp = (x: string, p: string, s: string): string => {
    if (shape.mlp === 'gelu') return linear(geluTanh(linear(x, `${p}.mlp.c_fc`, `${s}/mlp/c_fc`), `${s}/mlp/act`), `${p}.mlp.c_proj`, `${s}/mlp/c_proj`);
    const gate = linear(x, `${p}.mlp.gate_proj`, `${s}/mlp/gate_proj`);
    const act = shape.mlp === 'geglu' ? geluTanh(gate, `${s}/mlp/act`) : g.op1('Mul', [gate, g.op1('Sigmoid', [gate], `${s}/mlp/act`)], `${s}/mlp/act`);
    return linear(g.op1('Mul', [act, linear(x, `${p}.mlp.up_proj`, `${s}/mlp/up_proj`)], `${s}/mlp`), `${p}.mlp.down_proj`, `${s}/mlp/down_proj`);
  };
  const embedding = (): string => {
    const emb = g.op1('Gather', [weight('model.embed_tokens.weight'), 'input_ids'], '/model/embed_tokens', { attrs: { axis: 0 } });
    return shape.embedScale ? g.op1('Mul', [emb, g.constF32('const/embed_scale', [Math.fround(Math.sqrt(H))], [])], '/model/embed_tokens') : emb;
  };
  /** logits from the final hidden state, named `output` (fp16 after a Cast with io16). */
  const lmHead = (h: string, output: string): void => {
    const sc = '/lm_head';
    const final = io16 ? undefined : output;
    let logits: string;
    if (q4 || !tied) {
      logits = matmul(h, lmHeadKey, sc, final);
    } else {
      const flat = g.op1('Reshape', [h, g.constI64('const/shape_flat', [-1, H])], sc);
      const mm = g.op1('Gemm', [flat, weight('model.embed_tokens.weight')], sc, { attrs: { transB: 1 } });
      const outShape = g.op1('Concat', [g.op1('Shape', ['input_ids'], sc), g.constI64('const/vocab', [V])], sc, { attrs: { axis: 0 } });
      logits = g.op1('Reshape', [mm, outShape], sc, { output: final });
    }
    if (io16) g.op1('Cast', [logits], sc, { attrs: { to: DT.FLOAT16 }, output });
  };
  const kvType = io16 ? DT.FLOAT16 : DT.FLOAT;
  /** K or V after the past: rounded to fp16 first with io16, so a cached and a recomputed run see the same values. */
  const present = (past: string | undefined, x: string, output: string, scope: string): string => {
    const x16 = io16 ? g.op1('Cast', [x], scope, { attrs: { to: DT.FLOAT16 } }) : x;
    const cat = past ? g.op1('Concat', [past, x16], scope, { attrs: { axis: 2 }, output }) : g.op1('Identity', [x16], scope, { output });
    return io16 ? g.op1('Cast', [cat], scope, { attrs: { to: DT.FLOAT } }) : cat;
  };

  // ---- standard style: one decoder body, reading the past or not -----------------------------
  /** Outputs named `${prefix}logits` / `${prefix}present.{l}.key|value`. */
  const standardBody = (usePast: boolean, prefix: string): void => {
    const sc = `/${prefix}model/attn_mask`;
    const c0 = g.constI64('const/i64_0', [0], []);
    const c1 = g.constI64('const/i64_1', [1], []);
    const ax0 = g.constI64('const/axes_0', [0]);
    const ax1 = g.constI64('const/axes_1', [1]);
    const ax2 = g.constI64('const/axes_2', [2]);
    const ax123 = g.constI64('const/axes_123', [1, 2, 3]);
    const T = g.op1('Gather', [g.op1('Shape', ['attention_mask'], sc), c1], sc, { attrs: { axis: 0 } });
    const S = g.op1('Gather', [g.op1('Shape', ['input_ids'], sc), c1], sc, { attrs: { axis: 0 } });
    const P = g.op1('Sub', [T, S], sc);
    const kIdx = g.op1('Unsqueeze', [g.op1('Range', [c0, T, c1], sc), ax0], sc); // [1,T]
    const qIdx = g.op1('Unsqueeze', [g.op1('Range', [P, T, c1], sc), ax1], sc); // [S,1]
    const causal = g.op1('LessOrEqual', [kIdx, qIdx], sc); // [S,T]
    const pad = g.op1('Unsqueeze', [g.op1('Cast', ['attention_mask'], sc, { attrs: { to: DT.BOOL } }), ax123], sc); // [B,1,1,1,T]
    const allowed = g.op1('And', [causal, pad], sc); // [B,1,1,S,T]
    const mask = g.op1('Where', [allowed, g.constF32('const/f32_0', [0], []), g.constF32('const/f32_min', [-3.4028234663852886e38], [])], sc);

    const rsc = `/${prefix}model/rotary_emb`;
    const cos = g.op1('Unsqueeze', [g.op1('Gather', [shortRope.cos, 'position_ids'], rsc, { attrs: { axis: 0 } }), ax1], rsc);
    const sin = g.op1('Unsqueeze', [g.op1('Gather', [shortRope.sin, 'position_ids'], rsc, { attrs: { axis: 0 } }), ax1], rsc);
    const halves = g.constI64('const/rope_split', [R / 2, R / 2]);
    const rotate = (x: string, scope: string): string => {
      const [x1, x2] = g.op('Split', [x, halves], scope, { outputs: 2, attrs: { axis: -1 } });
      const rot = g.op1('Concat', [g.op1('Neg', [x2], scope), x1], scope, { attrs: { axis: -1 } });
      return g.op1('Add', [g.op1('Mul', [x, cos], scope), g.op1('Mul', [rot, sin], scope)], scope);
    };
    // Partial rotary (Stable Code): the first R dims of each head turn, the rest pass.
    const rope = (x: string, scope: string): string => {
      if (R === D) return rotate(x, scope);
      const [xr, xp] = g.op('Split', [x, g.constI64('const/rotary_split', [R, D - R])], scope, { outputs: 2, attrs: { axis: -1 } });
      return g.op1('Concat', [rotate(xr, scope), xp], scope, { attrs: { axis: -1 } });
    };
    const shQ = g.constI64('const/shape_q', [0, 0, NH, D]);
    const shKV = g.constI64('const/shape_kv', [0, 0, KVH, D]);
    const shQ5 = g.constI64('const/shape_q5', [0, KVH, group, -1, D]);
    const shCtx = g.constI64('const/shape_ctx', [0, NH, -1, D]);
    const shOut = g.constI64('const/shape_out', [0, 0, NH * D]);
    const scale = g.constF32('const/attn_scale', [1 / Math.sqrt(D)], []);

    let h = embedding();
    for (let l = 0; l < L; l++) {
      const p = `model.layers.${l}`;
      const s = `/${prefix}model/layers.${l}`;
      const a = `${s}/attn`;
      const xn = norm(h, `${p}.input_layernorm`, `${s}/input_layernorm`);
      const heads = (x: string, shp: string): string => g.op1('Transpose', [g.op1('Reshape', [x, shp], a)], a, { attrs: { perm: [0, 2, 1, 3] } });
      const q = rope(heads(linear(xn, `${p}.self_attn.q_proj`, `${a}/q_proj`), shQ), `${a}/q_rotary`);
      const k = rope(heads(linear(xn, `${p}.self_attn.k_proj`, `${a}/k_proj`), shKV), `${a}/k_rotary`);
      const v = heads(linear(xn, `${p}.self_attn.v_proj`, `${a}/v_proj`), shKV);
      const pk = present(usePast ? `past_key_values.${l}.key` : undefined, k, `${prefix}present.${l}.key`, a);
      const pv = present(usePast ? `past_key_values.${l}.value` : undefined, v, `${prefix}present.${l}.value`, a);
      const q5 = g.op1('Reshape', [q, shQ5], a); // [B,KVH,group,S,D]
      const kT = g.op1('Transpose', [g.op1('Unsqueeze', [pk, ax2], a)], a, { attrs: { perm: [0, 1, 2, 4, 3] } }); // [B,KVH,1,D,T]
      const scores = g.op1('Add', [g.op1('Mul', [g.op1('MatMul', [q5, kT], a), scale], a), mask], a);
      const probs = g.op1('Softmax', [scores], a, { attrs: { axis: -1 } });
      const ctx5 = g.op1('MatMul', [probs, g.op1('Unsqueeze', [pv, ax2], a)], a); // [B,KVH,group,S,D]
      const ctx = g.op1('Reshape', [g.op1('Transpose', [g.op1('Reshape', [ctx5, shCtx], a)], a, { attrs: { perm: [0, 2, 1, 3] } }), shOut], a);
      h = g.op1('Add', [h, linear(ctx, `${p}.self_attn.o_proj`, `${a}/o_proj`)], `${s}/residual_attn`);
      const xn2 = norm(h, `${p}.post_attention_layernorm`, `${s}/post_attention_layernorm`);
      h = g.op1('Add', [h, mlp(xn2, p, s)], `${s}/residual_mlp`);
    }
    lmHead(norm(h, 'model.norm', `/${prefix}model/norm`), `${prefix}logits`);
  };

  // ---- onnxruntime-genai style ---------------------------------------------------------------
  const genaiBody = (): void => {
    const sc = '/model/attn_mask';
    const one = g.constI64('const/i64_1', [1], []);
    const ax1 = g.constI64('const/axes_1', [1]);
    const sum = g.op1('ReduceSum', ['attention_mask', ax1], sc, { attrs: { keepdims: 0 } });
    const seqlensK = g.op1('Cast', [g.op1('Sub', [sum, one], sc)], sc, { attrs: { to: DT.INT32 } });
    const total64 = g.op1('Gather', [g.op1('Shape', ['attention_mask'], sc), one], sc, { attrs: { axis: 0 } });
    const totalLen = g.op1('Cast', [total64], sc, { attrs: { to: DT.INT32 } });
    let cosCache = shortRope.cos;
    let sinCache = shortRope.sin;
    if (longrope && longRope) {
      // Phi-3's switch: past original_max_position_embeddings every position uses the long factors.
      const rs = '/model/rotary_emb';
      const cond = g.op1('Greater', [total64, g.constI64('const/rope_original_max', [longrope.originalMaxPositions], [])], rs);
      const branch = (tables: { cos: string; sin: string }, name: string): onnx.IGraphProto => {
        const outs = [`${rs}/${name}/cos`, `${rs}/${name}/sin`];
        return {
          name,
          node: [
            { name: `${rs}/${name}/Identity_cos`, opType: 'Identity', input: [tables.cos], output: [outs[0]] },
            { name: `${rs}/${name}/Identity_sin`, opType: 'Identity', input: [tables.sin], output: [outs[1]] },
          ],
          output: outs.map((n) => valueInfo(n, io16 ? DT.FLOAT16 : DT.FLOAT, [rows, R / 2])),
        };
      };
      [cosCache, sinCache] = g.op('If', [cond], rs, { outputs: 2, attrs: { then_branch: { graph: branch(longRope, 'long') }, else_branch: { graph: branch(shortRope, 'short') } } });
    }
    const half = (x: string, scope: string) => (io16 ? g.op1('Cast', [x], scope, { attrs: { to: DT.FLOAT16 } }) : x);
    const full = (x: string, scope: string) => (io16 ? g.op1('Cast', [x], scope, { attrs: { to: DT.FLOAT } }) : x);
    const emb = embedding();
    let xn = g.op1('SimplifiedLayerNormalization', [emb, weight('model.layers.0.input_layernorm.weight')], '/model/layers.0/input_layernorm', {
      attrs: { axis: -1, epsilon: { float: eps }, stash_type: 1 },
    });
    let residual = emb;
    for (let l = 0; l < L; l++) {
      const p = `model.layers.${l}`;
      const s = `/model/layers.${l}`;
      const a = `${s}/attn`;
      const q = half(linear(xn, `${p}.self_attn.q_proj`, `${a}/q_proj`), a);
      const k = half(linear(xn, `${p}.self_attn.k_proj`, `${a}/k_proj`), a);
      const v = half(linear(xn, `${p}.self_attn.v_proj`, `${a}/v_proj`), a);
      const [attn] = g.op('GroupQueryAttention', [q, k, v, `past_key_values.${l}.key`, `past_key_values.${l}.value`, seqlensK, totalLen, cosCache, sinCache], a, {
        domain: MS,
        outputs: [`${a}/GroupQueryAttention/output_0`, `present.${l}.key`, `present.${l}.value`],
        attrs: { num_heads: NH, kv_num_heads: KVH, do_rotary: 1, rotary_interleaved: 0, local_window_size: -1, scale: { float: 1 / Math.sqrt(D) } },
      });
      const o = linear(full(attn, a), `${p}.self_attn.o_proj`, `${a}/o_proj`);
      const [xn2, , , res2] = g.op('SkipSimplifiedLayerNormalization', [o, residual, weight(`${p}.post_attention_layernorm.weight`)], `${s}/post_attention_layernorm`, {
        domain: MS,
        outputs: [`${s}/post_attention_layernorm/output_0`, '', '', `${s}/post_attention_layernorm/output_3`],
        attrs: { epsilon: { float: eps } },
      });
      const down = mlp(xn2, p, s);
      const next = l + 1 < L ? `model.layers.${l + 1}.input_layernorm.weight` : 'model.norm.weight';
      const ns = l + 1 < L ? `/model/layers.${l + 1}/input_layernorm` : '/model/norm';
      const [xnNext, , , resNext] = g.op('SkipSimplifiedLayerNormalization', [down, res2, weight(next)], ns, {
        domain: MS,
        outputs: [`${ns}/output_0`, '', '', l + 1 < L ? `${ns}/output_3` : ''],
        attrs: { epsilon: { float: eps } },
      });
      xn = xnNext;
      residual = resNext;
    }
    lmHead(xn, 'logits');
  };

  // ---- graph I/O -----------------------------------------------------------------------------
  const inputs: onnx.IValueInfoProto[] = [
    valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', DT.INT64, ['batch_size', 'total_sequence_length']),
  ];
  if (style === 'standard') inputs.push(valueInfo('position_ids', DT.INT64, ['batch_size', 'sequence_length']));
  const outputs: onnx.IValueInfoProto[] = [valueInfo('logits', io16 ? DT.FLOAT16 : DT.FLOAT, ['batch_size', 'sequence_length', V])];
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      inputs.push(valueInfo(`past_key_values.${l}.${kv}`, kvType, ['batch_size', KVH, 'past_sequence_length', D]));
      outputs.push(valueInfo(`present.${l}.${kv}`, kvType, ['batch_size', KVH, 'total_sequence_length', D]));
    }
  }

  if (style === 'gqa') genaiBody();
  else if (layout === 'model') standardBody(true, '');
  else {
    inputs.push(valueInfo('use_cache_branch', DT.BOOL, [1]));
    const top = g.nodes;
    const branch = (usePast: boolean, name: string): onnx.IGraphProto => {
      g.nodes = [];
      const prefix = `${name}/`;
      standardBody(usePast, prefix);
      const nodes = g.nodes;
      g.nodes = top;
      return { name, node: nodes, output: outputs.map((vi) => ({ ...vi, name: `${prefix}${vi.name}` })) };
    };
    const thenBranch = branch(true, 'with_past');
    const elseBranch = branch(false, 'without_past');
    g.op('If', ['use_cache_branch'], '/optimum::if', { outputs: outputs.map((vi) => vi.name as string), attrs: { then_branch: { graph: thenBranch }, else_branch: { graph: elseBranch } } });
  }

  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'slm-complete test/modelgen',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 17 }, { domain: MS, version: 1 }],
    graph: {
      name: 'main_graph',
      node: g.nodes,
      initializer: g.initializers,
      input: inputs,
      output: outputs,
    },
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  const fd = fs.openSync(`${o.dir}/${o.fileBase}.onnx`, 'w');
  fs.writeSync(fd, bytes);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return { onnxBytes: bytes.length, dataBytes };
}
