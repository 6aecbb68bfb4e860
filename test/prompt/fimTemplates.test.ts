import * as assert from 'node:assert/strict';
import { FIM_TEMPLATES, noFimTokensMessage } from '../../src/prompt/fimTemplates';

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

  it('names every known family in the no-FIM message, in detection order', () => {
    assert.equal(
      noFimTokensMessage('tiny-llama'),
      'tiny-llama has no fill-in-the-middle tokens this extension knows (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, Stable Code, CodeGemma, CodeLlama). Choose a code completion model.',
    );
  });
});
