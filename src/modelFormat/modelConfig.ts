import { EngineError } from '../shared/errors';
import { readRotary, type Rotary } from './rotary';

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
  /** Most positions (prompt and answer) one sequence may take; see contextLimit. */
  contextLimit: number;
  /** Why the limit is below max_position_embeddings, for messages (e.g. StarCoder2's sliding window). */
  contextLimitReason?: string;
  /** How keys turn by position, to move cached keys (slm.suffixReuse "shifted"); absent: `rotaryUnsupported` says why. */
  rotary?: Rotary;
  rotaryUnsupported?: string;
}

/**
 * Decoder-only families whose onnx-community exports follow the contract in FACTS.md
 * (input_ids / attention_mask / past_key_values.N.key|value -> logits / present.N.*).
 */
const SUPPORTED_MODEL_TYPES = new Set([
  'qwen2', 'qwen3', 'llama', 'mistral', 'starcoder2', 'stablelm', 'gemma', 'gemma2', 'phi3', 'granite', 'deepseek_v2',
]);

/** When a config names no max_position_embeddings (none of the supported families omit it). */
const DEFAULT_CONTEXT = 4096;

/**
 * The positions one sequence may use, from the config, and why when it is not simply
 * max_position_embeddings:
 * - a sliding window (StarCoder2's 4096; Qwen2's only when use_sliding_window): past it the
 *   exported graphs, which attend to every cached position, would no longer match training;
 * - Phi-3's LongRoPE: onnxruntime-genai graphs switch every position to the long factors once the
 *   sequence passes original_max_position_embeddings (an If on the total length, 4096), which
 *   leaves the KV cache computed with the short factors stale. Re-prefilling the whole sequence
 *   at the switch would cost a prompt-length pass mid-answer; the engine caps the sequence there
 *   instead: 4096 covers every prompt the extension builds (slm.maxPromptTokens defaults to 1536).
 */
function contextLimit(c: Record<string, unknown>, modelType: string): { limit: number; reason?: string } {
  const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
  const max = positive(c.max_position_embeddings) ?? DEFAULT_CONTEXT;
  const window = positive(c.sliding_window);
  const windowed = modelType === 'starcoder2' || modelType === 'mistral' || c.use_sliding_window === true;
  if (windowed && window !== undefined && window < max) return { limit: window, reason: `its attention window is ${window} tokens` };
  const scaling = c.rope_scaling as { type?: unknown; rope_type?: unknown } | null | undefined;
  const longrope = scaling?.type === 'longrope' || scaling?.rope_type === 'longrope';
  const original = positive(c.original_max_position_embeddings);
  if (longrope && original !== undefined && original < max) return { limit: original, reason: `its rotary tables switch at ${original} tokens` };
  return { limit: max };
}

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
  const context = contextLimit(c, modelType);
  const headDim = num('head_dim', hiddenSize / numAttentionHeads);
  const rotary = readRotary(c, modelType, headDim);
  return {
    modelType,
    hiddenSize,
    numLayers: num('num_hidden_layers'),
    numAttentionHeads,
    numKeyValueHeads: num('num_key_value_heads', numAttentionHeads),
    headDim,
    vocabSize: num('vocab_size'),
    eosTokenIds,
    bosTokenId: typeof c.bos_token_id === 'number' ? c.bos_token_id : undefined,
    contextLimit: context.limit,
    ...(context.reason ? { contextLimitReason: context.reason } : {}),
    ...(typeof rotary === 'string' ? { rotaryUnsupported: rotary } : { rotary }),
  };
}
