import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GenerateRequest, GenerateResult } from '../../src/engine/generate';
import { Sampler } from '../../src/engine/sampler';
import type { SlotModel } from '../../src/engine/decoderModel';
import { DraftModel, draftSkipReason, expectedTokens, PromptLookup, theoreticalSpeedup } from '../../src/engine/speculation';
import { ensureTestModel, type GraphStyle } from '../modelgen/testModels';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE } from '../support/tinyModels';

const PROMPT = 'for (let i = 0; i < items.length; i++) {\n  total += items[i].price * items[i].count;\n}\nfor (let i = 0; i < items.length; i++) {\n  total +=';
const GREEDY: GenerateRequest = { prompt: PROMPT, maxNewTokens: 40, ignoreEos: true, reuseCache: false };

async function load(style: GraphStyle, draft?: { size: 'tiny' | 'tiny-draft'; perturbation?: number }): Promise<LoadedEngine> {
  const modelDir = await ensureTestModel({ size: 'tiny', style, precision: 'fp32' });
  const draftModelDir = draft && (await ensureTestModel({ size: draft.size, style, precision: 'fp32', perturbation: draft.perturbation }));
  return loadEngine({ modelDir, draftModelDir, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
}

/** Greedy speculative decoding must give exactly the tokens of plain greedy decoding. */
describe('speculative decoding', function () {
  this.timeout(180_000);

  for (const style of ['standard', 'gqa'] as const) {
    describe(`${style} graph`, () => {
      let plain: GenerateResult;
      before(async () => {
        const model = await load(style);
        plain = await model.generate(GREEDY);
        await model.dispose();
      });

      const cases: [string, { size: 'tiny' | 'tiny-draft'; perturbation?: number } | undefined, GenerateRequest['speculation'], (r: GenerateResult) => void][] = [
        ['draft = target: every draft accepted', { size: 'tiny' }, { draftModel: true }, (r) => {
          assert.ok(r.speculation!.drafted > 0);
          assert.equal(r.speculation!.accepted, r.speculation!.drafted);
        }],
        ['a perturbed copy of the target: some drafts accepted', { size: 'tiny', perturbation: 0.05 }, { draftModel: true, fixedDraftTokens: 4 }, (r) => {
          assert.ok(r.speculation!.accepted > 0, JSON.stringify(r.speculation));
          assert.ok(r.speculation!.accepted < r.speculation!.drafted, JSON.stringify(r.speculation));
        }],
        ['an unrelated draft: (almost) nothing accepted', { size: 'tiny-draft' }, { draftModel: true, fixedDraftTokens: 4 }, (r) => {
          assert.ok(r.speculation!.verifications >= 8);
          assert.ok(r.speculation!.accepted <= r.speculation!.drafted / 4, JSON.stringify(r.speculation));
        }],
        ['an unrelated draft, adaptive: speculation switches itself off', { size: 'tiny-draft' }, { draftModel: true }, (r) => {
          assert.match(r.speculation!.off ?? '', /too low/);
        }],
        ['prompt lookup', undefined, { promptLookup: true }, (r) => {
          assert.ok(r.speculation!.drafted > 0, JSON.stringify(r.speculation));
        }],
        ['prompt lookup and a draft model together', { size: 'tiny', perturbation: 0.05 }, { promptLookup: true, draftModel: true }, (r) => {
          assert.ok(r.speculation!.verifications > 0);
        }],
      ];
      for (const [name, draft, speculation, check] of cases) {
        it(`${name}; output identical to plain greedy`, async () => {
          const model = await load(style, draft);
          try {
            const r = await model.generate({ ...GREEDY, speculation });
            assert.deepEqual(r.tokenIds, plain.tokenIds);
            check(r);
            // KV rollback left the cache exactly at the accepted tokens: a continuation reusing it
            // matches one computed from scratch.
            const ids = [...model.tokenizer.encode(PROMPT), ...r.tokenIds];
            const warm = await model.generate({ promptIds: ids, maxNewTokens: 4, ignoreEos: true });
            const cold = await model.generate({ promptIds: ids, maxNewTokens: 4, ignoreEos: true, reuseCache: false });
            assert.ok(warm.timings.reusedTokens > 0);
            assert.deepEqual(warm.tokenIds, cold.tokenIds);
          } finally {
            await model.dispose();
          }
        });
      }
    });
  }

  it('refuses a draft model with another vocabulary', async () => {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    const draftModelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-draft-'));
    fs.cpSync(await ensureTestModel({ size: 'tiny-draft', style: 'gqa', precision: 'q4' }), draftModelDir, { recursive: true });
    // One extra token is enough for the two tokenizers not to be the same vocabulary.
    const file = path.join(draftModelDir, 'tokenizer.json');
    const tokenizer = JSON.parse(fs.readFileSync(file, 'utf8'));
    tokenizer.added_tokens.push({ id: 151_900, content: '<|other_family|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    fs.writeFileSync(file, JSON.stringify(tokenizer));
    try {
      await assert.rejects(loadEngine({ modelDir, draftModelDir, device: 'cpu', cacheDir: ENGINE_CACHE }), /does not share the vocabulary/);
    } finally {
      fs.rmSync(draftModelDir, { recursive: true, force: true });
    }
  });

  it('loads a GPU-only draft beside a model on any GPU provider, not on the CPU', () => {
    for (const provider of ['cuda', 'dml', 'coreml', 'webgpu'] as const) assert.equal(draftSkipReason('gpu', provider), undefined, provider);
    assert.match(draftSkipReason('gpu', 'cpu') ?? '', /runs on the CPU/);
    assert.equal(draftSkipReason('always', 'cpu'), undefined);
    assert.equal(draftSkipReason(undefined, 'cpu'), undefined);
  });

  it('leaves a GPU-only draft model out on the CPU and says why', async () => {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    const draftModelDir = await ensureTestModel({ size: 'tiny-draft', style: 'gqa', precision: 'q4' });
    const onlyGpu = await loadEngine({ modelDir, draftModelDir, draftWhen: 'gpu', device: 'cpu', cacheDir: ENGINE_CACHE });
    const always = await loadEngine({ modelDir, draftModelDir, draftWhen: 'always', device: 'cpu', cacheDir: ENGINE_CACHE });
    try {
      assert.equal(onlyGpu.info.draft, undefined);
      assert.match(onlyGpu.info.draftSkipped ?? '', /runs on the CPU/);
      assert.equal(always.info.draft?.provider, 'cpu');
      assert.equal(always.info.draftSkipped, undefined);
      const request = { prompt: 'def add(a, b):\n    return', maxNewTokens: 8, speculation: { draftModel: true } };
      const plain = await onlyGpu.generate(request);
      assert.equal(plain.speculation?.drafted ?? 0, 0);
    } finally {
      await Promise.all([onlyGpu.dispose(), always.dispose()]);
    }
  });
});

describe('PromptLookup', () => {
  it('proposes what followed the last occurrence of the current n-gram', async () => {
    const lookup = new PromptLookup();
    assert.deepEqual(await lookup.propose([1, 2, 3, 4, 5, 9, 1, 2, 3], 3), [4, 5, 9]);
    assert.deepEqual(await lookup.propose([7, 8, 1, 2, 0, 7, 8], 2), [1, 2]);
    assert.deepEqual(await lookup.propose([1, 2, 3, 4], 3), []);
  });
});

describe('DraftModel', () => {
  /** A stand-in decoder that records what it is fed; its logits always favour token 7. */
  function recordingModel() {
    const fed: number[][] = [];
    const tokens: number[] = [];
    const cache = { tokens, moved: { from: Infinity, drift: 0 }, get length() { return tokens.length; }, truncate: (n: number) => void tokens.splice(n) };
    const logits = Float32Array.from({ length: 10 }, (_, i) => (i === 7 ? 1 : 0));
    const model = { cache, forward: async (ids: readonly number[]) => (fed.push([...ids]), tokens.push(...ids), logits) };
    return { fed, model: model as unknown as SlotModel };
  }

  it('catches up with the prompt in the prefill, so that proposing runs only the new token', async () => {
    const { fed, model } = recordingModel();
    const draft = new DraftModel(model);
    await draft.prefill([1, 2, 3, 4, 5], { reuse: true, shifted: false, chunk: 2, stopped: () => false });
    assert.deepEqual(fed, [[1, 2], [3, 4], [5]]);
    fed.length = 0;
    assert.deepEqual(await draft.propose([1, 2, 3, 4, 5, 6], 2), [7, 7]);
    assert.deepEqual(fed, [[6], [7]]);
    // After a rejection the cache rolls back to the shared prefix and feeds what differs.
    fed.length = 0;
    await draft.propose([1, 2, 3, 4, 5, 6, 9], 1);
    assert.deepEqual(fed, [[9]]);
  });

  it('stops prefilling when told to', async () => {
    const { fed, model } = recordingModel();
    await new DraftModel(model).prefill([1, 2, 3, 4, 5], { reuse: true, shifted: false, chunk: 2, stopped: () => fed.length >= 1 });
    assert.deepEqual(fed, [[1, 2]]);
  });
});

describe('speculation cost model', () => {
  it('gives the expected tokens per verification and the speedup', () => {
    assert.equal(expectedTokens(0, 4), 1);
    assert.equal(expectedTokens(1, 4), 5);
    assert.ok(Math.abs(expectedTokens(0.5, 2) - 1.75) < 1e-12);
    assert.ok(theoreticalSpeedup(0.9, 4, 0.1) > 2);
    assert.ok(theoreticalSpeedup(0.05, 4, 0.3) < 1);
  });
});

describe('Sampler.verify', () => {
  it('greedy: accepts the argmax, else replaces the draft with it', () => {
    const logits = Float32Array.from([0, 3, 1]);
    assert.deepEqual(new Sampler().verify(logits, 1), { accepted: true, token: 1 });
    assert.deepEqual(new Sampler().verify(logits, 2), { accepted: false, token: 1 });
  });

  it('sampling: the output follows the target distribution whatever the draft (chi-square)', () => {
    const logits = Float32Array.from([1.2, 0.3, -0.5, 2.0, 0.0, -1.0]);
    const p = new Sampler({ temperature: 0.8, topK: 0 }).distribution(logits);
    const expected = new Map(p);
    const n = 40_000;
    for (const draft of [3, 0, 5]) {
      const sampler = new Sampler({ temperature: 0.8, topK: 0, seed: 11 + draft });
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const { token } = sampler.verify(logits, draft);
        counts.set(token, (counts.get(token) ?? 0) + 1);
      }
      let chi2 = 0;
      for (const [id, prob] of expected) chi2 += ((counts.get(id) ?? 0) - n * prob) ** 2 / (n * prob);
      // 5 degrees of freedom: P(chi2 > 20.5) = 0.001.
      assert.ok(chi2 < 20.5, `draft ${draft}: chi2 ${chi2.toFixed(1)}`);
    }
  });
});

/**
 * Speculative sampling keeps the model's distribution, end to end: with top-k 4 the model samples
 * from a small vocabulary, so the joint distribution of the first two generated tokens can be
 * compared between plain and speculative sampling (draft: a perturbed copy) by a chi-square test.
 */
describe('speculative sampling on a generated model', function () {
  this.timeout(300_000);

  it('gives the same distribution over the first two tokens as plain sampling', async () => {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'fp32' });
    const draftModelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'fp32', perturbation: 0.05 });
    const model = await loadEngine({ modelDir, draftModelDir, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
    try {
      const promptIds = model.tokenizer.encode('const total = items.reduce((sum, item) =>');
      const runs = 1500;
      const histogram = async (speculation?: GenerateRequest['speculation']) => {
        const counts = new Map<string, number>();
        for (let seed = 0; seed < runs; seed++) {
          const r = await model.generate({ promptIds, maxNewTokens: 2, ignoreEos: true, sampling: { temperature: 1, topK: 4, seed: speculation ? 1e6 + seed : seed }, speculation });
          const key = r.tokenIds.join(',');
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        return counts;
      };
      const plain = await histogram();
      const speculative = await histogram({ draftModel: true, fixedDraftTokens: 2 });
      // Two-sample chi-square over the cells plain sampling saw at least 10 times (the rest pooled).
      const cells = [...plain.keys()].filter((k) => plain.get(k)! >= 10);
      const observed = (m: Map<string, number>) => [...cells.map((k) => m.get(k) ?? 0), runs - cells.reduce((n, k) => n + (m.get(k) ?? 0), 0)];
      const a = observed(plain);
      const b = observed(speculative);
      let chi2 = 0;
      for (let i = 0; i < a.length; i++) if (a[i] + b[i] > 0) chi2 += (a[i] - b[i]) ** 2 / (a[i] + b[i]);
      const dof = a.length - 1;
      // Wilson-Hilferty approximation of the chi-square 0.999 quantile.
      const limit = dof * (1 - 2 / (9 * dof) + 3.09 * Math.sqrt(2 / (9 * dof))) ** 3;
      assert.ok(dof >= 3, `only ${dof + 1} cells`);
      assert.ok(chi2 < limit, `chi2 ${chi2.toFixed(1)} over ${dof} degrees of freedom (limit ${limit.toFixed(1)})`);
    } finally {
      await model.dispose();
    }
  });
});
