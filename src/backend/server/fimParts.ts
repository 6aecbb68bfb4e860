import type { FimInput } from '../../prompt/fimPrompt';
import type { FimLayoutPart } from '../../prompt/fimLayout';
import type { PromptBudget } from '../../prompt/promptBudget';
import { fitFimText } from '../../prompt/renderFimText';

/** The pieces of a FIM request for a server that writes the prompt itself (llama.cpp `/infill`, Ollama `suffix`). */
export interface FimParts {
  prefix: string;
  suffix: string;
  /** Other files' snippets that fit maxContextTokens, most stable first. */
  extra: { filename: string; text: string }[];
}

/**
 * The budget applied as for a raw prompt (estimated tokens; the same chunk and line rules as the
 * worker), with no control tokens: the server adds its own, always prefix first (llama.cpp's
 * `/infill` and Ollama's `.Suffix` templates write PSM), so slm.fimOrder does not apply here.
 */
export function fimParts(input: FimInput, budget: PromptBudget): FimParts {
  const snippets = input.snippets ?? [];
  const layout: FimLayoutPart[] = [
    ...snippets.map((s): FimLayoutPart => ({ role: 'snippet', text: s.text, fit: { rule: 'drop-whole', textChars: s.text.length } })),
    { role: 'prefix', text: input.prefix, fit: { rule: 'chunk-tail', startLine: input.prefixStartLine } },
    { role: 'suffix', text: input.suffix, fit: { rule: 'line-head' } },
  ];
  const texts = fitFimText(layout, budget);
  const extra = snippets.flatMap((s, i) => (texts[i] !== undefined ? [{ filename: s.path, text: s.text }] : []));
  return { prefix: texts[snippets.length] ?? '', suffix: texts[snippets.length + 1] ?? '', extra };
}
