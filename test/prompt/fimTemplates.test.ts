import * as assert from 'node:assert/strict';
import { FIM_TEMPLATES, noFimTokensMessage, noSpmMessage, resolveFimOrder } from '../../src/prompt/fimTemplates';

describe('FIM template token lists', () => {
  for (const t of FIM_TEMPLATES) {
    it(`${t.id}: every token the template uses is in its special-token list`, () => {
      const used = [t.prefix, t.suffix, t.middle, ...t.detect, ...t.stopTokens, ...(t.repo ? [t.repo.fileSeparator, t.repo.repoName ?? t.prefix] : [])];
      for (const token of used) assert.ok(t.specialTokens.includes(token), `${token} missing`);
      assert.equal(new Set(t.specialTokens).size, t.specialTokens.length, 'no duplicates');
    });
  }

  it('spells DeepSeek-Coder tokens with full-width bars and ▁, its instruct end of turn with ASCII bars', () => {
    const deepseek = FIM_TEMPLATES.find((t) => t.id === 'deepseek-coder')!;
    assert.ok(deepseek.specialTokens.includes('<\uFF5Cfim\u2581begin\uFF5C>'));
    assert.ok(deepseek.specialTokens.includes('<|EOT|>'));
  });

  it('offers SPM only for the families documented to be trained with it, each with its source', () => {
    assert.deepEqual(FIM_TEMPLATES.filter((t) => t.spm).map((t) => t.id), ['starcoder2', 'codellama']);
    for (const t of FIM_TEMPLATES.filter((x) => x.spm)) assert.match(t.spm!.source, /^https:\/\/github\.com\//);
  });

  it('resolves slm.fimOrder: auto and psm are PSM everywhere, spm only where the family has it', () => {
    for (const t of FIM_TEMPLATES) {
      assert.equal(resolveFimOrder(t, 'auto'), 'psm', t.id);
      assert.equal(resolveFimOrder(t), 'psm', t.id);
      assert.equal(resolveFimOrder(t, 'psm'), 'psm', t.id);
      assert.equal(resolveFimOrder(t, 'spm'), t.spm ? 'spm' : 'psm', t.id);
    }
  });

  it('says which families take SPM when one without it is asked for it', () => {
    assert.equal(
      noSpmMessage(FIM_TEMPLATES.find((t) => t.id === 'qwen2.5-coder')!),
      'slm.fimOrder is "spm", but Qwen2.5-Coder is not documented to be trained with suffix-first prompts (only StarCoder2, CodeLlama are): using prefix-suffix-middle order.',
    );
  });

  it('names every known family in the no-FIM message, in detection order', () => {
    assert.equal(
      noFimTokensMessage('tiny-llama'),
      'tiny-llama has no fill-in-the-middle tokens this extension knows (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, Stable Code, CodeGemma, CodeLlama). Choose a code completion model.',
    );
  });
});
