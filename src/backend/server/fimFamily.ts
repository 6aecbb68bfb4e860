import { FIM_TEMPLATES, type FimTemplate } from '../../prompt/fimTemplates';

/**
 * The FIM template a model's name implies, for servers that take a raw prompt and do not say which
 * tokens their model has (an OpenAI-compatible /v1/models lists names only). Served names keep the
 * family in them: `Qwen/Qwen2.5-Coder-1.5B`, `qwen2.5-coder:1.5b-base`, `deepseek-coder-6.7b-base.Q4_K_M.gguf`.
 */
const BY_NAME: [RegExp, FimTemplate['id']][] = [
  [/qwen[\d.]*[-_ ]?coder/i, 'qwen2.5-coder'],
  [/deepseek[-_ ]?coder/i, 'deepseek-coder'],
  [/starcoder/i, 'starcoder2'],
  [/stable[-_ ]?code/i, 'stable-code'],
  [/codegemma/i, 'codegemma'],
  [/code[-_ ]?llama/i, 'codellama'],
];

export function templateForModelName(name: string): FimTemplate | undefined {
  const id = BY_NAME.find(([pattern]) => pattern.test(name))?.[1];
  return id && FIM_TEMPLATES.find((t) => t.id === id);
}

export function templateById(id: string): FimTemplate | undefined {
  return FIM_TEMPLATES.find((t) => t.id === id);
}
