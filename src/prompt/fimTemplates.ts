/**
 * Fill-in-the-middle prompt formats, one entry per model family, as data. Each names the
 * control tokens the family was trained with (cited from its model card) and the tokens that
 * end an infill. The template is chosen from the tokenizer's vocabulary, since exports rename
 * `model_type` freely but keep their control tokens.
 */
export interface FimTemplate {
  id: 'qwen2.5-coder' | 'deepseek-coder' | 'starcoder2' | 'codegemma' | 'codellama';
  /** Where the format is documented. */
  source: string;
  /** The vocabulary must hold all of these for the template to apply. */
  detect: string[];
  prefix: string;
  suffix: string;
  middle: string;
  /** Text between the prefix token and the prefix itself (CodeLlama's " " convention). */
  afterPrefixToken?: string;
  afterSuffixToken?: string;
  /** Repo-level context: how other files are labelled before the current one. */
  repo?: {
    /** Opens the repository header, followed by its name and a newline. */
    repoName?: string;
    /** Precedes each file's path line. */
    fileSeparator: string;
  };
  /** Control tokens that end the infill (besides the model's end-of-sequence ids). */
  stopTokens: string[];
}

export const FIM_TEMPLATES: readonly FimTemplate[] = [
  {
    id: 'qwen2.5-coder',
    source: 'https://github.com/QwenLM/Qwen2.5-Coder#3-file-level-code-completion-fill-in-the-middle (and #4 repository-level)',
    detect: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|repo_name|>'],
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repo: { repoName: '<|repo_name|>', fileSeparator: '<|file_sep|>' },
    stopTokens: ['<|endoftext|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|im_end|>'],
  },
  {
    id: 'codegemma',
    source: 'https://ai.google.dev/gemma/docs/codegemma/prompt-structure',
    detect: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>'],
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repo: { fileSeparator: '<|file_separator|>' },
    stopTokens: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<eos>'],
  },
  {
    id: 'starcoder2',
    source: 'https://huggingface.co/bigcode/starcoder2-3b (tokenizer special tokens; repo format from the StarCoder2 paper, section 5)',
    detect: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    repo: { repoName: '<repo_name>', fileSeparator: '<file_sep>' },
    stopTokens: ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<repo_name>'],
  },
  {
    id: 'deepseek-coder',
    source: 'https://github.com/deepseek-ai/DeepSeek-Coder#2-code-insertion (full-width bars and ▁ are part of the tokens)',
    detect: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
    prefix: '<｜fim▁begin｜>',
    suffix: '<｜fim▁hole｜>',
    middle: '<｜fim▁end｜>',
    stopTokens: ['<｜end▁of▁sentence｜>', '<｜EOT｜>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
  },
  {
    id: 'codellama',
    source: 'https://github.com/meta-llama/codellama/blob/main/llama/generation.py (infilling_prompt_tokens: "▁<PRE>", " " + prefix, "▁<SUF>", suffix, "▁<MID>")',
    detect: ['▁<PRE>', '▁<SUF>', '▁<MID>'],
    prefix: '▁<PRE>',
    suffix: '▁<SUF>',
    middle: '▁<MID>',
    afterPrefixToken: ' ',
    stopTokens: ['▁<EOT>', '</s>'],
  },
];

export interface Vocabulary {
  tokenId(token: string): number | undefined;
}

/** The first template whose control tokens all exist in the vocabulary, or undefined (no FIM support). */
export function detectFimTemplate(vocabulary: Vocabulary): FimTemplate | undefined {
  return FIM_TEMPLATES.find((t) => t.detect.every((token) => vocabulary.tokenId(token) !== undefined));
}
