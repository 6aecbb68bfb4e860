import * as assert from 'node:assert/strict';
import type { FimInput } from '../../src/prompt/fimPrompt';
import type { FimOrderSetting } from '../../src/prompt/fimTemplates';
import { FimCompleter } from '../../src/worker/fimCompleter';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE, familyModel } from '../support/tinyModels';

const BUDGET = { maxPromptTokens: 1024, maxSuffixTokens: 256, maxContextTokens: 0 };
const BODY = Array.from({ length: 40 }, (_, i) => `    v${i} = compute(${i}, weight=${i * 3})`).join('\n');
const SUFFIX = Array.from({ length: 12 }, (_, i) => `    check(v${i}, expected[${i}])`).join('\n') + '\n    return result\n\n\nprint(run())\n';

/** The document before and after one character typed at the cursor (the prefix grows at its end). */
const input = (typed: string): FimInput => ({ prefix: `def run():\n${BODY}\n    result = com${typed}`, prefixStartLine: 0, suffix: `\n${SUFFIX}`, filePath: 'src/run.py', repoName: 'demo' });

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
}

/** The worker's infill on a generated model: the FIM order on the real engine, its KV reuse, the fallback. */
describe('FimCompleter: the FIM order on a generated model', function () {
  this.timeout(180_000);

  describe('StarCoder2 (trained with SPM)', () => {
    let model: LoadedEngine;
    let fim: FimCompleter;
    const warnings: string[] = [];
    before(async () => {
      model = await loadEngine({ modelDir: await familyModel('starcoder2'), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
      fim = new FimCompleter(model.engine, model.engine.role('completion')!, (line) => warnings.push(line));
    });
    after(() => model?.dispose());

    /** A first request, then the same after one typed character: what the second reused of the first's KV. */
    async function keystroke(order: FimOrderSetting) {
      const request = (typed: string) => ({ input: input(typed), budget: BUDGET, fimOrder: order, maxNewTokens: 4, sampling: { temperature: 0 } });
      const first = await fim.complete(request(''), () => {}, new AbortController().signal);
      const second = await fim.complete(request('p'), () => {}, new AbortController().signal);
      const before = fim.prompt(request('')).ids;
      const after = fim.prompt(request('p')).ids;
      return { first, second, before, after, common: commonPrefix(before, after) };
    }

    it('in SPM order a keystroke at the cursor reuses all of the cached prompt but the edited word; in PSM it prefills the suffix again', async () => {
      const spm = await keystroke('spm');
      assert.equal(spm.second.prompt.order, 'spm');
      assert.equal(spm.second.timings.promptTokens, spm.after.length);
      // All that differs is the word the new character joined (BPE may merge it with the tokens before).
      assert.ok(spm.common >= spm.before.length - 4, `${spm.common} of ${spm.before.length} prompt tokens unchanged`);
      assert.ok(spm.second.timings.reusedTokens >= spm.common, `reused ${spm.second.timings.reusedTokens}, ${spm.common} unchanged`);
      assert.ok(spm.after.length - spm.second.timings.reusedTokens <= 4, `SPM prefilled ${spm.after.length - spm.second.timings.reusedTokens} tokens`);

      const psm = await keystroke('psm');
      assert.equal(psm.second.prompt.order, 'psm');
      const suffixTokens = psm.second.prompt.parts.find((p) => p.kind === 'suffix')!.tokens;
      assert.ok(suffixTokens > 100, `${suffixTokens} suffix tokens`);
      const prefilled = psm.after.length - psm.second.timings.reusedTokens;
      assert.ok(prefilled > suffixTokens, `PSM prefilled ${prefilled} tokens, the suffix's ${suffixTokens} among them`);
      assert.deepEqual(warnings, []);
    });

    it('lays out the SPM prompt with the prefix last, so the middle is generated right after it', () => {
      const prompt = fim.prompt({ input: input(''), budget: BUDGET, fimOrder: 'spm' });
      assert.ok(prompt.text.startsWith('<repo_name>demo\n<file_sep>src/run.py\n<fim_prefix><fim_suffix>\n    check(v0'), prompt.text.slice(0, 80));
      assert.ok(prompt.text.endsWith('\nprint(run())\n<fim_middle>def run():\n' + BODY + '\n    result = com'));
      assert.equal(fim.prompt({ input: input(''), budget: BUDGET }).order, 'psm', 'auto is PSM');
    });
  });

  describe('DeepSeek-Coder (PSM only)', () => {
    let model: LoadedEngine;
    it('asked for SPM, builds PSM and says so once', async () => {
      model = await loadEngine({ modelDir: await familyModel('deepseek-coder'), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
      const warnings: string[] = [];
      const fim = new FimCompleter(model.engine, model.engine.role('completion')!, (line) => warnings.push(line));
      const asked = fim.prompt({ input: input(''), budget: BUDGET, fimOrder: 'spm' });
      assert.equal(asked.order, 'psm');
      assert.deepEqual(asked.ids, fim.prompt({ input: input(''), budget: BUDGET, fimOrder: 'psm' }).ids);
      const result = await fim.complete({ input: input('p'), budget: BUDGET, fimOrder: 'spm', maxNewTokens: 2 }, () => {}, new AbortController().signal);
      assert.equal(result.prompt.order, 'psm');
      assert.deepEqual(warnings, ['slm.fimOrder is "spm", but DeepSeek-Coder is not documented to be trained with suffix-first prompts (only StarCoder2, CodeLlama are): using prefix-suffix-middle order.']);
    });
    after(() => model?.dispose());
  });
});
