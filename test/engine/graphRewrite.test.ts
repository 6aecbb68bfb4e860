import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { EXTERNAL_FOLDER_KEY, prepareGraph, PreparedGraph } from '../../src/engine/graphRewrite';
import { ensureTestModel, onnxPath } from '../modelgen/testModels';

type Style = 'standard' | 'gqa';
type Precision = 'fp32' | 'q4' | 'q4-acc0';

const PROMPT = [151659, 785, 3110, 4479, 11, 1879, 151661, 220, 151660];

function flatConfig(config: Record<string, string>): Record<string, string> {
  return { ...config };
}

async function open(model: string | Uint8Array, sessionConfig: Record<string, string> = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model as string, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
    extra: flatConfig(sessionConfig),
  });
}

/** Runs a prompt with an empty KV cache; `keep` feeds num_logits_to_keep (scalar or [1]). */
async function run(session: ort.InferenceSession, ids: number[], keep?: { n: number; shape: number[] }): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const S = ids.length;
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    const name = meta.name;
    if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, S]);
    else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]);
    else if (name === 'position_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, S]);
    else if (name === 'num_logits_to_keep') {
      assert.ok(keep, 'graph wants num_logits_to_keep');
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(keep.n)]), keep.shape);
    } else if (name.startsWith('past_key_values.')) {
      assert.ok(meta.isTensor);
      const kvHeads = meta.shape[1] as number;
      const headDim = meta.shape[3] as number;
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, kvHeads, 0, headDim]);
    } else throw new Error(`unexpected input ${name}`);
  }
  const out = await session.run(feeds);
  return { data: out.logits.data as Float32Array, dims: out.logits.dims };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function lastRow(logits: { data: Float32Array; dims: readonly number[] }): Float32Array {
  const V = logits.dims[2];
  return logits.data.subarray(logits.data.length - V);
}

function matMulNBitsLevels(file: string): number[] {
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  return model.graph!.node!.filter((n) => n.opType === 'MatMulNBits').map((n) => {
    const a = n.attribute!.find((x) => x.name === 'accuracy_level');
    return a ? Number(a.i) : 0;
  });
}

/** A copy of a generated model folder's onnx/ files (hard links for the weights where possible). */
function copyModel(srcOnnx: string, destDir: string, onnxBytes?: Uint8Array): string {
  fs.mkdirSync(destDir, { recursive: true });
  const dest = path.join(destDir, path.basename(srcOnnx));
  if (onnxBytes) fs.writeFileSync(dest, onnxBytes);
  else fs.copyFileSync(srcOnnx, dest);
  for (const f of fs.readdirSync(path.dirname(srcOnnx))) {
    if (!f.startsWith(path.basename(srcOnnx) + '_data')) continue;
    const to = path.join(destDir, f);
    try {
      fs.linkSync(path.join(path.dirname(srcOnnx), f), to);
    } catch {
      fs.copyFileSync(path.join(path.dirname(srcOnnx), f), to);
    }
  }
  return dest;
}

describe('graphRewrite.prepareGraph', function () {
  this.timeout(120_000);
  let tmp: string;
  const dirs = new Map<string, string>();
  const key = (style: Style, precision: Precision) => `${style}/${precision}`;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-rewrite-'));
    for (const style of ['standard', 'gqa'] as const) {
      for (const precision of ['fp32', 'q4', 'q4-acc0'] as const) {
        dirs.set(key(style, precision), await ensureTestModel({ size: 'tiny', style, precision }));
      }
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const style of ['standard', 'gqa'] as const) {
    for (const precision of ['fp32', 'q4-acc0'] as const) {
      it(`${style} ${precision}: rewritten graph runs and its last-position logits match`, async () => {
        const file = onnxPath(dirs.get(key(style, precision))!, precision);
        const cacheDir = path.join(tmp, `cache-${style}-${precision}`);
        const prepared = await prepareGraph(file, cacheDir);
        assert.equal(typeof prepared.model, 'string');
        assert.ok((prepared.model as string).startsWith(cacheDir), 'the rewrite lives in the cache');
        assert.equal(prepared.sessionConfig[EXTERNAL_FOLDER_KEY], path.dirname(file));
        assert.ok(prepared.changes.some((c) => c.includes('num_logits_to_keep')), prepared.changes.join('; '));
        if (precision === 'q4-acc0') {
          assert.ok(prepared.changes.some((c) => c.includes('accuracy_level=4')), prepared.changes.join('; '));
          const levels = matMulNBitsLevels(prepared.model as string);
          assert.ok(levels.length > 0);
          assert.deepEqual(levels, levels.map(() => 4));
          assert.ok(matMulNBitsLevels(file).every((l) => l === 0), 'the original is untouched');
        }

        // Reference: the same weights at the accuracy level the rewrite sets (q4-acc0 -> q4).
        const refPrecision: Precision = precision === 'q4-acc0' ? 'q4' : precision;
        const reference = await open(onnxPath(dirs.get(key(style, refPrecision))!, refPrecision));
        const rewritten = await open(prepared.model, prepared.sessionConfig);
        try {
          assert.ok(rewritten.inputNames.includes('num_logits_to_keep'));
          const want = await run(reference, PROMPT);
          assert.deepEqual(want.dims.slice(0, 2), [1, PROMPT.length]);
          for (const shape of [[], [1]]) {
            const got = await run(rewritten, PROMPT, { n: 1, shape });
            assert.deepEqual(got.dims, [1, 1, want.dims[2]]);
            const diff = maxAbsDiff(got.data, lastRow(want));
            assert.ok(diff <= 1e-5, `last-position logits differ by ${diff}`);
          }
          // 0 keeps every position (HF semantics); 3 keeps the last three.
          const all = await run(rewritten, PROMPT, { n: 0, shape: [] });
          assert.deepEqual(all.dims, want.dims);
          assert.ok(maxAbsDiff(all.data, want.data) <= 1e-5);
          const three = await run(rewritten, PROMPT, { n: 3, shape: [] });
          assert.deepEqual(three.dims, [1, 3, want.dims[2]]);
          assert.ok(maxAbsDiff(three.data, want.data.subarray(want.data.length - 3 * want.dims[2])) <= 1e-5);
        } finally {
          await reference.release();
          await rewritten.release();
        }
      });
    }
  }

  for (const style of ['standard', 'gqa'] as const) {
    it(`${style}: present.* outputs carry only the positions a run feeds, the same values as the whole cache's last rows`, async () => {
      const file = onnxPath(dirs.get(key(style, 'fp32'))!, 'fp32');
      const prepared = await prepareGraph(file, path.join(tmp, `cache-present-${style}`));
      assert.ok(prepared.changes.some((c) => c.includes('present.* outputs sliced')), prepared.changes.join('; '));
      const reference = await open(file);
      const rewritten = await open(prepared.model, prepared.sessionConfig);
      try {
        assert.ok(rewritten.outputNames.includes('present.0.key.new') && !rewritten.outputNames.includes('present.0.key'), rewritten.outputNames.join(', '));
        /** Runs ids after `past` (graph input name -> [1, heads, P, dim]); returns the outputs. */
        const step = async (session: ort.InferenceSession, ids: number[], past: Map<string, ort.Tensor>, at: number) => {
          const feeds: Record<string, ort.Tensor> = {};
          for (const meta of session.inputMetadata) {
            const name = meta.name;
            if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);
            else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', new BigInt64Array(at + ids.length).fill(1n), [1, at + ids.length]);
            else if (name === 'position_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(at + i))), [1, ids.length]);
            else if (name === 'num_logits_to_keep') feeds[name] = new ort.Tensor('int64', [1n], []);
            else if (meta.isTensor) feeds[name] = past.get(name) ?? new ort.Tensor('float32', new Float32Array(0), [1, meta.shape[1] as number, 0, meta.shape[3] as number]);
          }
          return session.run(feeds);
        };
        const whole = await step(reference, PROMPT, new Map(), 0);
        const split = PROMPT.length - 2;
        const first = await step(rewritten, PROMPT.slice(0, split), new Map(), 0);
        const past = new Map(rewritten.inputNames.filter((n) => n.startsWith('past_key_values.')).map((n) => [n, first[`${n.replace('past_key_values', 'present')}.new`]]));
        assert.deepEqual(past.get('past_key_values.0.key')!.dims.slice(2, 3), [split], 'an empty past: every fed position');
        const second = await step(rewritten, PROMPT.slice(split), past, split);
        for (const name of ['present.0.key', 'present.0.value']) {
          const full = whole[name];
          const [, heads, length, dim] = full.dims;
          const got = second[`${name}.new`];
          assert.deepEqual(got.dims, [1, heads, 2, dim]);
          const want = new Float32Array(heads * 2 * dim);
          for (let h = 0; h < heads; h++) want.set((full.data as Float32Array).subarray((h * length + length - 2) * dim, (h + 1) * length * dim), h * 2 * dim);
          const diff = maxAbsDiff(got.data as Float32Array, want);
          assert.ok(diff <= 1e-4, `${name}: the new rows differ from the whole run's by ${diff}`);
        }
      } finally {
        await reference.release();
        await rewritten.release();
      }
    });
  }

  it('reuses the cache on a second call without reading the source graph again', async () => {
    const src = onnxPath(dirs.get(key('gqa', 'q4-acc0'))!, 'q4-acc0');
    const file = copyModel(src, path.join(tmp, 'reuse', 'onnx'));
    // Whole seconds: utimes takes float seconds, which cannot restore every sub-second mtime exactly.
    const mtime = Math.floor(Date.now() / 1000) - 60;
    fs.utimesSync(file, mtime, mtime);
    const cacheDir = path.join(tmp, 'cache-reuse');
    const first = await prepareGraph(file, cacheDir);
    const cachedStat = fs.statSync(first.model as string);

    // Same size and mtime but garbage content: only a cache hit can still succeed.
    const st = fs.statSync(file);
    fs.writeFileSync(file, Buffer.alloc(st.size, 0xff));
    fs.utimesSync(file, mtime, mtime);
    const t0 = performance.now();
    const second: PreparedGraph = await prepareGraph(file, cacheDir);
    const ms = performance.now() - t0;
    assert.deepEqual(second, first);
    assert.equal(fs.statSync(first.model as string).mtimeMs, cachedStat.mtimeMs, 'cache file not rewritten');
    assert.ok(ms < 250, `cache hit took ${ms.toFixed(1)} ms`);

    // A changed file (new mtime) is not served from the stale entry, and the stale entry is pruned.
    fs.utimesSync(file, mtime + 5, mtime + 5);
    await assert.rejects(prepareGraph(file, cacheDir), (err: Error) => err.message.includes(file));
    fs.copyFileSync(src, file);
    const third = await prepareGraph(file, cacheDir);
    assert.notEqual(third.model, first.model);
    assert.ok(!fs.existsSync(first.model as string), 'stale rewrite pruned');
    assert.deepEqual(
      fs.readdirSync(cacheDir).sort(),
      [path.basename(third.model as string), path.basename(third.model as string).replace(/\.onnx$/, '.json')].sort(),
    );
  });

  it('passes a graph that needs nothing through unchanged', async () => {
    const firstCache = path.join(tmp, 'cache-pass-1');
    const src = onnxPath(dirs.get(key('standard', 'q4-acc0'))!, 'q4-acc0');
    const once = await prepareGraph(src, firstCache);
    // The rewritten graph, placed beside the original weights, needs no further change.
    const file = copyModel(src, path.join(tmp, 'pass', 'onnx'), fs.readFileSync(once.model as string));
    const cacheDir = path.join(tmp, 'cache-pass-2');
    const prepared = await prepareGraph(file, cacheDir);
    assert.deepEqual(prepared, { model: file, sessionConfig: {}, changes: [] });
    assert.deepEqual(await prepareGraph(file, cacheDir), prepared);
    assert.ok(fs.readdirSync(cacheDir).every((f) => f.endsWith('.json')), 'no graph copy for an unchanged model');
    const session = await open(prepared.model);
    try {
      const got = await run(session, PROMPT, { n: 1, shape: [] });
      assert.deepEqual(got.dims.slice(0, 2), [1, 1]);
    } finally {
      await session.release();
    }
  });

  it('streams a graph with inline weights (too large to read whole) and keeps it runnable', async () => {
    const src = onnxPath(dirs.get(key('standard', 'fp32'))!, 'fp32');
    // Inline every external initializer, as single-file exports do.
    const model = onnx.ModelProto.decode(fs.readFileSync(src));
    const data = fs.readFileSync(src + '_data');
    for (const t of model.graph!.initializer!) {
      if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
      const kv = new Map(t.externalData!.map((e) => [e.key, e.value]));
      const off = Number(kv.get('offset') ?? 0);
      t.rawData = data.subarray(off, off + Number(kv.get('length')));
      t.externalData = [];
      t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    }
    const inlineDir = path.join(tmp, 'inline');
    fs.mkdirSync(inlineDir);
    const file = path.join(inlineDir, 'model.onnx');
    fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());

    const prepared = await prepareGraph(file, path.join(tmp, 'cache-inline'), { readWholeLimit: 0 });
    assert.ok(prepared.changes.some((c) => c.includes('num_logits_to_keep')));
    assert.ok(fs.statSync(prepared.model as string).size > fs.statSync(file).size, 'weights copied inline');
    const reference = await open(src);
    const rewritten = await open(prepared.model, prepared.sessionConfig);
    try {
      const want = await run(reference, PROMPT);
      const got = await run(rewritten, PROMPT, { n: 1, shape: [] });
      assert.ok(maxAbsDiff(got.data, lastRow(want)) <= 1e-5);
    } finally {
      await reference.release();
      await rewritten.release();
    }
  });

  it('names the file when the graph is truncated or not ONNX', async () => {
    const src = onnxPath(dirs.get(key('gqa', 'fp32'))!, 'fp32');
    const bytes = fs.readFileSync(src);
    const dir = path.join(tmp, 'corrupt');
    fs.mkdirSync(dir);
    const cases: [string, Uint8Array][] = [
      ['truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6))],
      ['empty.onnx', new Uint8Array(0)],
      ['text.onnx', Buffer.from('<html>404 Not Found</html>\n')],
    ];
    for (const [name, content] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, content);
      await assert.rejects(prepareGraph(file, path.join(tmp, 'cache-corrupt')), (err: Error) => {
        assert.ok(err.message.includes(file), err.message);
        return true;
      });
    }
    await assert.rejects(prepareGraph(path.join(dir, 'missing.onnx'), path.join(tmp, 'cache-corrupt')), (err: Error) =>
      err.message.includes(path.join(dir, 'missing.onnx')),
    );
  });
});
