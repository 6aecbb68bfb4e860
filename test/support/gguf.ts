/**
 * A small GGUF v3 writer for the generated Qwen2 test weights, so llama.cpp (node-llama-cpp)
 * can run exactly the weights our ONNX graphs hold (the bench and the llama-server tests; never shipped).
 *
 * Types: F32 (every tensor fp32), Q8_0 and Q4_0 (Linear weights and the tied embedding
 * quantized, norms and biases fp32, as llama.cpp's own quantizer leaves them). Q4_0 uses the
 * codes of `quantizeQ4Block32`, i.e. the very codes of the ONNX MatMulNBits q4 model;
 * Q8_0 uses `quantizeQ8Block32` below (also what an 8-bit MatMulNBits variant would hold).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAll, writeFileAtomically } from '../../src/shared/atomicFile';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  makeTensor,
  ModelShape,
  q4ToGgufQ4_0,
  quantizeQ4Block32,
  tensorSpecs,
  TensorSpec,
  DEFAULT_SEEDS,
  SHAPES,
} from '../modelgen/weights';
import { defaultCacheRoot, QWEN_IDS, type ModelSize } from '../modelgen/testModels';

export type GgufType = 'F32' | 'Q8_0' | 'Q4_0';

const GGML_TYPE = { F32: 0, Q4_0: 2, Q8_0: 8 } as const;
const FILE_TYPE = { F32: 0, Q4_0: 2, Q8_0: 7 } as const;
const ALIGN = 32;

const enum V {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
}

/** HF tensor name -> llama.cpp (gguf) name. */
export function ggufName(hf: string): string {
  if (hf === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hf === 'model.norm.weight') return 'output_norm.weight';
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hf);
  if (!m) throw new Error(`no gguf name for ${hf}`);
  const map: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight',
    'self_attn.q_proj.bias': 'attn_q.bias',
    'self_attn.k_proj.weight': 'attn_k.weight',
    'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.weight': 'attn_v.weight',
    'self_attn.v_proj.bias': 'attn_v.bias',
    'self_attn.o_proj.weight': 'attn_output.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight',
    'mlp.up_proj.weight': 'ffn_up.weight',
    'mlp.down_proj.weight': 'ffn_down.weight',
  };
  const s = map[m[2]];
  if (!s) throw new Error(`no gguf name for ${hf}`);
  return `blk.${m[1]}.${s}`;
}

// ---- GGUF Q8_0 (ggml quantize_row_q8_0_ref, with d rounded to fp16 before the codes so the
// fp16 `d` in the file is the number the codes were made with) ----
export const Q8_0_BLOCK_BYTES = 34;

export function quantizeQ8Block32(w: Float32Array, rows: number, cols: number): { codes: Int8Array; scales: Float32Array } {
  const nb = cols / 32;
  const codes = new Int8Array(rows * cols);
  const scales = new Float32Array(rows * nb);
  for (let b = 0; b < rows * nb; b++) {
    const base = b * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(w[base + j]));
    const d = float16BitsToFloat32(float32ToFloat16Bits(amax / 127));
    const id = d ? 1 / d : 0;
    for (let j = 0; j < 32; j++) {
      const x = w[base + j] * id;
      codes[base + j] = Math.max(-127, Math.min(127, Math.sign(x) * Math.round(Math.abs(x))));
    }
    scales[b] = d;
  }
  return { codes, scales };
}

function q8ToGguf(codes: Int8Array, scales: Float32Array): Uint8Array {
  const out = new Uint8Array(scales.length * Q8_0_BLOCK_BYTES);
  for (let b = 0; b < scales.length; b++) {
    const o = b * Q8_0_BLOCK_BYTES;
    const h = float32ToFloat16Bits(scales[b]);
    out[o] = h & 0xff;
    out[o + 1] = h >> 8;
    out.set(new Uint8Array(codes.buffer, codes.byteOffset + b * 32, 32), o + 2);
  }
  return out;
}

// ---- encoding helpers ----
class Out {
  parts: Buffer[] = [];
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.parts.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.parts.push(b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.parts.push(b);
  }
  get length() {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
}

type Meta = [key: string, type: V, value: unknown, elemType?: V];

function writeMeta(out: Out, [key, type, value, elem]: Meta): void {
  out.str(key);
  out.u32(type);
  const one = (t: V, v: unknown) => {
    if (t === V.U32) out.u32(v as number);
    else if (t === V.I32) out.i32(v as number);
    else if (t === V.F32) out.f32(v as number);
    else if (t === V.BOOL) out.parts.push(Buffer.from([v ? 1 : 0]));
    else if (t === V.STRING) out.str(v as string);
    else if (t === V.U64) out.u64(v as number);
    else throw new Error(`meta type ${t}`);
  };
  if (type === V.ARRAY) {
    const arr = value as unknown[];
    out.u32(elem!);
    out.u64(arr.length);
    if (elem === V.I32) {
      const b = Buffer.alloc(arr.length * 4);
      arr.forEach((v, i) => b.writeInt32LE(v as number, i * 4));
      out.parts.push(b);
    } else for (const v of arr) one(elem!, v);
  } else one(type, value);
}

interface TokenizerJson {
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: { id: number; content: string; special: boolean }[];
}

/** tokenizer.ggml.* metadata from a Hugging Face tokenizer.json (byte-level BPE, Qwen2). */
function tokenizerMeta(tokenizerFile: string, vocab: number, eosId: number): Meta[] {
  const tj = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')) as TokenizerJson;
  const tokens: string[] = new Array(vocab);
  const types: number[] = new Array(vocab).fill(1);
  for (const [tok, id] of Object.entries(tj.model.vocab)) if (id < vocab) tokens[id] = tok;
  for (const a of tj.added_tokens) {
    if (a.id >= vocab) continue;
    tokens[a.id] = a.content;
    types[a.id] = a.special ? 3 : 4; // CONTROL : USER_DEFINED
  }
  for (let i = 0; i < vocab; i++) {
    if (tokens[i] === undefined) {
      tokens[i] = `[PAD${i}]`;
      types[i] = 5; // UNUSED
    }
  }
  const merges = tj.model.merges.map((m) => (Array.isArray(m) ? m.join(' ') : m));
  // The chat template rides along, as in published GGUF files (the GGUF engine reads it from there).
  const configFile = path.join(path.dirname(tokenizerFile), 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? (JSON.parse(fs.readFileSync(configFile, 'utf8')) as { chat_template?: unknown }) : {};
  const template: Meta[] = typeof config.chat_template === 'string' ? [['tokenizer.chat_template', V.STRING, config.chat_template]] : [];
  return [
    ...template,
    ['tokenizer.ggml.model', V.STRING, 'gpt2'],
    ['tokenizer.ggml.pre', V.STRING, 'qwen2'],
    ['tokenizer.ggml.tokens', V.ARRAY, tokens, V.STRING],
    ['tokenizer.ggml.token_type', V.ARRAY, types, V.I32],
    ['tokenizer.ggml.merges', V.ARRAY, merges, V.STRING],
    ['tokenizer.ggml.eos_token_id', V.U32, eosId],
    ['tokenizer.ggml.padding_token_id', V.U32, eosId],
    ['tokenizer.ggml.bos_token_id', V.U32, eosId],
    ['tokenizer.ggml.add_bos_token', V.BOOL, false],
  ];
}

interface PlannedTensor {
  spec: TensorSpec;
  name: string;
  type: GgufType;
  /** ggml ne: innermost first (HF [out, in] -> [in, out]). */
  ne: number[];
  bytes: number;
  offset: number;
}

function tensorType(spec: TensorSpec, type: GgufType): GgufType {
  if (type === 'F32') return 'F32';
  return spec.kind === 'linear' || spec.kind === 'embedding' ? type : 'F32';
}

function tensorBytes(ne: number[], type: GgufType): number {
  const n = ne.reduce((a, b) => a * b, 1);
  if (type === 'F32') return n * 4;
  return (n / 32) * (type === 'Q4_0' ? 18 : Q8_0_BLOCK_BYTES);
}

export interface GgufOptions {
  shape: ModelShape;
  seed: number;
  perturbation?: number;
  type: GgufType;
  tokenizerFile: string;
  eosId: number;
  out: string;
  name?: string;
}

/** Bytes of weights a decode step reads (every tensor but the embedding table, plus one embedding row). */
export function ggufWeightBytesPerToken(shape: ModelShape, type: GgufType): number {
  let n = 0;
  for (const spec of tensorSpecs(shape)) {
    const ne = [...spec.dims].reverse();
    const b = tensorBytes(ne, tensorType(spec, type));
    // Tied: token_embd is also the output matrix, read whole by the lm_head every token.
    n += b;
  }
  return n;
}

/** Writes the GGUF (atomically). Returns the file size. */
export function writeGguf(o: GgufOptions): number {
  const { shape } = o;
  const tensors: PlannedTensor[] = [];
  let offset = 0;
  for (const spec of tensorSpecs(shape)) {
    const type = tensorType(spec, o.type);
    const ne = [...spec.dims].reverse();
    const bytes = tensorBytes(ne, type);
    tensors.push({ spec, name: ggufName(spec.name), type, ne, bytes, offset });
    offset += Math.ceil(bytes / ALIGN) * ALIGN;
  }
  const meta: Meta[] = [
    ['general.architecture', V.STRING, 'qwen2'],
    ['general.name', V.STRING, o.name ?? 'slm-bench'],
    ['general.alignment', V.U32, ALIGN],
    ['general.file_type', V.U32, FILE_TYPE[o.type]],
    ['qwen2.context_length', V.U32, shape.maxPositions],
    ['qwen2.embedding_length', V.U32, shape.hidden],
    ['qwen2.block_count', V.U32, shape.layers],
    ['qwen2.feed_forward_length', V.U32, shape.intermediate],
    ['qwen2.attention.head_count', V.U32, shape.heads],
    ['qwen2.attention.head_count_kv', V.U32, shape.kvHeads],
    ['qwen2.rope.freq_base', V.F32, shape.ropeTheta],
    ['qwen2.attention.layer_norm_rms_epsilon', V.F32, shape.rmsNormEps],
    ...tokenizerMeta(o.tokenizerFile, shape.vocab, o.eosId),
  ];
  const head = new Out();
  head.parts.push(Buffer.from('GGUF', 'ascii'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(meta.length);
  for (const m of meta) writeMeta(head, m);
  for (const t of tensors) {
    head.str(t.name);
    head.u32(t.ne.length);
    for (const d of t.ne) head.u64(d);
    head.u32(GGML_TYPE[t.type]);
    head.u64(t.offset);
  }
  const headLen = head.length;
  head.parts.push(Buffer.alloc(Math.ceil(headLen / ALIGN) * ALIGN - headLen));

  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileAtomically(o.out, (fd) => {
    for (const p of head.parts) writeAll(fd, p);
    for (const t of tensors) {
      const w = makeTensor(shape, t.spec.name, o.seed, o.perturbation ?? 0);
      const [rows, cols] = t.spec.dims.length === 2 ? t.spec.dims : [1, t.spec.dims[0]];
      let data: Uint8Array;
      if (t.type === 'F32') data = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
      else if (t.type === 'Q4_0') {
        const q = quantizeQ4Block32(w, rows, cols);
        data = q4ToGgufQ4_0(q.codes, q.scales, rows, cols);
      } else {
        const q = quantizeQ8Block32(w, rows, cols);
        data = q8ToGguf(q.codes, q.scales);
      }
      if (data.length !== t.bytes) throw new Error(`${t.name}: ${data.length} bytes, planned ${t.bytes}`);
      writeAll(fd, data);
      const pad = Math.ceil(t.bytes / ALIGN) * ALIGN - t.bytes;
      if (pad) writeAll(fd, Buffer.alloc(pad));
    }
  });
  return fs.statSync(o.out).size;
}

/**
 * The GGUF of a generated model's weights (same seed, the same 4-bit codes for Q4_0), cached
 * beside the generated ONNX folders; `modelDir` is any generated folder of that size (its
 * tokenizer files go into the GGUF). Bump the version when the writer's output changes.
 */
export function ensureTestGguf(size: ModelSize, type: GgufType, modelDir: string, log?: (s: string) => void): string {
  const out = path.join(defaultCacheRoot(), 'gguf', `${size}-s${DEFAULT_SEEDS[size]}-${type}-v2.gguf`);
  if (fs.existsSync(out)) return out;
  const t = performance.now();
  log?.(`writing ${out} ...`);
  writeGguf({ shape: SHAPES[size], seed: DEFAULT_SEEDS[size], type, tokenizerFile: path.join(modelDir, 'tokenizer.json'), eosId: QWEN_IDS.endOfText, out, name: `${size} (random weights)` });
  log?.(`  ${(fs.statSync(out).size / 1e6).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return out;
}
