/**
 * Builds the ONNX graph of a Qwen2 decoder (onnx-community / transformers.js I/O contract) and
 * writes it with its weights as external data (test tooling, never shipped).
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
 *             so the model equals a GGUF Q4_0 of the same codes exactly.
 */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';
import {
  ModelShape, Q4_BLOB, Q4_BLOCK, TensorSpec, dequantizeQ4Block32, makeTensor, makeTensorRange,
  quantizeQ4Block32, ropeTables, tensorSpecs,
} from './weights';

export type GraphStyle = 'standard' | 'gqa';
export type Precision = 'fp32' | 'q4' | 'q4-acc0';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

type Attr = number | number[] | string | { float: number };

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  return { name, type: AT.FLOAT, f: v.float };
}

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Appends tensors to a `.onnx_data` file at aligned offsets; supports chunked writes. */
class ExternalDataFile {
  private readonly fd: number;
  private end = 0;
  constructor(readonly path: string, readonly location: string) {
    this.fd = fs.openSync(path, 'w');
  }
  reserve(bytes: number): number {
    const align = bytes >= 4096 ? 4096 : 64;
    const off = Math.ceil(this.end / align) * align;
    this.end = off + bytes;
    return off;
  }
  writeAt(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
  }
  close(): number {
    // Make the file length cover the last tensor even if its tail was never written.
    fs.ftruncateSync(this.fd, this.end);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.end;
  }
}

class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private n = 0;
  constructor(readonly data: ExternalDataFile) {}

  /** Adds a node; returns its outputs (auto-named from `name` unless given). */
  op(opType: string, inputs: string[], name: string, opts: { outputs?: number | string[]; attrs?: Record<string, Attr>; domain?: string } = {}): string[] {
    const nodeName = `${name}/${opType}_${this.n++}`;
    const outputs = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${nodeName}/output_${i}`);
    this.nodes.push({
      name: nodeName,
      opType,
      domain: opts.domain ?? '',
      input: inputs,
      output: outputs,
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }
  op1(opType: string, inputs: string[], name: string, opts: { attrs?: Record<string, Attr>; domain?: string; output?: string } = {}): string {
    return this.op(opType, inputs, name, { attrs: opts.attrs, domain: opts.domain, outputs: opts.output ? [opts.output] : 1 })[0];
  }

  /** Small inline constant initializer (raw data in the .onnx). */
  constI64(name: string, values: number[], dims: number[] = [values.length]): string {
    this.initializers.push({ name, dataType: DT.INT64, dims, rawData: bytesOf(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }
  constF32(name: string, values: number[], dims: number[] = [values.length]): string {
    this.initializers.push({ name, dataType: DT.FLOAT, dims, rawData: bytesOf(Float32Array.from(values)) });
    return name;
  }

  /** Declares an external initializer at `offset` of the data file. */
  external(name: string, dataType: number, dims: number[], offset: number, length: number): string {
    this.initializers.push({
      name,
      dataType,
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: this.data.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    return name;
  }
  /** Writes `values` to the data file and declares it. */
  writeExternal(name: string, dataType: number, dims: number[], values: ArrayBufferView): string {
    const bytes = bytesOf(values);
    const off = this.data.reserve(bytes.length);
    this.data.writeAt(off, bytes);
    return this.external(name, dataType, dims, off, bytes.length);
  }
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface WriteOnnxOptions {
  shape: ModelShape;
  seed: number;
  perturbation: number;
  style: GraphStyle;
  precision: Precision;
  /** Folder receiving `<fileBase>.onnx` and `<fileBase>.onnx_data`. */
  dir: string;
  /** 'model' or 'model_q4'. */
  fileBase: string;
  /** Rows per chunk when streaming the embedding (memory bound for big shapes). */
  embedChunkRows?: number;
}

/** Name of the ONNX Linear weight initializers derived from an HF weight name. */
function baseName(hfName: string): string {
  return hfName.replace(/\.weight$/, '');
}

/**
 * Writes `<dir>/<fileBase>.onnx` + `<fileBase>.onnx_data`. Tensors are generated, transformed
 * and written one at a time (the embedding in row chunks), so memory stays about one tensor.
 */
export function writeOnnxModel(o: WriteOnnxOptions): { onnxBytes: number; dataBytes: number } {
  const { shape, seed, perturbation, style, precision } = o;
  const q4 = precision !== 'fp32';
  const { hidden: H, heads: NH, kvHeads: KVH, headDim: D, vocab: V, layers: L } = shape;
  const group = NH / KVH;
  if (!Number.isInteger(group)) throw new Error('heads must be a multiple of kvHeads');
  const dataName = `${o.fileBase}.onnx_data`;
  const data = new ExternalDataFile(`${o.dir}/${dataName}`, dataName);
  const g = new GraphBuilder(data);

  // ---- weights -------------------------------------------------------------------------------
  const specs = new Map<string, TensorSpec>(tensorSpecs(shape).map((s) => [s.name, s]));
  /** initializer names for each HF tensor: fp32 -> one name; q4 linear -> qweight + scales. */
  const w = new Map<string, string>();
  const q4w = new Map<string, { qweight: string; scales: string; K: number; N: number }>();

  const writeEmbedding = (): void => {
    const name = 'model.embed_tokens.weight';
    const chunk = o.embedChunkRows ?? 4096;
    const fOff = data.reserve(V * H * 4);
    w.set(name, g.external(name, DT.FLOAT, [V, H], fOff, V * H * 4));
    let qOff = 0;
    let sOff = 0;
    const nB = H / Q4_BLOCK;
    if (q4) {
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
      if (q4) {
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
  const rope = ropeTables(shape);
  let cosName: string;
  let sinName: string;
  if (style === 'gqa') {
    cosName = g.writeExternal('cos_cache', DT.FLOAT, [shape.maxPositions, D / 2], rope.cos);
    sinName = g.writeExternal('sin_cache', DT.FLOAT, [shape.maxPositions, D / 2], rope.sin);
  } else {
    const full = (half: Float32Array): Float32Array => {
      const out = new Float32Array(shape.maxPositions * D);
      for (let p = 0; p < shape.maxPositions; p++) {
        const src = half.subarray(p * (D / 2), (p + 1) * (D / 2));
        out.set(src, p * D);
        out.set(src, p * D + D / 2);
      }
      return out;
    };
    cosName = g.writeExternal('cos_cache', DT.FLOAT, [shape.maxPositions, D], full(rope.cos));
    sinName = g.writeExternal('sin_cache', DT.FLOAT, [shape.maxPositions, D], full(rope.sin));
  }
  const dataBytes = data.close();

  // ---- graph ---------------------------------------------------------------------------------
  const MS = 'com.microsoft';
  const linear = (x: string, hfName: string, scope: string, bias?: string): string => {
    let y: string;
    if (q4) {
      const qw = q4w.get(hfName);
      if (!qw) throw new Error(`missing q4 weight ${hfName}`);
      const attrs: Record<string, Attr> = { K: qw.K, N: qw.N, bits: 4, block_size: Q4_BLOCK };
      if (precision === 'q4') attrs.accuracy_level = 4;
      y = g.op1('MatMulNBits', [x, qw.qweight, qw.scales], scope, { attrs, domain: MS });
    } else {
      const wt = w.get(hfName);
      if (!wt) throw new Error(`missing weight ${hfName}`);
      y = g.op1('MatMul', [x, wt], scope);
    }
    if (bias) {
      const b = w.get(bias);
      if (!b) throw new Error(`missing bias ${bias}`);
      y = g.op1('Add', [y, b], scope);
    }
    return y;
  };
  const silu = (x: string, scope: string): string => g.op1('Mul', [x, g.op1('Sigmoid', [x], scope)], scope);
  const eps = shape.rmsNormEps;
  let epsName = '';
  const rmsNorm = (x: string, weight: string, scope: string): string => {
    if (!epsName) epsName = g.constF32('const/rms_eps', [eps], []);
    const sq = g.op1('Mul', [x, x], scope);
    const ms = g.op1('ReduceMean', [sq], scope, { attrs: { axes: [-1], keepdims: 1 } });
    const rs = g.op1('Sqrt', [g.op1('Add', [ms, epsName], scope)], scope);
    const wn = w.get(weight);
    if (!wn) throw new Error(`missing ${weight}`);
    return g.op1('Mul', [g.op1('Div', [x, rs], scope), wn], scope);
  };

  const inputs: onnx.IValueInfoProto[] = [
    valueInfo('input_ids', DT.INT64, ['batch_size', 'sequence_length']),
    valueInfo('attention_mask', DT.INT64, ['batch_size', 'total_sequence_length']),
  ];
  if (style === 'standard') inputs.push(valueInfo('position_ids', DT.INT64, ['batch_size', 'sequence_length']));
  const outputs: onnx.IValueInfoProto[] = [valueInfo('logits', DT.FLOAT, ['batch_size', 'sequence_length', V])];
  for (let l = 0; l < L; l++) {
    for (const kv of ['key', 'value']) {
      inputs.push(valueInfo(`past_key_values.${l}.${kv}`, DT.FLOAT, ['batch_size', KVH, 'past_sequence_length', D]));
      outputs.push(valueInfo(`present.${l}.${kv}`, DT.FLOAT, ['batch_size', KVH, 'total_sequence_length', D]));
    }
  }

  const embed = w.get('model.embed_tokens.weight') as string;
  const emb = g.op1('Gather', [embed, 'input_ids'], '/model/embed_tokens', { attrs: { axis: 0 } });
  let finalNorm: string;

  if (style === 'standard') {
    // ---- mask [B,1,1,S,T] and rotary tables [B,1,S,D] --------------------------------------
    const sc = '/model/attn_mask';
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
    const zero = g.constF32('const/f32_0', [0], []);
    const negMin = g.constF32('const/f32_min', [-3.4028234663852886e38], []);
    const mask = g.op1('Where', [allowed, zero, negMin], sc);

    const rsc = '/model/rotary_emb';
    const cos = g.op1('Unsqueeze', [g.op1('Gather', [cosName, 'position_ids'], rsc, { attrs: { axis: 0 } }), ax1], rsc);
    const sin = g.op1('Unsqueeze', [g.op1('Gather', [sinName, 'position_ids'], rsc, { attrs: { axis: 0 } }), ax1], rsc);
    const halves = g.constI64('const/rope_split', [D / 2, D / 2]);
    const rope = (x: string, scope: string): string => {
      const [x1, x2] = g.op('Split', [x, halves], scope, { outputs: 2, attrs: { axis: -1 } });
      const rot = g.op1('Concat', [g.op1('Neg', [x2], scope), x1], scope, { attrs: { axis: -1 } });
      return g.op1('Add', [g.op1('Mul', [x, cos], scope), g.op1('Mul', [rot, sin], scope)], scope);
    };
    const shQ = g.constI64('const/shape_q', [0, 0, NH, D]);
    const shKV = g.constI64('const/shape_kv', [0, 0, KVH, D]);
    const shQ5 = g.constI64('const/shape_q5', [0, KVH, group, -1, D]);
    const shCtx = g.constI64('const/shape_ctx', [0, NH, -1, D]);
    const shOut = g.constI64('const/shape_out', [0, 0, NH * D]);
    const scale = g.constF32('const/attn_scale', [1 / Math.sqrt(D)], []);

    let h = emb;
    for (let l = 0; l < L; l++) {
      const p = `model.layers.${l}`;
      const s = `/model/layers.${l}`;
      const xn = rmsNorm(h, `${p}.input_layernorm.weight`, `${s}/input_layernorm`);
      const heads = (x: string, shp: string, sc2: string): string =>
        g.op1('Transpose', [g.op1('Reshape', [x, shp], sc2)], sc2, { attrs: { perm: [0, 2, 1, 3] } });
      const q = rope(heads(linear(xn, `${p}.self_attn.q_proj.weight`, `${s}/attn/q_proj`, `${p}.self_attn.q_proj.bias`), shQ, `${s}/attn`), `${s}/attn/q_rotary`);
      const k = rope(heads(linear(xn, `${p}.self_attn.k_proj.weight`, `${s}/attn/k_proj`, `${p}.self_attn.k_proj.bias`), shKV, `${s}/attn`), `${s}/attn/k_rotary`);
      const v = heads(linear(xn, `${p}.self_attn.v_proj.weight`, `${s}/attn/v_proj`, `${p}.self_attn.v_proj.bias`), shKV, `${s}/attn`);
      const pk = g.op1('Concat', [`past_key_values.${l}.key`, k], `${s}/attn`, { attrs: { axis: 2 }, output: `present.${l}.key` });
      const pv = g.op1('Concat', [`past_key_values.${l}.value`, v], `${s}/attn`, { attrs: { axis: 2 }, output: `present.${l}.value` });
      const q5 = g.op1('Reshape', [q, shQ5], `${s}/attn`); // [B,KVH,group,S,D]
      const kT = g.op1('Transpose', [g.op1('Unsqueeze', [pk, ax2], `${s}/attn`)], `${s}/attn`, { attrs: { perm: [0, 1, 2, 4, 3] } }); // [B,KVH,1,D,T]
      const scores = g.op1('Add', [g.op1('Mul', [g.op1('MatMul', [q5, kT], `${s}/attn`), scale], `${s}/attn`), mask], `${s}/attn`);
      const probs = g.op1('Softmax', [scores], `${s}/attn`, { attrs: { axis: -1 } });
      const ctx5 = g.op1('MatMul', [probs, g.op1('Unsqueeze', [pv, ax2], `${s}/attn`)], `${s}/attn`); // [B,KVH,group,S,D]
      const ctx = g.op1('Reshape', [
        g.op1('Transpose', [g.op1('Reshape', [ctx5, shCtx], `${s}/attn`)], `${s}/attn`, { attrs: { perm: [0, 2, 1, 3] } }),
        shOut,
      ], `${s}/attn`);
      const o = linear(ctx, `${p}.self_attn.o_proj.weight`, `${s}/attn/o_proj`);
      h = g.op1('Add', [h, o], `${s}/residual_attn`);
      const xn2 = rmsNorm(h, `${p}.post_attention_layernorm.weight`, `${s}/post_attention_layernorm`);
      const gate = linear(xn2, `${p}.mlp.gate_proj.weight`, `${s}/mlp/gate_proj`);
      const up = linear(xn2, `${p}.mlp.up_proj.weight`, `${s}/mlp/up_proj`);
      const down = linear(g.op1('Mul', [silu(gate, `${s}/mlp/act`), up], `${s}/mlp`), `${p}.mlp.down_proj.weight`, `${s}/mlp/down_proj`);
      h = g.op1('Add', [h, down], `${s}/residual_mlp`);
    }
    finalNorm = rmsNorm(h, 'model.norm.weight', '/model/norm');
  } else {
    // ---- onnxruntime-genai style ---------------------------------------------------------------
    const sc = '/model/attn_mask';
    const one = g.constI64('const/i64_1', [1], []);
    const ax1 = g.constI64('const/axes_1', [1]);
    const sum = g.op1('ReduceSum', ['attention_mask', ax1], sc, { attrs: { keepdims: 0 } });
    const seqlensK = g.op1('Cast', [g.op1('Sub', [sum, one], sc)], sc, { attrs: { to: DT.INT32 } });
    const totalLen = g.op1('Cast', [g.op1('Gather', [g.op1('Shape', ['attention_mask'], sc), one], sc, { attrs: { axis: 0 } })], sc, { attrs: { to: DT.INT32 } });
    const wn = (n: string): string => {
      const r = w.get(n);
      if (!r) throw new Error(`missing ${n}`);
      return r;
    };
    let xn = g.op1('SimplifiedLayerNormalization', [emb, wn('model.layers.0.input_layernorm.weight')], '/model/layers.0/input_layernorm', {
      attrs: { axis: -1, epsilon: { float: eps }, stash_type: 1 },
    });
    let residual = emb;
    for (let l = 0; l < L; l++) {
      const p = `model.layers.${l}`;
      const s = `/model/layers.${l}`;
      const q = linear(xn, `${p}.self_attn.q_proj.weight`, `${s}/attn/q_proj`, `${p}.self_attn.q_proj.bias`);
      const k = linear(xn, `${p}.self_attn.k_proj.weight`, `${s}/attn/k_proj`, `${p}.self_attn.k_proj.bias`);
      const v = linear(xn, `${p}.self_attn.v_proj.weight`, `${s}/attn/v_proj`, `${p}.self_attn.v_proj.bias`);
      const [attn] = g.op('GroupQueryAttention', [
        q, k, v, `past_key_values.${l}.key`, `past_key_values.${l}.value`, seqlensK, totalLen, cosName, sinName,
      ], `${s}/attn`, {
        domain: MS,
        outputs: [`${s}/attn/GroupQueryAttention/output_0`, `present.${l}.key`, `present.${l}.value`],
        attrs: { num_heads: NH, kv_num_heads: KVH, do_rotary: 1, rotary_interleaved: 0, local_window_size: -1, scale: { float: 1 / Math.sqrt(D) } },
      });
      const o = linear(attn, `${p}.self_attn.o_proj.weight`, `${s}/attn/o_proj`);
      const [xn2, , , res2] = g.op('SkipSimplifiedLayerNormalization', [o, residual, wn(`${p}.post_attention_layernorm.weight`)], `${s}/post_attention_layernorm`, {
        domain: MS,
        outputs: [`${s}/post_attention_layernorm/output_0`, '', '', `${s}/post_attention_layernorm/output_3`],
        attrs: { epsilon: { float: eps } },
      });
      const gate = linear(xn2, `${p}.mlp.gate_proj.weight`, `${s}/mlp/gate_proj`);
      const up = linear(xn2, `${p}.mlp.up_proj.weight`, `${s}/mlp/up_proj`);
      const down = linear(g.op1('Mul', [silu(gate, `${s}/mlp/act`), up], `${s}/mlp`), `${p}.mlp.down_proj.weight`, `${s}/mlp/down_proj`);
      const next = l + 1 < L ? `model.layers.${l + 1}.input_layernorm.weight` : 'model.norm.weight';
      const ns = l + 1 < L ? `/model/layers.${l + 1}/input_layernorm` : '/model/norm';
      const [xnNext, , , resNext] = g.op('SkipSimplifiedLayerNormalization', [down, res2, wn(next)], ns, {
        domain: MS,
        outputs: [`${ns}/output_0`, '', '', l + 1 < L ? `${ns}/output_3` : ''],
        attrs: { epsilon: { float: eps } },
      });
      xn = xnNext;
      residual = resNext;
    }
    finalNorm = xn;
  }

  // ---- tied lm_head --------------------------------------------------------------------------
  if (q4) {
    const lm = q4w.get('lm_head');
    if (!lm) throw new Error('missing lm_head');
    const attrs: Record<string, Attr> = { K: H, N: V, bits: 4, block_size: Q4_BLOCK };
    if (precision === 'q4') attrs.accuracy_level = 4;
    g.op('MatMulNBits', [finalNorm, lm.qweight, lm.scales], '/lm_head', { domain: MS, outputs: ['logits'], attrs });
  } else {
    const sc = '/lm_head';
    const flat = g.op1('Reshape', [finalNorm, g.constI64('const/shape_flat', [-1, H])], sc);
    const mm = g.op1('Gemm', [flat, embed], sc, { attrs: { transB: 1 } });
    const outShape = g.op1('Concat', [g.op1('Shape', ['input_ids'], sc), g.constI64('const/vocab', [V])], sc, { attrs: { axis: 0 } });
    g.op('Reshape', [mm, outShape], sc, { outputs: ['logits'] });
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
