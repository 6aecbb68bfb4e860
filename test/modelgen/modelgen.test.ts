import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { ReferenceWeights, loadReferenceWeights, referenceForward } from './reference';
import {
  GraphStyle, MARKER_FILE, Precision, TestModelSpec, ensureTestModel, isComplete, onnxPath, writeTestModelFolder,
} from './testModels';
import {
  SHAPES, dequantizeQ4Block32, float16BitsToFloat32, float32ToFloat16Bits, makeTensor, q4ToGgufQ4_0,
  quantizeQ4Block32, tensorNames,
} from './weights';

const shape = SHAPES.tiny;
const V = shape.vocab;
// FIM-shaped prompt with ordinary ids in between (12 tokens).
const TOKENS = [151659, 750, 15801, 1445, 982, 151661, 220, 470, 151660, 257, 13, 42];

/**
 * Tolerances (logits here have RMS ~1, max ~6).
 * - fp32 graphs, and q4 graphs without accuracy_level (MatMulNBits dequantizes and computes in
 *   fp32), against the float64 reference on the same (dequantized) weights: 1e-4 absolute.
 * - accuracy_level 4 quantizes MatMulNBits activations to int8 per 32-element block (error up to
 *   1/254 of the block's max |a| per element, ~0.4%), so logits move by ~1.6% RMS against fp32
 *   math (measured: max 0.09, RMS 0.016 over 12 x 151936 logits). We allow max 0.25 and RMS 0.04;
 *   a wrong code/scale layout moves logits by O(1) RMS (and q4-acc0 checks the layout at 1e-4).
 * - ORT against ORT at accuracy_level 4 (cached vs full, standard vs gqa): the per-row int8
 *   quantization does not depend on the other rows, only tiny fp32 differences get re-rounded: 0.05.
 */
const FP_TOL = 1e-4;
const Q4_REF_MAX = 0.25;
const Q4_REF_RMS = 0.04;
const Q4_SELF_TOL = 0.05;

function tol(precision: Precision): number {
  return precision === 'q4' ? Q4_SELF_TOL : FP_TOL;
}

function rmsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / a.length);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = d; // NaN propagates
  }
  return m;
}

const i64 = (v: number[], dims: number[]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);

type Past = Record<string, ort.Tensor>;

/** Runs `ids` at positions past..past+n-1 (batch 1). */
async function run(session: ort.InferenceSession, style: GraphStyle, ids: number[], past?: Past): Promise<{ logits: Float32Array; present: Past }> {
  const pastLen = past ? past['past_key_values.0.key'].dims[2] : 0;
  const total = pastLen + ids.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(ids, [1, ids.length]),
    attention_mask: i64(new Array(total).fill(1), [1, total]),
  };
  if (style === 'standard') feeds.position_ids = i64(ids.map((_, i) => pastLen + i), [1, ids.length]);
  for (let l = 0; l < shape.layers; l++) {
    for (const kv of ['key', 'value']) {
      const name = `past_key_values.${l}.${kv}`;
      feeds[name] = past ? past[name] : new ort.Tensor('float32', new Float32Array(0), [1, shape.kvHeads, 0, shape.headDim]);
    }
  }
  const out = await session.run(feeds);
  const present: Past = {};
  for (let l = 0; l < shape.layers; l++) {
    for (const kv of ['key', 'value']) {
      const t = out[`present.${l}.${kv}`];
      assert.deepEqual(t.dims, [1, shape.kvHeads, total, shape.headDim]);
      present[`past_key_values.${l}.${kv}`] = t;
    }
  }
  assert.deepEqual(out.logits.dims, [1, ids.length, V]);
  return { logits: out.logits.data as Float32Array, present };
}

describe('modelgen: weights', () => {
  it('is deterministic, seed- and perturbation-sensitive', () => {
    const n = 'model.layers.1.mlp.down_proj.weight';
    assert.deepEqual(makeTensor(shape, n, 1), makeTensor(shape, n, 1));
    assert.notDeepEqual(makeTensor(shape, n, 1), makeTensor(shape, n, 2));
    const base = makeTensor(shape, n, 1);
    const pert = makeTensor(shape, n, 1, 0.1);
    let num = 0;
    let den = 0;
    for (let i = 0; i < base.length; i++) {
      num += (pert[i] - base[i]) ** 2;
      den += base[i] ** 2;
    }
    const rel = Math.sqrt(num / den);
    assert.ok(rel > 0.08 && rel < 0.12, `relative perturbation ${rel}`);
    assert.equal(tensorNames(shape).length, 1 + shape.layers * 12 + 1);
  });

  it('quantizes to Q4_0-compatible blocks', () => {
    const rows = 8;
    const cols = 64;
    const w = makeTensor(shape, 'model.layers.0.self_attn.q_proj.weight', 1).subarray(0, rows * cols);
    const { codes, scales } = quantizeQ4Block32(w, rows, cols);
    assert.equal(codes.length, rows * 2 * 16);
    assert.equal(scales.length, rows * 2);
    const deq = dequantizeQ4Block32(codes, scales, rows, cols);
    for (let i = 0; i < w.length; i++) {
      const d = Math.abs(scales[Math.floor(i / 32)]);
      assert.ok(Math.abs(deq[i] - w[i]) <= d / 2 + 1e-7, `element ${i}`);
    }
    for (const s of scales) assert.equal(float16BitsToFloat32(float32ToFloat16Bits(s)), s, 'scales are fp16-exact');
    // MatMulNBits packing: byte j = q[2j] | q[2j+1] << 4; GGUF: qs[j] = q[j] | q[j+16] << 4.
    const gguf = q4ToGgufQ4_0(codes, scales, rows, cols);
    assert.equal(gguf.length, rows * 2 * 18);
    for (let b = 0; b < rows * 2; b++) {
      const d = float16BitsToFloat32(gguf[b * 18] | (gguf[b * 18 + 1] << 8));
      for (let j = 0; j < 16; j++) {
        const qs = gguf[b * 18 + 2 + j];
        assert.equal(((qs & 15) - 8) * d, deq[b * 32 + j]);
        assert.equal(((qs >> 4) - 8) * d, deq[b * 32 + j + 16]);
      }
    }
  });
});

describe('modelgen: tiny models in onnxruntime-node vs the TypeScript reference', function () {
  this.timeout(120_000);
  const styles: GraphStyle[] = ['standard', 'gqa'];
  const precisions: Precision[] = ['fp32', 'q4', 'q4-acc0'];
  const dirs = new Map<string, string>();
  const sessions = new Map<string, ort.InferenceSession>();
  const full = new Map<string, Float32Array>();
  let refFp32: ReferenceWeights;
  let refQ4: ReferenceWeights;
  const key = (s: GraphStyle, p: Precision): string => `${s}/${p}`;

  before(async () => {
    for (const style of styles) {
      for (const precision of precisions) {
        const dir = await ensureTestModel({ size: 'tiny', style, precision });
        dirs.set(key(style, precision), dir);
        sessions.set(key(style, precision), await ort.InferenceSession.create(onnxPath(dir, precision), { executionProviders: ['cpu'], intraOpNumThreads: 2 }));
      }
    }
    refFp32 = loadReferenceWeights({ shape, seed: 1, maxPositions: 64 });
    refQ4 = loadReferenceWeights({ shape, seed: 1, quantized: true, maxPositions: 64 });
  });
  after(async () => {
    for (const s of sessions.values()) await s.release();
  });

  it('writes the onnx-community folder layout', () => {
    const dir = dirs.get(key('gqa', 'q4')) as string;
    for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', MARKER_FILE]) {
      assert.ok(fs.existsSync(path.join(dir, f)), f);
    }
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(cfg.model_type, 'qwen2');
    assert.deepEqual(cfg.architectures, ['Qwen2ForCausalLM']);
    assert.equal(cfg.vocab_size, 151936);
    assert.equal(cfg.eos_token_id, 151643);
    assert.equal(cfg.tie_word_embeddings, true);
    assert.equal(cfg.num_key_value_heads, 2);
    const sess = sessions.get(key('gqa', 'q4')) as ort.InferenceSession;
    assert.ok(!sess.inputNames.includes('position_ids'));
    assert.ok((sessions.get(key('standard', 'fp32')) as ort.InferenceSession).inputNames.includes('position_ids'));
    assert.deepEqual(sess.outputNames.slice(0, 3), ['logits', 'present.0.key', 'present.0.value']);
  });

  it('stores the documented Q4 codes as external data (same codes a GGUF writer gets)', () => {
    const dir = dirs.get(key('standard', 'q4')) as string;
    const model = onnx.ModelProto.decode(fs.readFileSync(onnxPath(dir, 'q4')));
    const init = model.graph?.initializer?.find((t) => t.name === 'model.layers.1.mlp.down_proj.MatMulNBits.qweight');
    assert.ok(init);
    assert.equal(init.dataLocation, onnx.TensorProto.DataLocation.EXTERNAL);
    const ext = Object.fromEntries((init.externalData ?? []).map((e) => [e.key, e.value]));
    assert.equal(ext.location, 'model_q4.onnx_data');
    assert.equal(Number(ext.offset) % 64, 0);
    const data = fs.readFileSync(path.join(dir, 'onnx', ext.location as string));
    const stored = data.subarray(Number(ext.offset), Number(ext.offset) + Number(ext.length));
    const { codes } = quantizeQ4Block32(makeTensor(shape, 'model.layers.1.mlp.down_proj.weight', 1), shape.hidden, shape.intermediate);
    assert.ok(Buffer.from(codes).equals(stored));
    const mmnb = model.graph?.node?.filter((n) => n.opType === 'MatMulNBits') ?? [];
    assert.equal(mmnb.length, shape.layers * 7 + 1);
    for (const n of mmnb) assert.equal(Number(n.attribute?.find((a) => a.name === 'accuracy_level')?.i), 4);
  });

  for (const style of styles) {
    for (const precision of precisions) {
      it(`${style}/${precision}: full forward matches the reference`, async () => {
        const { logits } = await run(sessions.get(key(style, precision)) as ort.InferenceSession, style, TOKENS);
        full.set(key(style, precision), logits);
        const ref = referenceForward(precision === 'fp32' ? refFp32 : refQ4, TOKENS);
        const d = maxAbsDiff(logits, ref);
        if (precision === 'q4') {
          const r = rmsDiff(logits, ref);
          assert.ok(d <= Q4_REF_MAX && r <= Q4_REF_RMS, `max |diff| ${d}, RMS diff ${r}`);
        } else {
          assert.ok(d <= FP_TOL, `max |diff| ${d}`);
        }
        let mx = 0;
        for (const v of ref) mx = Math.max(mx, Math.abs(v));
        assert.ok(mx > 1, `logits are not degenerate (max |logit| ${mx})`);
      });

      it(`${style}/${precision}: prefill 6 + cached single-token steps match the full forward`, async () => {
        const session = sessions.get(key(style, precision)) as ort.InferenceSession;
        const ref = full.get(key(style, precision)) ?? (await run(session, style, TOKENS)).logits;
        let { logits, present } = await run(session, style, TOKENS.slice(0, 6));
        let d = maxAbsDiff(logits, ref.subarray(0, 6 * V));
        for (let t = 6; t < TOKENS.length; t++) {
          ({ logits, present } = await run(session, style, [TOKENS[t]], present));
          d = Math.max(d, maxAbsDiff(logits, ref.subarray(t * V, (t + 1) * V)));
        }
        assert.ok(d <= tol(precision), `max |diff| ${d}`);
      });
    }
  }

  it('a multi-token step with past (speculative verification shape) matches the full forward', async () => {
    for (const style of styles) {
      const session = sessions.get(key(style, 'fp32')) as ort.InferenceSession;
      const ref = full.get(key(style, 'fp32')) as Float32Array;
      const { present } = await run(session, style, TOKENS.slice(0, 7));
      const { logits } = await run(session, style, TOKENS.slice(7), present);
      const d = maxAbsDiff(logits, ref.subarray(7 * V));
      assert.ok(d <= FP_TOL, `${style}: max |diff| ${d}`);
    }
  });

  it('both graph styles give the same logits for the same weights', () => {
    for (const precision of precisions) {
      const d = maxAbsDiff(full.get(key('standard', precision)) as Float32Array, full.get(key('gqa', precision)) as Float32Array);
      assert.ok(d <= tol(precision), `${precision}: max |diff| ${d}`);
    }
  });
});

describe('modelgen: folders', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelgen-'));
  });
  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const hashDir = (dir: string): string => {
    const h = crypto.createHash('sha256');
    for (const f of ['config.json', 'onnx/model.onnx', 'onnx/model.onnx_data']) h.update(fs.readFileSync(path.join(dir, f)));
    return h.digest('hex');
  };

  it('regenerates byte-identical files; a perturbed copy differs', () => {
    const spec: TestModelSpec = { size: 'tiny-draft', style: 'gqa', precision: 'fp32' };
    const a = writeTestModelFolder(spec, path.join(tmp, 'a'));
    const b = writeTestModelFolder(spec, path.join(tmp, 'b'));
    assert.equal(hashDir(a), hashDir(b));
    const c = writeTestModelFolder({ ...spec, perturbation: 0.05 }, path.join(tmp, 'c'));
    assert.notEqual(hashDir(a), hashDir(c));
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['a', 'b', 'c']); // no temp folders left
  });

  it('replaces an incomplete folder and is safe with two concurrent processes', async () => {
    const spec: TestModelSpec = { size: 'tiny-draft', style: 'standard', precision: 'q4', seed: 7 };
    const stale = path.join(tmp, 'stale');
    fs.mkdirSync(path.join(stale, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(stale, 'config.json'), '{}');
    assert.ok(!isComplete(stale, spec));
    writeTestModelFolder(spec, stale);
    assert.ok(isComplete(stale, spec));

    const root = path.join(tmp, 'cache');
    const script = `require(${JSON.stringify(path.join(__dirname, 'testModels.ts'))}).ensureTestModel(${JSON.stringify(spec)}, ${JSON.stringify(root)}).then((d) => process.stdout.write(d))`;
    const child = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (c: Buffer) => (out += c.toString()));
        p.on('error', reject);
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exit ${code}`))));
      });
    const [d1, d2] = await Promise.all([child(), child()]);
    assert.equal(d1, d2);
    assert.ok(isComplete(d1, spec));
    assert.deepEqual(fs.readdirSync(root), [path.basename(d1)]);
  });
});
