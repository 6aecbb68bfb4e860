import * as assert from 'node:assert/strict';
import { openDecoder } from '../../src/engine/openDecoder';
import { openModelFolder } from '../../src/modelFormat/modelFolder';
import { EngineError } from '../../src/shared/errors';
import { FAMILIES } from '../modelgen/families';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE, familyModel, familyVariants } from '../support/tinyModels';

const PROMPT = 'def fibonacci(n):\n    if n < 2:\n        return n\n    return';

/**
 * 4-bit graphs run MatMulNBits at accuracy_level 4 (int8 activations per 32-block): a pass over
 * the whole sequence and a cached step round a few activations differently, which moves logits by
 * up to ~0.05 (modelgen.test.ts). Where the top two logits are closer than that, the two runs may
 * rightly pick different tokens; anything farther apart must agree.
 */
const Q4_TIE = 0.05;

function argmax(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

/** Every family's generated models through the engine: what the session says, and cached decoding. */
describe('engine: every model family', function () {
  this.timeout(180_000);

  for (const { family, variant, label } of familyVariants()) {
    describe(label, () => {
      let model: LoadedEngine;
      before(async () => (model = await loadEngine({ modelDir: await familyModel(family, variant), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE })));
      after(() => model?.dispose());

      it('loads with its model type, KV and logits types read from the session, and its eos ids', () => {
        const f = FAMILIES[family];
        assert.equal(model.info.modelType, f.config.model_type);
        assert.equal(model.info.kvDtype, f.io16 ? 'float16' : 'float32');
        assert.equal(model.info.precision, variant.precision === 'fp32' ? 'fp32' : f.q4Suffix === '_q4f16' ? 'q4f16' : 'q4');
        assert.equal(model.info.vocab, f.shape.vocab);
        assert.equal(model.info.layers, f.shape.layers);
        const eos = [f.config.eos_token_id, f.generationEos].flat();
        assert.deepEqual([...new Set(eos)].sort(), [...model.engine.role('completion')!.folder!.config.eosTokenIds].sort());
      });

      if (variant.precision !== 'fp32') {
        it('greedy decoding with the KV cache equals full recomputation for 32 tokens, but at near-ties', async () => {
          const folder = openModelFolder(await familyModel(family, variant));
          const { decoder } = await openDecoder(folder, { device: 'cpu', precision: 'auto', threads: 2, cacheDir: ENGINE_CACHE }, 'model');
          try {
            const prompt = model.tokenizer.encode(PROMPT);
            const cache = decoder.newCache();
            let logits = await decoder.forward(cache, prompt);
            const tokens: number[] = [];
            let ties = 0;
            for (let i = 0; i < 32; i++) {
              const token = argmax(logits);
              // The same position computed from scratch, with no cache.
              const full = await decoder.forward(decoder.newCache(), [...prompt, ...tokens]);
              const best = argmax(full);
              if (best !== token) {
                assert.ok(full[token] >= full[best] - Q4_TIE, `step ${i}: cached ${token} (${full[token]}), recomputed ${best} (${full[best]})`);
                ties++;
              }
              tokens.push(token);
              logits = await decoder.forward(cache, [token]);
            }
            assert.ok(ties <= 4, `${ties} near-ties in 32 steps`);
            assert.ok(new Set(tokens).size > 1, 'the model does not repeat one token');
          } finally {
            await decoder.dispose();
          }
        });
        return;
      }

      it('greedy decoding with the KV cache equals full recomputation for 32 tokens', async () => {
        const cached = await model.generate({ prompt: PROMPT, maxNewTokens: 32, ignoreEos: true, reuseCache: false });
        assert.equal(cached.tokenIds.length, 32);
        const promptIds = model.tokenizer.encode(PROMPT);
        const recomputed: number[] = [];
        for (let i = 0; i < 32; i++) {
          const step = await model.generate({ promptIds: [...promptIds, ...recomputed], maxNewTokens: 1, ignoreEos: true, reuseCache: false });
          recomputed.push(step.tokenIds[0]);
        }
        assert.deepEqual(cached.tokenIds, recomputed);
        assert.ok(new Set(cached.tokenIds).size > 1, 'the model does not repeat one token');
      });
    });
  }

  describe('context limits', () => {
    let model: LoadedEngine;
    before(async () => (model = await loadEngine({ modelDir: await familyModel('starcoder2', { style: 'standard', precision: 'q4' }), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE })));
    after(() => model?.dispose());

    it("StarCoder2's 4096-token window: the answer is cut to fit, a longer prompt refused", async () => {
      const ids = Array.from({ length: 4090 }, (_, i) => 100 + (i % 5000));
      const r = await model.generate({ promptIds: ids, maxNewTokens: 32, ignoreEos: true, reuseCache: false });
      assert.equal(r.tokenIds.length, 6);
      await assert.rejects(model.generate({ promptIds: [...ids, ...ids.slice(0, 6)], maxNewTokens: 4 }), (err: unknown) => {
        assert.ok(err instanceof EngineError && err.code === 'context-too-long', String(err));
        assert.match(err.message, /has 4096 tokens, but .* takes at most 4096 \(its attention window is 4096 tokens\)/);
        return true;
      });
    });
  });
});
