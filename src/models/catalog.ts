import type { Precision } from '../modelFormat/precision';
import type { ModelRole } from '../shared/generation';

/**
 * What a catalog model is fit for: `chat` needs a chat template (the Instruct builds have one, and
 * keep the fill-in-the-middle tokens too), `draft` a small model whose tokenizer larger ones share.
 */
export type CatalogRole = ModelRole | 'draft';

/** A model the extension knows how to download, size for the hardware, and pair with a draft. */
export interface CatalogModel {
  /** What `slm.model` and `slm.chatModel` may name instead of a folder, e.g. `qwen2.5-coder-1.5b`. */
  id: string;
  label: string;
  roles: readonly CatalogRole[];
  /** Hugging Face repository: in the onnx-community layout (FACTS.md), or of GGUF files with `format: 'gguf'`. */
  repo: string;
  /**
   * `gguf`: the repository publishes one `.gguf` file per quantization, run on llama.cpp
   * (src/engine/gguf/); the precisions name the GGUF types of the same weights: q4 = Q4_0,
   * q8 = Q8_0, fp16 = F16 (GGUF_TYPES in src/downloads/huggingFace.ts). Default: ONNX.
   */
  format?: 'gguf';
  /** Billions of parameters: orders the list and sizes the memory check. */
  billions: number;
  /** Download sizes as published, for the picker; the exact bytes come from the Hub's listing. */
  bytes: Partial<Record<Precision, number>>;
  /**
   * A smaller model with the same tokenizer, used for speculative decoding when it is installed.
   * `gpu`: only where the model runs on a GPU; on a laptop CPU the two models share the same cores
   * and the draft costs more than it saves (0.5B for 1.5B on 2 cores: ~0.75x, test/bench/NOTES.md).
   */
  draft?: { id: string; when: 'gpu' };
  note?: string;
  /** false: offered in the catalog and by id, never suggested for this hardware (the other families). */
  suggest?: false;
}

const GB = 1e9;
const MB = 1e6;

/** Published sizes from the repositories' file listings (onnx/model{suffix}.onnx + _data). */
export const CATALOG: readonly CatalogModel[] = [
  {
    id: 'qwen2.5-coder-0.5b',
    label: 'Qwen2.5-Coder 0.5B Instruct',
    roles: ['completion', 'chat', 'draft'],
    repo: 'onnx-community/Qwen2.5-Coder-0.5B-Instruct',
    billions: 0.5,
    bytes: { q4: 862 * MB, q4f16: 555 * MB, q8: 639 * MB, fp16: 1.26 * GB, fp32: 2.53 * GB },
    note: 'fastest; completes and chats, and drafts for the larger builds',
  },
  {
    // The id without `-base`: users have it in `slm.model` since the catalog began.
    id: 'qwen2.5-coder-1.5b',
    label: 'Qwen2.5-Coder 1.5B Base',
    roles: ['completion'],
    repo: 'onnx-community/Qwen2.5-Coder-1.5B',
    billions: 1.5,
    bytes: { q4: 1.79 * GB, q4f16: 1.22 * GB, q8: 1.58 * GB, fp16: 3.1 * GB, fp32: 6.21 * GB },
    draft: { id: 'qwen2.5-coder-0.5b', when: 'gpu' },
    note: 'base model trained for fill-in-the-middle; no chat template',
  },
  {
    id: 'qwen2.5-coder-1.5b-instruct',
    label: 'Qwen2.5-Coder 1.5B Instruct',
    roles: ['completion', 'chat'],
    repo: 'onnx-community/Qwen2.5-Coder-1.5B-Instruct',
    billions: 1.5,
    // Commit 09095b1. One output layer above the base build (fp32: 151936 x 1536 x 4 B = 0.93 GB): this export does not tie it to the embeddings.
    bytes: { q4: 1.92 * GB, q4f16: 1.34 * GB, q8: 1.8 * GB, fp16: 3.56 * GB, fp32: 7.13 * GB },
    draft: { id: 'qwen2.5-coder-0.5b', when: 'gpu' },
    note: 'completes and chats: one model for completions, Explain and Refactor',
  },
  {
    id: 'qwen2.5-coder-3b',
    label: 'Qwen2.5-Coder 3B Instruct',
    roles: ['completion', 'chat'],
    repo: 'onnx-community/Qwen2.5-Coder-3B-Instruct',
    billions: 3,
    bytes: { q4: 3.19 * GB, q8: 3.41 * GB, fp16: 6.8 * GB },
    draft: { id: 'qwen2.5-coder-0.5b', when: 'gpu' },
    note: 'best completions and answers; wants a GPU',
  },
  // The other families of MODEL-FAMILIES.md with published onnx-community-layout exports. Sizes are
  // estimated from the shapes (4-bit linears ~0.56 B a weight with their scales; the embedding fp32
  // in q4, fp16 in q4f16); the exact bytes come from the Hub's listing at download.
  {
    id: 'deepseek-coder-1.3b-instruct',
    label: 'DeepSeek-Coder 1.3B Instruct',
    roles: ['completion', 'chat'],
    repo: 'onnx-community/deepseek-coder-1.3b-instruct-ONNX',
    billions: 1.3,
    bytes: { q4: 0.95 * GB, q4f16: 0.8 * GB },
    note: 'fill-in-the-middle and chat; 16k context',
    suggest: false,
  },
  {
    id: 'llama-3.2-1b-instruct',
    label: 'Llama 3.2 1B Instruct',
    roles: ['chat'],
    repo: 'onnx-community/Llama-3.2-1B-Instruct',
    billions: 1.2,
    bytes: { q4: 1.75 * GB, q4f16: 1.05 * GB },
    note: 'chat only (no fill-in-the-middle tokens)',
    suggest: false,
  },
  {
    id: 'llama-3.2-3b-instruct',
    label: 'Llama 3.2 3B Instruct',
    roles: ['chat'],
    repo: 'onnx-community/Llama-3.2-3B-Instruct',
    billions: 3.2,
    bytes: { q4: 3.2 * GB, q4f16: 2.2 * GB },
    note: 'chat only; wants a GPU',
    suggest: false,
  },
  {
    id: 'smollm2-1.7b-instruct',
    label: 'SmolLM2 1.7B Instruct',
    roles: ['chat'],
    repo: 'HuggingFaceTB/SmolLM2-1.7B-Instruct',
    billions: 1.7,
    bytes: { q4: 1.3 * GB, q4f16: 1.1 * GB },
    note: 'chat only (no fill-in-the-middle tokens)',
    suggest: false,
  },
  {
    id: 'phi-3.5-mini-instruct',
    label: 'Phi-3.5-mini Instruct',
    roles: ['chat'],
    repo: 'onnx-community/Phi-3.5-mini-instruct-onnx-web',
    billions: 3.8,
    // The only graph published: q4f16 from onnxruntime-genai (fp16 activations: GPU only in practice).
    bytes: { q4f16: 2.3 * GB },
    note: 'chat only; q4f16 only, for a GPU; sequences capped at 4096 tokens',
    suggest: false,
  },
  // The same models as GGUF files, run on llama.cpp (users' own GGUF stacks, llama.vscode's
  // models). Not suggested: which engine is faster for a keystroke on an AVX2-only CPU is not
  // measured yet (test/bench/NOTES.md). Sizes estimated from the parameter counts at 4.5 (Q4_0),
  // 8.5 (Q8_0) and 16 (F16) bits a weight.
  {
    id: 'qwen2.5-coder-0.5b-gguf',
    label: 'Qwen2.5-Coder 0.5B Instruct (GGUF)',
    roles: ['completion', 'chat'],
    repo: 'Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF',
    format: 'gguf',
    billions: 0.5,
    bytes: { q4: 0.28 * GB, q8: 0.52 * GB, fp16: 0.99 * GB },
    note: 'runs on llama.cpp; completes and chats',
    suggest: false,
  },
  {
    id: 'qwen2.5-coder-1.5b-gguf',
    label: 'Qwen2.5-Coder 1.5B Base (GGUF)',
    roles: ['completion'],
    // llama.vscode's default completion model: the base build is published only in Q8_0.
    repo: 'ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF',
    format: 'gguf',
    billions: 1.5,
    bytes: { q8: 1.64 * GB },
    note: 'runs on llama.cpp; base model trained for fill-in-the-middle; no chat template',
    suggest: false,
  },
  {
    id: 'qwen2.5-coder-1.5b-instruct-gguf',
    label: 'Qwen2.5-Coder 1.5B Instruct (GGUF)',
    roles: ['completion', 'chat'],
    repo: 'Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF',
    format: 'gguf',
    billions: 1.5,
    bytes: { q4: 0.87 * GB, q8: 1.64 * GB, fp16: 3.09 * GB },
    note: 'runs on llama.cpp; completes and chats',
    suggest: false,
  },
  {
    id: 'qwen2.5-coder-3b-gguf',
    label: 'Qwen2.5-Coder 3B Instruct (GGUF)',
    roles: ['completion', 'chat'],
    repo: 'Qwen/Qwen2.5-Coder-3B-Instruct-GGUF',
    format: 'gguf',
    billions: 3,
    bytes: { q4: 1.74 * GB, q8: 3.28 * GB, fp16: 6.17 * GB },
    note: 'runs on llama.cpp; best completions and answers',
    suggest: false,
  },
];

export function catalogModel(id: string, catalog: readonly CatalogModel[] = CATALOG): CatalogModel | undefined {
  const wanted = id.trim().toLowerCase();
  return catalog.find((m) => m.id === wanted);
}

export function catalogModelOfRepo(repo: string, catalog: readonly CatalogModel[] = CATALOG): CatalogModel | undefined {
  return catalog.find((m) => m.repo.toLowerCase() === repo.toLowerCase());
}
