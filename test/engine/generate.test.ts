import * as assert from 'node:assert/strict';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE, tinyModel, VARIANTS } from '../support/tinyModels';

const PROMPT = 'def fibonacci(n):\n    if n < 2:\n        return n\n    return';

async function load(style: 'standard' | 'gqa', precision: 'fp32' | 'q4'): Promise<LoadedEngine> {
  return loadEngine({ modelDir: await tinyModel(style, precision), device: 'cpu', threads: 2, precision, cacheDir: ENGINE_CACHE });
}

describe('generation on generated models', function () {
  this.timeout(180_000);

  for (const { style, precision } of VARIANTS) {
    describe(`${style} graph, ${precision}`, () => {
      let model: LoadedEngine;
      before(async () => (model = await load(style, precision)));
      after(() => model?.dispose());

      it('greedy decoding with the KV cache equals full recomputation for 32 tokens', async () => {
        const cached = await model.generate({ prompt: PROMPT, maxNewTokens: 32, ignoreEos: true, reuseCache: false });
        assert.equal(cached.tokenIds.length, 32);
        const promptIds = model.tokenizer.encode(PROMPT);
        const recomputed: number[] = [];
        for (let i = 0; i < 32; i++) {
          // No reuse: every step prefills the whole sequence from scratch.
          const step = await model.generate({ promptIds: [...promptIds, ...recomputed], maxNewTokens: 1, ignoreEos: true, reuseCache: false });
          assert.equal(step.timings.reusedTokens, 0);
          recomputed.push(step.tokenIds[0]);
        }
        assert.deepEqual(cached.tokenIds, recomputed);
      });

      it('reuses the cached prefix of the previous request and still gives the same tokens', async () => {
        const promptIds = model.tokenizer.encode(PROMPT);
        await model.generate({ promptIds, maxNewTokens: 4, ignoreEos: true, reuseCache: false });
        const edited = [...promptIds.slice(0, -2), ...model.tokenizer.encode(' x + y')];
        const warm = await model.generate({ promptIds: edited, maxNewTokens: 8, ignoreEos: true });
        assert.equal(warm.timings.reusedTokens, promptIds.length - 2);
        const cold = await model.generate({ promptIds: edited, maxNewTokens: 8, ignoreEos: true, reuseCache: false });
        assert.deepEqual(warm.tokenIds, cold.tokenIds);
      });
    });
  }

  describe('stopping, budgets, sampling', () => {
    let model: LoadedEngine;
    before(async () => (model = await load('gqa', 'q4')));
    after(() => model?.dispose());

    it('stops at max new tokens and reports timings', async () => {
      const r = await model.generate({ prompt: PROMPT, maxNewTokens: 5, ignoreEos: true });
      assert.equal(r.finishReason, 'max-tokens');
      assert.equal(r.timings.newTokens, 5);
      assert.equal(r.timings.promptTokens, model.tokenizer.encode(PROMPT).length);
      assert.ok(r.timings.prefillMs > 0 && r.timings.decodeMs > 0 && r.timings.decodeTokensPerSecond > 0);
      assert.ok(r.timings.loadMs > 0);
    });

    it('stops at a stop string that spans two tokens and never streams any of it', async () => {
      const free = await model.generate({ prompt: PROMPT, maxNewTokens: 24, ignoreEos: true, reuseCache: false });
      const pieces = free.tokenIds.map((id) => model.tokenizer.decode([id]));
      // A boundary deep in the output with at least two characters on each side.
      const i = pieces.findIndex((p, k) => k >= 3 && p.length >= 2 && (pieces[k + 1] ?? '').length >= 2);
      assert.ok(i >= 0, `no usable token boundary in ${JSON.stringify(pieces)}`);
      const stop = pieces[i].slice(-2) + pieces[i + 1].slice(0, 2);
      const streamed: string[] = [];
      const r = await model.generate({ prompt: PROMPT, maxNewTokens: 24, ignoreEos: true, stopStrings: [stop], reuseCache: false }, (t) => streamed.push(t));
      assert.equal(r.finishReason, 'stop-string');
      assert.equal(r.text, free.text.slice(0, free.text.indexOf(stop)));
      assert.equal(streamed.join(''), r.text);
    });

    it('stops before a stop token id', async () => {
      const free = await model.generate({ prompt: PROMPT, maxNewTokens: 10, ignoreEos: true, reuseCache: false });
      const stopId = free.tokenIds[4];
      const r = await model.generate({ prompt: PROMPT, maxNewTokens: 10, stopTokenIds: [stopId], reuseCache: false });
      assert.equal(r.finishReason, 'stop-token');
      assert.deepEqual(r.tokenIds, free.tokenIds.slice(0, free.tokenIds.indexOf(stopId)));
    });

    it('stops when the time budget is spent', async () => {
      const r = await model.generate({ prompt: PROMPT, maxNewTokens: 100_000, ignoreEos: true, timeBudgetMs: 300 });
      assert.equal(r.finishReason, 'time-budget');
      assert.ok(r.tokenIds.length > 0);
      // One decode step of the tiny model is a few ms; allow generous scheduling noise.
      assert.ok(r.timings.totalMs < 300 + 250, `took ${r.timings.totalMs} ms`);
    });

    it('stops within one step of cancellation', async () => {
      const controller = new AbortController();
      let afterAbort = 0;
      const r = await model.generate({ prompt: PROMPT, maxNewTokens: 100_000, ignoreEos: true }, () => {
        if (controller.signal.aborted) afterAbort++;
        else setImmediate(() => controller.abort());
      }, controller.signal);
      assert.equal(r.finishReason, 'cancelled');
      assert.ok(afterAbort <= 1, `${afterAbort} tokens after cancellation`);
    });

    it('samples reproducibly with a seed', async () => {
      const sample = (seed: number) => model.generate({ prompt: PROMPT, maxNewTokens: 16, ignoreEos: true, sampling: { temperature: 1, topP: 0.95, seed } });
      const a = await sample(42);
      const b = await sample(42);
      const c = await sample(43);
      assert.deepEqual(a.tokenIds, b.tokenIds);
      assert.notDeepEqual(a.tokenIds, c.tokenIds);
    });

    it('rejects an empty prompt', async () => {
      await assert.rejects(model.generate({ prompt: '', maxNewTokens: 4 }), /empty/);
    });
  });
});
