/**
 * The models of one worker, on its main thread: which folder serves which role, their
 * tokenizers, and generation requests by role. The sessions, KV slots and token loop are in the
 * decode thread (decodeProtocol.ts says why apart); a folder that serves two roles is opened
 * there once and shared, each role with a KV slot of its own. GGUF models (a .gguf file, or a
 * folder holding one) run on llama.cpp instead, behind the same methods (gguf/ggufEngine.ts).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../shared/errors';
import type { ModelRole } from '../shared/generation';
import { SerialQueue } from '../shared/serialQueue';
import { openModelFolder, type ModelFolder } from '../modelFormat/modelFolder';
import type { SessionInfo, SessionOptions } from './decodeProtocol';
import { DecodeThreadClient } from './decodeThreadClient';
import { generate, type GenerateRequest, type GenerateResult } from './generate';
import { trimHeap } from './heapTrim';
import { findGgufFile } from '../modelFormat/ggufFile';
import { GgufEngine } from './gguf/ggufEngine';
import type { TokenListener } from './outputStream';
import type { LoadParams, ModelInfo, RoleModel } from './roleModel';
import { draftSkipReason } from './speculation';
import { TextTokenizer, VOCABULARY_PROBE } from './tokenizer';

export type { LoadParams, ModelInfo, RoleModel };

interface OpenModel {
  key: string;
  folder: ModelFolder;
  session: SessionInfo;
  tokenizer: TextTokenizer;
  loadMs: number;
  /** Roles using it, as their model or their draft. */
  users: Set<string>;
}

interface Binding {
  params: LoadParams;
  model: OpenModel;
  draft?: OpenModel;
  draftSkipped?: string;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'slm-complete');
}


export class Engine {
  private thread: DecodeThreadClient | undefined;
  /** GGUF models (llama.cpp), made on the first GGUF load. */
  private gguf: GgufEngine | undefined;
  private readonly open = new Map<string, OpenModel>();
  private readonly roles = new Map<ModelRole, Binding>();
  /** Loads and unloads, one at a time: each sees the models the one before left. */
  private readonly loads = new SerialQueue();
  /** Per role, the last load or unload given and not settled yet (afterLoads waits for it). */
  private readonly switching = new Map<ModelRole, Promise<unknown>>();

  /**
   * `onLost`: the decode thread died (a bug, not a user error); the engine answers nothing more.
   * `log`: what happened to the memory of released models.
   */
  constructor(
    private readonly onLost?: (why: string) => void,
    private readonly log?: (line: string) => void,
  ) {}

  /**
   * Loads `params.modelDir` for its role (and its draft), unless the role has it already. The
   * folder is checked before anything is released; the role's previous model is released
   * before the new one takes memory, unless another role still uses it.
   */
  load(params: LoadParams): Promise<RoleModel> {
    return this.switch(params.role, async () => {
      // The model's format picks the runtime; a role that changes format leaves the other one first.
      const ggufFile = findGgufFile(params.modelDir);
      if (!ggufFile) {
        await this.gguf?.unload(params.role);
        return this.loadNow(params);
      }
      await this.unloadOnnx(params.role);
      return (this.gguf ??= new GgufEngine()).load(params, ggufFile);
    });
  }

  /** Releases the role's model (unless another role uses it). */
  unload(role: ModelRole): Promise<void> {
    return this.switch(role, async () => {
      await this.gguf?.unload(role);
      await this.unloadOnnx(role);
    });
  }

  /**
   * Runs `use` once the loads and unloads of `role` given before it have settled: a role that
   * switches models has none for a while (the old one is freed before the new one takes memory),
   * and a request given after a load is meant for the model it loads. With nothing pending, `use`
   * runs at once, so a generation it starts reaches the decode thread before any later load
   * releases the model (the decode thread's unbind waits for the generations given before it).
   */
  afterLoads<T>(role: ModelRole, use: () => Promise<T>): Promise<T> {
    const pending = this.switching.get(role);
    if (!pending) return use();
    const next = () => this.afterLoads(role, use);
    return pending.then(next, next);
  }

  private switch<T>(role: ModelRole, task: () => Promise<T>): Promise<T> {
    const run = this.loads.run(task);
    this.switching.set(role, run);
    // Registered before any afterLoads callback, so those find the role settled (or a later switch).
    const settle = () => {
      if (this.switching.get(role) === run) this.switching.delete(role);
    };
    run.then(settle, settle);
    return run;
  }

  private async unloadOnnx(role: ModelRole): Promise<void> {
    if (!this.roles.has(role)) return;
    await this.thread!.unbind(role);
    await this.releaseRole(role);
  }

  role(role: ModelRole): RoleModel | undefined {
    const binding = this.roles.get(role);
    return binding ? this.describe(binding) : this.gguf?.role(role);
  }

  /** Every open model, once each. */
  models(): ModelInfo[] {
    return [...[...this.open.values()].map((m) => this.info(m)), ...(this.gguf?.models() ?? [])];
  }

  /**
   * Generates on the role's model and KV slot, after the role's loads given before it
   * (afterLoads); the decode thread schedules it among the other roles' generations.
   */
  generate(role: ModelRole, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    return this.afterLoads(role, () => this.generateNow(role, request, onToken, signal));
  }

  private generateNow(role: ModelRole, request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    if (this.gguf?.has(role)) return this.gguf.generate(role, request, onToken, signal);
    const binding = this.roles.get(role);
    if (!binding || !this.thread) return Promise.reject(new EngineError('not-loaded', `No ${role} model is loaded: send a load request first.`));
    const { config, name } = binding.model.folder;
    const context = { limit: config.contextLimit, ...(config.contextLimitReason ? { reason: config.contextLimitReason } : {}), model: name };
    const ctx = { thread: this.thread, role, tokenizer: binding.model.tokenizer, eosTokenIds: config.eosTokenIds, loadMs: binding.model.loadMs, context };
    return generate(ctx, request, onToken, signal).result;
  }

  async dispose(): Promise<void> {
    await this.loads.run(async () => {
      this.roles.clear();
      this.open.clear();
      await this.thread?.dispose();
      this.thread = undefined;
      await this.gguf?.dispose();
      this.gguf = undefined;
    });
  }

  private async loadNow(params: LoadParams): Promise<RoleModel> {
    const started = performance.now();
    const options: SessionOptions = {
      device: params.device ?? 'auto',
      precision: params.precision ?? 'auto',
      cacheDir: params.cacheDir ?? defaultCacheDir(),
      ...(params.threads !== undefined ? { threads: params.threads } : {}),
      ...(params.memoryLimitBytes !== undefined ? { memoryLimitBytes: params.memoryLimitBytes } : {}),
    };
    const current = this.roles.get(params.role);
    if (current && JSON.stringify(current.params) === JSON.stringify(params)) return this.describe(current);
    // Checked once, here, before anything is released: a bad folder leaves the working model in place.
    const folder = openModelFolder(params.modelDir);
    const draftFolder = params.draftModelDir ? openModelFolder(params.draftModelDir) : undefined;
    const thread = (this.thread ??= DecodeThreadClient.start(this.onLost));
    if (current) {
      await thread.unbind(params.role);
      await this.releaseRole(params.role, [modelKey(folder, options), ...(draftFolder ? [modelKey(draftFolder, options)] : [])]);
    }
    const model = await this.openModel(folder, options, 'model', started);
    const user = params.role;
    let draft: OpenModel | undefined;
    let draftSkipped: string | undefined;
    try {
      model.users.add(user);
      if (draftFolder) {
        draftSkipped = draftSkipReason(params.draftWhen, model.session.provider);
        if (!draftSkipped) {
          draft = await this.openModel(draftFolder, options, 'draft', performance.now());
          draft.users.add(draftUser(params.role));
          const mismatch = vocabularyMismatch(model, draft);
          if (mismatch) throw mismatch;
        }
      }
      await thread.bind(params.role, model.key, draft?.key);
    } catch (err) {
      model.users.delete(user);
      draft?.users.delete(draftUser(params.role));
      await this.closeUnused();
      throw err;
    }
    const binding: Binding = { params, model, ...(draft ? { draft } : {}), ...(draftSkipped ? { draftSkipped } : {}) };
    this.roles.set(params.role, binding);
    return this.describe(binding);
  }

  /** Opens a folder's sessions in the decode thread (unless open with the same options) and parses its tokenizer meanwhile. */
  private async openModel(folder: ModelFolder, options: SessionOptions, as: 'model' | 'draft', started: number): Promise<OpenModel> {
    const key = modelKey(folder, options);
    const known = this.open.get(key);
    if (known) return known;
    const thread = this.thread!;
    const session = thread.open(key, folder, options, as);
    let tokenizer: TextTokenizer;
    try {
      tokenizer = TextTokenizer.load(folder.tokenizerFile, folder.tokenizerConfigFile);
    } catch (err) {
      await session.then(() => thread.close(key), () => undefined);
      throw err;
    }
    const info = await session;
    if (tokenizer.maxTokenId >= info.vocab) {
      await thread.close(key);
      throw new EngineError(
        'vocab-mismatch',
        `${folder.tokenizerFile} has token ids up to ${tokenizer.maxTokenId}, but the model scores only ${info.vocab} tokens: ` +
          `the tokenizer belongs to another model. Use the tokenizer.json of the same export.`,
        folder.tokenizerFile,
      );
    }
    const model: OpenModel = { key, folder, session: info, tokenizer, loadMs: performance.now() - started, users: new Set() };
    this.open.set(key, model);
    return model;
  }

  /** Forgets the role's binding and closes the models nobody uses any more, except `keep` (about to be reused). */
  private async releaseRole(role: ModelRole, keep: string[] = []): Promise<void> {
    const binding = this.roles.get(role);
    this.roles.delete(role);
    binding?.model.users.delete(role);
    binding?.draft?.users.delete(draftUser(role));
    await this.closeUnused(keep);
  }

  private async closeUnused(keep: string[] = []): Promise<void> {
    const closed: string[] = [];
    for (const [key, model] of this.open) {
      if (model.users.size > 0 || keep.includes(key)) continue;
      this.open.delete(key);
      await this.thread!.close(key);
      closed.push(model.folder.name);
    }
    if (!closed.length) return;
    const trimmed = trimHeap();
    if (trimmed) this.log?.(`released ${closed.join(', ')}; ${trimmed}`);
  }

  private describe(binding: Binding): RoleModel {
    const { model, draft, draftSkipped } = binding;
    const info: ModelInfo = {
      ...this.info(model),
      ...(draft ? { draft: { name: draft.session.name, precision: draft.session.precision, provider: draft.session.provider } } : {}),
      ...(draftSkipped ? { draftSkipped } : {}),
    };
    return { info, folder: model.folder, tokenizer: model.tokenizer, contextLimit: model.folder.config.contextLimit };
  }

  private info(model: OpenModel): ModelInfo {
    const roles = [...this.roles].filter(([, b]) => b.model === model).map(([r]) => r);
    return { ...model.session, loadMs: model.loadMs, roles };
  }
}

/** How a role counts among a model's users when it drafts for the role's model. */
function draftUser(role: ModelRole): string {
  return `${role} draft`;
}

/** Models opened from the same folder with the same options are one model. */
function modelKey(folder: ModelFolder, options: SessionOptions): string {
  return JSON.stringify([folder.dir, options.device, options.precision, options.threads ?? 0]);
}

/** A draft model with another vocabulary than its model's. */
function vocabularyMismatch(model: OpenModel, draft: OpenModel): EngineError | undefined {
  const same = (t: TextTokenizer) => JSON.stringify([t.maxTokenId, t.encode(VOCABULARY_PROBE)]);
  if (draft.session.vocab === model.session.vocab && same(draft.tokenizer) === same(model.tokenizer)) return undefined;
  return new EngineError('vocab-mismatch', `The draft model ${draft.folder.dir} does not share the vocabulary of ${model.folder.dir}: speculative decoding needs the same tokenizer. Choose a smaller model of the same family.`, draft.folder.dir);
}
