import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { familyVariants } from '../support/tinyModels';
import { FAMILIES } from './families';
import { loadReferenceForModelDir, referenceForward } from './reference';
import { ensureTestModel, onnxPath } from './testModels';
import { float16BitsToFloat32 } from './weights';

/**
 * Tolerances (logits have RMS ~1): fp32 graphs against the float64 reference 1e-4 (measured
 * <= 4e-6); graphs with fp16 I/O run GroupQueryAttention in fp16 and return fp16 logits: 2e-2
 * (measured 5e-3); accuracy_level 4 q4 graphs as modelgen.test.ts explains: max 0.25, RMS 0.04
 * (measured <= 0.13 / 0.02). ORT against ORT (cached steps vs one full pass): 1e-4, fp16 I/O
 * 2e-2, q4 0.05.
 */
const TOKENS = [5, 100, 2000, 31000, 7, 42, 999, 12, 3, 30000];

const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);

/** Logits as fp32, the first `limit` values (all by default: a 4097-token prompt's would take 0.5 GB). */
function toFloat(t: ort.Tensor, limit = t.data.length): Float32Array {
  const data = (t.data as Uint16Array | Float32Array).subarray(0, limit);
  return t.type === 'float16' ? Float32Array.from(data as Uint16Array, float16BitsToFloat32) : (data as Float32Array);
}

function diff(a: Float32Array, b: Float32Array): { max: number; rms: number } {
  assert.equal(a.length, b.length);
  let max = 0;
  let ss = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= max)) max = d;
    ss += d * d;
  }
  return { max, rms: Math.sqrt(ss / a.length) };
}

type Past = Record<string, ort.Tensor>;

/** Runs `ids` after `past` the way the engine feeds a graph (only the inputs it declares). */
async function step(session: ort.InferenceSession, meta: { shape: { layers: number; kvHeads: number; headDim: number; vocab: number }; io16: boolean }, ids: number[], past?: Past, rows?: number) {
  const pastLen = past ? past['past_key_values.0.key'].dims[2] : 0;
  const total = pastLen + ids.length;
  const feeds: Record<string, ort.Tensor> = { input_ids: i64(ids, [1, ids.length]), attention_mask: i64(new Array(total).fill(1), [1, total]) };
  if (session.inputNames.includes('position_ids')) feeds.position_ids = i64(ids.map((_, i) => pastLen + i), [1, ids.length]);
  if (session.inputNames.includes('use_cache_branch')) feeds.use_cache_branch = new ort.Tensor('bool', [pastLen > 0], [1]);
  const { layers, kvHeads, headDim } = meta.shape;
  for (let l = 0; l < layers; l++) {
    for (const kv of ['key', 'value']) {
      const name = `past_key_values.${l}.${kv}`;
      feeds[name] = past?.[name] ?? new ort.Tensor(meta.io16 ? 'float16' : 'float32', meta.io16 ? new Uint16Array(0) : new Float32Array(0), [1, kvHeads, 0, headDim]);
    }
  }
  const out = await session.run(feeds);
  const present: Past = {};
  for (let l = 0; l < layers; l++) for (const kv of ['key', 'value']) present[`past_key_values.${l}.${kv}`] = out[`present.${l}.${kv}`];
  return { logits: toFloat(out.logits, rows === undefined ? undefined : rows * meta.shape.vocab), present, out };
}

describe('modelgen: family models in onnxruntime-node vs the TypeScript reference', function () {
  this.timeout(120_000);

  for (const { family, variant, label } of familyVariants()) {
    describe(label, () => {
      let dir: string;
      let session: ort.InferenceSession;
      let meta: { shape: { layers: number; kvHeads: number; headDim: number; vocab: number }; io16: boolean };
      before(async () => {
        dir = await ensureTestModel({ family, ...variant });
        session = await ort.InferenceSession.create(onnxPath(dir, variant.precision, { family, layout: variant.layout }), { executionProviders: ['cpu'], intraOpNumThreads: 2 });
        meta = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).slm_test_model;
      });
      after(() => session?.release());

      it("carries the family's real config.json fields", () => {
        const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
        for (const [k, v] of Object.entries(FAMILIES[family].config)) assert.deepEqual(cfg[k], v, k);
        assert.equal(cfg.vocab_size, FAMILIES[family].shape.vocab);
        assert.equal(cfg.tie_word_embeddings, FAMILIES[family].shape.tied !== false);
        const types = session.outputMetadata.filter((m) => m.name === 'logits' || m.name === 'present.0.key').map((m) => (m as { type: string }).type);
        assert.deepEqual(types, FAMILIES[family].io16 ? ['float16', 'float16'] : ['float32', 'float32']);
      });

      it('a full forward matches the reference', async () => {
        const { logits } = await step(session, meta, TOKENS);
        const ref = referenceForward(loadReferenceForModelDir(dir, 64), TOKENS);
        const d = diff(logits, ref);
        if (variant.precision !== 'fp32') assert.ok(d.max <= 0.25 && d.rms <= 0.04, `max ${d.max}, RMS ${d.rms}`);
        else assert.ok(d.max <= (meta.io16 ? 2e-2 : 1e-4), `max |diff| ${d.max}`);
      });

      it('prefill 4 + cached single-token steps match the full forward', async () => {
        const V = meta.shape.vocab;
        const { logits: full } = await step(session, meta, TOKENS);
        let { logits, present } = await step(session, meta, TOKENS.slice(0, 4));
        let d = diff(logits, full.subarray(0, 4 * V)).max;
        for (let t = 4; t < TOKENS.length; t++) {
          ({ logits, present } = await step(session, meta, [TOKENS[t]], present));
          d = Math.max(d, diff(logits, full.subarray(t * V, (t + 1) * V)).max);
        }
        assert.ok(d <= (variant.precision !== 'fp32' ? 0.05 : meta.io16 ? 2e-2 : 1e-4), `max |diff| ${d}`);
      });
    });
  }

  it('the merged layout takes use_cache_branch and its else-branch ignores the past', async () => {
    const dir = await ensureTestModel({ family: 'deepseek-coder', style: 'standard', precision: 'q4', layout: 'merged' });
    assert.ok(fs.existsSync(path.join(dir, 'onnx/decoder_model_merged_q4.onnx')));
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx/decoder_model_merged_q4.onnx'), { executionProviders: ['cpu'] });
    try {
      assert.ok(session.inputNames.includes('use_cache_branch'));
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).slm_test_model;
      const { present } = await step(session, meta, TOKENS.slice(0, 4));
      // Told there is no cache while there is: the mask no longer matches, and the graph says so.
      const feeds = { input_ids: i64([7], [1, 1]), attention_mask: i64([1, 1, 1, 1, 1], [1, 5]), position_ids: i64([4], [1, 1]), use_cache_branch: new ort.Tensor('bool', [false], [1]), ...present };
      await assert.rejects(session.run(feeds));
    } finally {
      await session.release();
    }
  });

  it("Phi-3.5's genai graph switches its rotary tables with an If at 4096 tokens", async () => {
    const dir = await ensureTestModel({ family: 'phi-3.5', style: 'gqa', precision: 'q4' });
    const model = onnx.ModelProto.decode(fs.readFileSync(path.join(dir, 'onnx/model_q4f16.onnx')));
    const names = model.graph!.input!.map((i) => i.name);
    assert.ok(!names.includes('position_ids'));
    const rotary = model.graph!.node!.find((n) => n.opType === 'If');
    assert.ok(rotary, 'an If node');
    const limit = model.graph!.initializer!.find((t) => t.name === 'const/rope_original_max')!;
    assert.equal(Number(new BigInt64Array(new Uint8Array(limit.rawData!).slice().buffer)[0]), 4096);

    // Past 4096 tokens EVERY position turns with the long factors: the second position's logits
    // (the first turns by angle 0 either way) change with the length of the sequence, which is
    // why the engine caps Phi-3 at 4096.
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model_q4f16.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 2 });
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).slm_test_model;
      const V = meta.shape.vocab;
      const ids = (n: number) => Array.from({ length: n }, (_, i) => 100 + (i % 3000));
      const first = (await step(session, meta, ids(2))).logits.subarray(V, 2 * V);
      const at4096 = (await step(session, meta, ids(4096), undefined, 2)).logits.subarray(V);
      const at4097 = (await step(session, meta, ids(4097), undefined, 2)).logits.subarray(V);
      assert.ok(diff(at4096, first).max <= 2e-2, `short factors up to 4096: ${diff(at4096, first).max}`);
      assert.ok(diff(at4097, first).max > 0.1, `long factors past 4096: ${diff(at4097, first).max}`);
    } finally {
      await session.release();
    }
  });
});
