import type { FimTemplate } from '../../src/prompt/fimTemplates';
import type { PromptTokenizer } from '../../src/prompt/promptBuilder';

/**
 * A character-level tokenizer that knows one family's control tokens: enough to check each
 * template's layout without that family's real tokenizer.
 */
export function fakeTokenizer(template: FimTemplate): PromptTokenizer {
  const controls = [...new Set([template.prefix, template.suffix, template.middle, ...template.stopTokens, ...(template.repo ? [template.repo.fileSeparator, template.repo.repoName ?? ''] : [])])].filter(Boolean);
  const id = (t: string) => 100_000 + controls.indexOf(t);
  return {
    tokenId: (t) => (controls.includes(t) ? id(t) : undefined),
    encodePlain: (text) => [...text].map((c) => c.codePointAt(0)!),
    decode: (ids) => ids.map((i) => (i >= 100_000 ? controls[i - 100_000] : String.fromCodePoint(i))).join(''),
  };
}
