import * as assert from 'node:assert/strict';
import type { KvData } from '../../src/engine/kvCache';
import { fillCache, MAX_MOVED_DRIFT } from '../../src/engine/fillCache';
import { halfToFloat32 } from '../../src/engine/float16';
import { openDecoder } from '../../src/engine/openDecoder';
import { slotModel, type DecoderModel } from '../../src/engine/decoderModel';
import type { KvCache } from '../../src/engine/kvCache';
import { openModelFolder } from '../../src/modelFormat/modelFolder';
import type { SuffixReuse } from '../../src/shared/generation';
import { FimCompleter } from '../../src/worker/fimCompleter';
import { type FamilyId } from '../modelgen/families';
import { ensureTestModel, QWEN_IDS } from '../modelgen/testModels';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE, familyModel, tinyModel } from '../support/tinyModels';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** FIM-shaped ids: prefix, the tokens at the cursor, the suffix (with its marker), the middle marker. */
const PREFIX = range(1000, 40);
const SUFFIX = range(3000, 30);
const original = [...PREFIX, 2000, ...SUFFIX, 7];
const typed = [...PREFIX, 2001, 2002, ...SUFFIX, 7];
const gate = { run: <T>(step: () => Promise<T>) => step() };
const fill = { reuse: true, chunk: 512, stopped: () => false, feedLast: true };

function values(cache: KvCache, name: string): Float32Array {
  const data = cache.feeds()[name].data as KvData;
  return data instanceof Uint16Array ? halfToFloat32(data) : data;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('shifted reuse of the KV cache (slm.suffixReuse "shifted")', function () {
  this.timeout(180_000);

  const models: [string, () => Promise<string>][] = [
    ['qwen2.5-coder tiny, GroupQueryAttention graph', () => tinyModel('gqa', 'fp32')],
    ...(['deepseek-coder', 'stable-code', 'llama-3.2', 'phi-3.5'] as FamilyId[]).map((f): [string, () => Promise<string>] => [f, () => familyModel(f)]),
  ];
  for (const [label, dir] of models) {
    it(`${label}: moved keys and values of the first layer equal a fresh prefill's; later layers only approximate`, async () => {
      const folder = openModelFolder(await dir());
      const { decoder } = await openDecoder(folder, { device: 'cpu', precision: 'fp32', threads: 2, cacheDir: ENGINE_CACHE }, 'model');
      try {
        const moved = decoder.newCache();
        const model = slotModel(decoder, moved, gate);
        await fillCache(model, original, { ...fill, shifted: true });
        const filled = await fillCache(model, typed, { ...fill, shifted: true });
        assert.deepEqual({ reused: filled.reused, shifted: filled.shifted }, { reused: PREFIX.length + SUFFIX.length, shifted: SUFFIX.length });
        assert.deepEqual(moved.tokens, typed);

        const fresh = decoder.newCache();
        await fillCache(slotModel(decoder, fresh, gate), typed, { ...fill, reuse: false, shifted: false });
        const fp16 = decoder.contract.kvDtype === 'float16';
        const [first, second] = decoder.contract.kv;
        for (const name of [first.pastKey, first.pastValue]) {
          const diff = maxDiff(values(moved, name), values(fresh, name));
          assert.ok(diff <= (fp16 ? 4e-3 : 1e-4), `${name}: max difference ${diff}`);
        }
        // The second layer of the moved suffix saw the old token before it: close, not equal.
        assert.ok(maxDiff(values(moved, second.pastValue), values(fresh, second.pastValue)) > 1e-6, 'the second layer differs');
      } finally {
        await decoder.dispose();
      }
    });
  }

  it('a model whose rotary it cannot read falls back to exact reuse', async () => {
    const folder = openModelFolder(await tinyModel('standard', 'fp32'));
    const { decoder } = await openDecoder(folder, { device: 'cpu', precision: 'fp32', threads: 2, cacheDir: ENGINE_CACHE }, 'model');
    try {
      const blind = Object.assign(Object.create(Object.getPrototypeOf(decoder)) as DecoderModel, decoder, { rotary: undefined });
      const model = slotModel(blind, decoder.newCache(), gate);
      await fillCache(model, original, { ...fill, shifted: true });
      const filled = await fillCache(model, typed, { ...fill, shifted: true });
      assert.deepEqual({ reused: filled.reused, shifted: filled.shifted }, { reused: PREFIX.length, shifted: 0 });
    } finally {
      await decoder.dispose();
    }
  });

  describe('through the engine, on a one-layer model (where moving is exact)', () => {
    let model: LoadedEngine;
    before(async () => {
      const dir = await ensureTestModel({ size: 'tiny-draft', style: 'standard', precision: 'fp32' });
      model = await loadEngine({ modelDir: dir, device: 'cpu', threads: 2, precision: 'fp32', cacheDir: ENGINE_CACHE });
    });
    after(() => model?.dispose());

    const fim = (prefix: string, suffix: string) => [QWEN_IDS.fimPrefix, ...model.tokenizer.encode(prefix), QWEN_IDS.fimSuffix, ...model.tokenizer.encode(suffix), QWEN_IDS.fimMiddle];
    const SUFFIX_TEXT = '\n    return total\n\n\ndef mean(values):\n    return sum(values) / len(values)\n';

    it('reuses the suffix after a keystroke, reports it, and decodes what a fresh prompt decodes', async () => {
      const request = { maxNewTokens: 16, ignoreEos: true };
      await model.generate({ ...request, promptIds: fim('def total(xs):\n    total = 0\n    for x in xs:\n        total', SUFFIX_TEXT), reuseCache: false });
      const promptIds = fim('def total(xs):\n    total = 0\n    for x in xs:\n        total +', SUFFIX_TEXT);
      const suffixTokens = model.tokenizer.encode(SUFFIX_TEXT).length + 1;
      const warm = await model.generate({ ...request, promptIds, shiftedReuse: true });
      assert.equal(warm.timings.shiftedTokens, suffixTokens);
      assert.ok(warm.timings.reusedTokens > suffixTokens + 10, `reused ${warm.timings.reusedTokens}`);
      const cold = await model.generate({ ...request, promptIds, reuseCache: false });
      assert.equal(cold.timings.shiftedTokens, undefined);
      assert.deepEqual(warm.tokenIds, cold.tokenIds);
    });

    it('is what slm.suffixReuse "shifted" asks of the FIM completer, and "exact" does not', async () => {
      const completer = new FimCompleter(model.engine, model.engine.role('completion')!);
      const complete = (prefix: string, suffixReuse: SuffixReuse) =>
        completer.complete({ input: { prefix, prefixStartLine: 0, suffix: SUFFIX_TEXT }, budget: { maxPromptTokens: 512, maxSuffixTokens: 128, maxContextTokens: 0 }, maxNewTokens: 4, suffixReuse }, () => undefined, new AbortController().signal);
      await complete('def total(xs):\n    t', 'exact');
      assert.ok(((await complete('def total(xs):\n    to', 'shifted')).timings.shiftedTokens ?? 0) > 16);
      assert.equal((await complete('def total(xs):\n    tot', 'exact')).timings.shiftedTokens, undefined);
    });

    it(`recomputes the moved suffix once ${MAX_MOVED_DRIFT} tokens changed in front of it, and never keeps moved positions when exactness is asked`, async () => {
      const request = { maxNewTokens: 4, ignoreEos: true };
      const line = '        total = total + x * x  # squares';
      const shifted: number[] = [];
      for (let i = 0; i <= line.length; i++) {
        const promptIds = fim(`def total(xs):\n    total = 0\n    for x in xs:\n${line.slice(0, i)}`, SUFFIX_TEXT);
        const r = await model.generate({ ...request, promptIds, shiftedReuse: i > 0 });
        if (i > 0) shifted.push(r.timings.shiftedTokens ?? 0);
      }
      const refreshes = shifted.filter((n) => n === 0).length;
      assert.ok(refreshes >= 1 && refreshes < shifted.length / 3, `suffix moved ${shifted.join(',')}`);
      // The last request moved the suffix; an exact one now must not keep it.
      const exact = await model.generate({ ...request, promptIds: fim(`def total(xs):\n    total = 0\n    for x in xs:\n${line}`, SUFFIX_TEXT) });
      assert.equal(exact.timings.shiftedTokens, undefined);
      assert.ok(exact.timings.reusedTokens < exact.timings.promptTokens - 10, `reused ${exact.timings.reusedTokens} of ${exact.timings.promptTokens}`);
    });
  });
});
