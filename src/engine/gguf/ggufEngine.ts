/**
 * GGUF models on llama.cpp (node-llama-cpp), in the worker's main thread, behind the same load /
 * generate surface as the ONNX engine: llama.cpp keeps weights and KV cells in native memory
 * and runs its steps on its own threads, so the decode thread's reason to exist (a small V8 heap
 * for onnxruntime's per-step buffers) does not apply. A model opened by two roles is loaded
 * once, with one context holding a sequence (its own KV cells) per role.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError, errorMessage } from '../../shared/errors';
import type { ModelRole } from '../../shared/generation';
import { SerialQueue } from '../../shared/serialQueue';
import type { Precision } from '../../modelFormat/precision';
import type { GenerateRequest, GenerateResult } from '../generate';
import type { TokenListener } from '../outputStream';
import type { LoadParams, ModelInfo, RoleModel } from '../roleModel';
import { defaultThreads, type DeviceChoice, type Provider } from '../session';
import { draftSkipReason } from '../speculation';
import { VOCABULARY_PROBE } from '../tokenizer';
import { findGgufFile } from '../../modelFormat/ggufFile';
import { loadLlamaCpp, startLlama, type Llama, type LlamaContext, type LlamaCppModule, type LlamaModel } from './llamaCpp';
import { LlamaTokenizer } from './llamaTokenizer';
import { createRequestPredictor } from './requestPredictor';
import { generateOnSequence, type GgufSlot } from './sequenceGenerate';

/**
 * KV cells per role: the completion prompt (1536 tokens by default, suffix included) and an
 * explain prompt (~1,300 tokens) with its answer fit; 4096 cells of a 1.5B Qwen cost 117 MB
 * of f16 KV, 12% of its Q4_0 file (the memory target is 1.25x the files).
 */
const CONTEXT_TOKENS = 4096;
/**
 * Tokens per prefill batch. llama.cpp reserves compute buffers for a whole batch's logits
 * (151,936 x batch x 4 bytes for Qwen: 311 MB at 512); 256 halves that (NOTES.md: prefill speed).
 */
const BATCH_TOKENS = 256;
/**
 * Whether llama.cpp maps the file instead of reading it. On a CPU it repacks the matrix weights
 * into its own buffers at load, and the mapped pages it read them from stay resident: reading
 * the file instead took the 0.5B Q4_0's peak RSS from 945 to 752 MB in the same load time
 * (test/bench/NOTES.md). A file larger than half the memory is still mapped, so the kernel can
 * page weights in and out rather than the load failing.
 */
export function mapsWeights(fileBytes: number, memoryBytes: number = os.totalmem()): boolean {
  return fileBytes > memoryBytes / 2;
}

/** llama.cpp's general.file_type -> the nearest precision name the rest of the extension knows. */
function precisionOf(fileType: number | undefined): Precision {
  if (fileType === 0) return 'fp32';
  if (fileType === 1 || fileType === 32) return 'fp16';
  // Q8_0, Q5_*, Q6_K: 5 to 8 bits a weight.
  if (fileType === 7 || fileType === 8 || fileType === 9 || fileType === 16 || fileType === 17 || fileType === 18) return 'q8';
  return 'q4';
}

interface OpenGguf {
  key: string;
  file: string;
  model: LlamaModel;
  tokenizer: LlamaTokenizer;
  info: Omit<ModelInfo, 'roles' | 'loadMs'>;
  loadMs: number;
  /** Roles using it, as their model or as a draft (`<role> draft`). */
  users: Set<string>;
  context?: LlamaContext;
}

interface Binding {
  params: LoadParams;
  model: OpenGguf;
  draft?: OpenGguf;
  draftSkipped?: string;
  slot?: GgufSlot;
  /** Generations on this role, one at a time (the next starts when the previous one has returned its tokens). */
  queue: SerialQueue;
}

export class GgufEngine {
  private llama: Promise<{ llamaCpp: LlamaCppModule; llama: Llama }> | undefined;
  private readonly open = new Map<string, OpenGguf>();
  private readonly roles = new Map<ModelRole, Binding>();

  has(role: ModelRole): boolean {
    return this.roles.has(role);
  }

  /** Loads `file` (and a GGUF draft) for the role; the caller runs loads one at a time. */
  async load(params: LoadParams, file: string): Promise<RoleModel> {
    const current = this.roles.get(params.role);
    if (current && JSON.stringify(current.params) === JSON.stringify(params)) return this.describe(current);
    const draftFile = params.draftModelDir ? findGgufFile(params.draftModelDir) : undefined;
    if (params.draftModelDir && !draftFile) {
      throw new EngineError('vocab-mismatch', `The draft model ${params.draftModelDir} is not a GGUF file, but ${file} is: a GGUF model drafts with a GGUF model of the same family.`, params.draftModelDir);
    }
    const started = performance.now();
    const { llamaCpp, llama } = await this.runtime(params.device ?? 'auto');
    if (current) await this.release(params.role);
    const model = await this.openModel(llama, file, params, started);
    const binding: Binding = { params, model, queue: new SerialQueue() };
    model.users.add(params.role);
    try {
      if (draftFile) {
        binding.draftSkipped = draftSkipReason(params.draftWhen, model.info.provider);
        if (!binding.draftSkipped) {
          binding.draft = await this.openModel(llama, draftFile, params, performance.now());
          binding.draft.users.add(`${params.role} draft`);
          if (binding.draft.info.vocab !== model.info.vocab || binding.draft.tokenizer.encode(VOCABULARY_PROBE).join() !== model.tokenizer.encode(VOCABULARY_PROBE).join()) {
            throw new EngineError('vocab-mismatch', `The draft model ${draftFile} does not share the vocabulary of ${file}: speculative decoding needs the same tokenizer. Choose a smaller model of the same family.`, draftFile);
          }
        }
      }
      this.roles.set(params.role, binding);
      await this.rewire(llamaCpp);
    } catch (err) {
      this.roles.delete(params.role);
      await this.release(params.role, binding);
      throw err;
    }
    return this.describe(binding);
  }

  async unload(role: ModelRole): Promise<void> {
    if (!this.roles.has(role)) return;
    await this.release(role);
    if (this.llama) await this.rewire((await this.llama).llamaCpp);
  }

  role(role: ModelRole): RoleModel | undefined {
    const binding = this.roles.get(role);
    return binding && this.describe(binding);
  }

  models(): ModelInfo[] {
    return [...this.open.values()].map((m) => this.info(m));
  }

  generate(role: ModelRole, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    const binding = this.roles.get(role);
    if (!binding?.slot) return Promise.reject(new EngineError('not-loaded', `No ${role} model is loaded: send a load request first.`));
    const slot = binding.slot;
    return binding.queue.run(() => generateOnSequence(slot, request, onToken, signal));
  }

  async dispose(): Promise<void> {
    for (const role of [...this.roles.keys()]) await this.release(role);
    const runtime = await this.llama?.catch(() => undefined);
    this.llama = undefined;
    await runtime?.llama.dispose();
  }

  /** node-llama-cpp and llama.cpp's best back end for the device (a CPU build when told 'cpu'). */
  private runtime(device: DeviceChoice): Promise<{ llamaCpp: LlamaCppModule; llama: Llama }> {
    return (this.llama ??= (async () => {
      const llamaCpp = await loadLlamaCpp();
      const gpu = device === 'cpu' ? false : device === 'cuda' ? 'cuda' : 'auto';
      try {
        return { llamaCpp, llama: await startLlama(llamaCpp, gpu) };
      } catch (err) {
        if (err instanceof EngineError) throw err;
        throw new EngineError('provider-unavailable', `llama.cpp could not start${gpu ? ` with GPU back end ${gpu}` : ''} (${errorMessage(err)}). Set slm.device to cpu, or reinstall the extension for your platform.`);
      }
    })().catch((err) => {
      this.llama = undefined;
      throw err;
    }));
  }

  private async openModel(llama: Llama, file: string, params: LoadParams, started: number): Promise<OpenGguf> {
    const threads = params.threads ?? defaultThreads();
    const key = JSON.stringify([file, params.device ?? 'auto', threads]);
    const known = this.open.get(key);
    if (known) return known;
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: file, gpuLayers: llama.gpu === false ? 0 : 'auto', useMmap: mapsWeights(fs.statSync(file).size) });
    } catch (err) {
      throw new EngineError('graph-invalid', `${file} could not be loaded by llama.cpp (${errorMessage(err)}). Re-download the GGUF file, or choose another model.`, file);
    }
    const meta = model.fileInfo.metadata;
    const vocab = Array.isArray(meta.tokenizer?.ggml?.tokens) ? meta.tokenizer.ggml.tokens.length : 0;
    const arch = meta.general?.architecture ?? 'unknown';
    const layers = Number((meta[arch] as { block_count?: number } | undefined)?.block_count ?? 0);
    const provider: Provider = llama.gpu === false || model.gpuLayers === 0 ? 'cpu' : llama.gpu;
    const open: OpenGguf = {
      key,
      file,
      model,
      tokenizer: new LlamaTokenizer(model, vocab),
      info: {
        name: meta.general?.name || path.basename(file, '.gguf'),
        dir: file,
        graphFile: file,
        precision: precisionOf(meta.general?.file_type),
        modelType: arch,
        provider,
        skippedProviders: [],
        threads,
        layers,
        vocab,
        kvDtype: 'float16',
        graphChanges: [],
        bytes: model.size,
        runtime: 'llama.cpp',
      },
      loadMs: performance.now() - started,
      users: new Set(),
    };
    this.open.set(key, open);
    return open;
  }

  /**
   * Gives every open model one context with a sequence per user, and every role its slot. A
   * context's sequence count is fixed when it is made, so a load or unload remakes them all
   * (their KV cells go: the next request of each role prefills once).
   */
  private async rewire(llamaCpp: LlamaCppModule): Promise<void> {
    for (const binding of this.roles.values()) binding.slot = undefined;
    for (const model of this.open.values()) {
      await model.context?.dispose();
      model.context = undefined;
    }
    const sequences = new Map<string, ReturnType<LlamaContext['getSequence']>>();
    const contexts: LlamaContext[] = [];
    for (const model of this.open.values()) {
      const users = [...model.users];
      try {
        model.context = await model.model.createContext({ contextSize: CONTEXT_TOKENS, batchSize: BATCH_TOKENS, threads: model.info.threads, sequences: users.length });
      } catch (err) {
        throw new EngineError('out-of-memory', `llama.cpp could not make a ${CONTEXT_TOKENS}-token context for ${model.file} (${errorMessage(err)}). Close other models or choose a smaller one.`, model.file);
      }
      contexts.push(model.context);
      // Drafts' sequences first: a role's predictor is made with its draft's sequence.
      for (const user of users.filter((u) => u.endsWith(' draft'))) sequences.set(`${model.key} ${user}`, model.context.getSequence());
    }
    for (const [role, binding] of this.roles) {
      const draftSequence = binding.draft && sequences.get(`${binding.draft.key} ${role} draft`);
      const predictor = createRequestPredictor(llamaCpp, draftSequence);
      const model = binding.model;
      binding.slot = {
        sequence: model.context!.getSequence({ tokenPredictor: predictor }),
        predictor,
        tokenizer: model.tokenizer,
        eosTokenIds: [model.model.tokens.eos, model.model.tokens.eot].filter((t): t is number => t !== null && t !== undefined),
        contextSize: CONTEXT_TOKENS,
        hasDraft: draftSequence !== undefined,
        priority: role === 'completion' ? 5 : 1,
        loadMs: model.loadMs,
      };
    }
  }

  /** Forgets the role and closes the models nobody uses any more. */
  private async release(role: ModelRole, binding = this.roles.get(role)): Promise<void> {
    this.roles.delete(role);
    binding?.model.users.delete(role);
    binding?.draft?.users.delete(`${role} draft`);
    await binding?.queue.idle();
    for (const [key, model] of this.open) {
      if (model.users.size > 0) continue;
      this.open.delete(key);
      await model.context?.dispose();
      await model.model.dispose();
    }
  }

  private describe(binding: Binding): RoleModel {
    const { model, draft, draftSkipped } = binding;
    const template = model.model.fileInfo.metadata.tokenizer?.chat_template;
    const text = (id: number | null) => (id === null ? undefined : model.tokenizer.decode([id]));
    return {
      info: {
        ...this.info(model),
        ...(draft ? { draft: { name: draft.info.name, precision: draft.info.precision, provider: draft.info.provider } } : {}),
        ...(draftSkipped ? { draftSkipped } : {}),
      },
      tokenizer: model.tokenizer,
      contextLimit: CONTEXT_TOKENS,
      ...(typeof template === 'string' && template.trim()
        ? { embeddedChatTemplate: { source: template, bosToken: text(bosOf(model)), eosToken: text(model.model.tokens.eos) } }
        : {}),
    };
  }

  private info(model: OpenGguf): ModelInfo {
    const roles = [...this.roles].filter(([, b]) => b.model === model).map(([r]) => r);
    return { ...model.info, loadMs: model.loadMs, roles };
  }
}

function bosOf(model: OpenGguf): number | null {
  const id = model.model.fileInfo.metadata.tokenizer?.ggml?.bos_token_id;
  return typeof id === 'number' ? id : null;
}
