import { EngineError } from '../shared/errors';

/** The parts of a Hugging Face `config.json` the engine relies on. */
export interface ModelConfig {
  modelType: string;
  hiddenSize: number;
  numLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** Explicit in some configs (Qwen3, Gemma); otherwise hidden_size / num_attention_heads. */
  headDim: number;
  vocabSize: number;
  eosTokenIds: number[];
  bosTokenId?: number;
}

/**
 * Decoder-only families whose onnx-community exports follow the contract in FACTS.md
 * (input_ids / attention_mask / past_key_values.N.key|value -> logits / present.N.*).
 */
const SUPPORTED_MODEL_TYPES = new Set([
  'qwen2', 'qwen3', 'llama', 'mistral', 'starcoder2', 'gemma', 'gemma2', 'phi3', 'granite', 'deepseek_v2',
]);

export function parseModelConfig(raw: unknown, file: string): ModelConfig {
  if (typeof raw !== 'object' || raw === null) {
    throw new EngineError('config-invalid', `${file} is not a JSON object. Re-download the model folder.`, file);
  }
  const c = raw as Record<string, unknown>;
  const modelType = typeof c.model_type === 'string' ? c.model_type : '';
  if (!SUPPORTED_MODEL_TYPES.has(modelType)) {
    throw new EngineError(
      'unsupported-architecture',
      `${file} declares model_type "${modelType || '(none)'}", which is not a supported decoder-only ` +
        `code model. Supported: ${[...SUPPORTED_MODEL_TYPES].join(', ')}.`,
      file,
    );
  }
  const num = (key: string, fallback?: number): number => {
    const v = c[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
    if (fallback !== undefined) return fallback;
    throw new EngineError('config-invalid', `${file} lacks a positive number "${key}". Re-download the model folder.`, file);
  };
  const hiddenSize = num('hidden_size');
  const numAttentionHeads = num('num_attention_heads');
  const eos = c.eos_token_id;
  const eosTokenIds = Array.isArray(eos) ? eos.filter((x): x is number => typeof x === 'number') : typeof eos === 'number' ? [eos] : [];
  return {
    modelType,
    hiddenSize,
    numLayers: num('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads: num('num_key_value_heads', numAttentionHeads),
    headDim: num('head_dim', hiddenSize / numAttentionHeads),
    vocabSize: num('vocab_size'),
    eosTokenIds,
    bosTokenId: typeof c.bos_token_id === 'number' ? c.bos_token_id : undefined,
  };
}
