import type { CompleteResult, GenerateResult, LoadResult } from '../../worker/protocol';
import { WorkerClient, type WorkerClientOptions } from '../../workerClient/workerClient';
import type {
  BackendCapabilities,
  BackendResult,
  BackendRole,
  BackendState,
  ChatRequest,
  InferenceBackend,
  InfillRequest,
  RequestFigures,
  StreamOptions,
} from '../inferenceBackend';
import { ModelController, NO_MODEL_MESSAGE, type LoadPlan, type RoleState } from './modelController';

export interface LocalBackendOptions extends Pick<WorkerClientOptions, 'workerPath' | 'execArgv' | 'env' | 'heartbeatMs' | 'hangTimeoutMs' | 'restartDelayMs'> {
  log(level: 'info' | 'warn' | 'error', line: string): void;
  /** What the settings ask to load now (ModelSelection in the extension, fixed in the CLI); undefined: no model is installed. */
  plan(): LoadPlan | undefined;
}

/**
 * The inference worker as a backend: the worker process (WorkerClient), the one owner of its
 * models' state (ModelController), and the plan of what to load. The worker runs the model in
 * this machine's onnxruntime, so prompt budgets are exact.
 */
export class LocalBackend implements InferenceBackend {
  readonly client: WorkerClient;
  readonly models: ModelController;

  constructor(private readonly options: LocalBackendOptions) {
    this.client = new WorkerClient({ ...options, onCrash: (crash) => this.models.workerCrashed(crash) });
    this.models = new ModelController(this.client, options.log);
  }

  get capabilities(): BackendCapabilities {
    const completion = this.models.state('completion');
    const chat = this.models.state('chat');
    const canChat = chat.kind === 'ready' || (completion.kind === 'ready' && completion.model.canChat) || this.options.plan()?.chat !== undefined;
    return { infill: true, chat: canChat, exactTokenBudgets: true, speculation: true };
  }

  state(role: BackendRole): BackendState {
    return describe(this.models.state(role));
  }

  onDidChangeState(listener: () => void) {
    return this.models.onDidChange(listener);
  }

  /** Loads what the plan asks for; rejects with the reason (for the caller to show) when it cannot. */
  load(): Promise<LoadResult> {
    return this.models.ensure(this.options.plan());
  }

  async ready(role: BackendRole, signal?: AbortSignal): Promise<boolean> {
    this.models.touch();
    if (this.models.state(role).kind === 'ready' && role === 'completion') return true;
    // While typing, a failed load is reported once by whoever asked for it explicitly, not per keystroke.
    const plan = this.options.plan();
    const loaded = (role === 'completion' ? this.models.ensure(plan) : this.models.ensureChat(plan)).then(() => true, () => false);
    if (!signal) return loaded;
    if (signal.aborted) return false;
    return Promise.race([loaded, new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true }))]);
  }

  async infill(request: InfillRequest, options: StreamOptions = {}): Promise<BackendResult> {
    const result = await this.client.request('complete', request, { signal: options.signal, onPartial: options.onText && ((p) => options.onText!(p.text)) });
    return toBackendResult(result, result.prompt.buildMs, contextTokens(result));
  }

  async chat(request: ChatRequest, options: StreamOptions = {}): Promise<BackendResult> {
    await this.models.ensureChat(this.options.plan());
    const result = await this.client.request('chat', request, { signal: options.signal, onPartial: options.onText && ((p) => options.onText!(p.text)) });
    return toBackendResult(result, result.prompt.buildMs);
  }

  /** Frees the models' memory (before deleting their files, say); the next request loads them again. */
  unload(): Promise<void> {
    return this.models.unload();
  }

  setIdleUnload(minutes: number): void {
    this.models.setIdleUnload(minutes);
  }

  async dispose(): Promise<void> {
    this.models.dispose();
    await this.client.dispose();
  }
}

/** A role's state as the status bar shows it. */
export function describe(state: RoleState): BackendState {
  switch (state.kind) {
    case 'idle':
      return { kind: 'starting', detail: 'loading the model' };
    case 'none':
      return { kind: 'noModel', detail: NO_MODEL_MESSAGE };
    case 'loading':
      return { kind: 'starting', detail: state.restarting ? `restarting the inference worker, then loading model ${state.modelDir}` : `loading model ${state.modelDir}` };
    case 'unloaded':
      return { kind: 'unloaded', detail: `model unloaded after ${state.idleMinutes} idle minutes to free memory; it loads again on the next completion` };
    case 'error':
      return { kind: 'error', message: state.message };
    case 'ready': {
      const { model, note } = state;
      const skipped = model.skippedProviders.length ? `; not on ${model.skippedProviders.join('; ')}` : '';
      const draft = model.draft ? `; draft model ${model.draft.name} on ${model.draft.provider}` : model.draftSkipped ? `; no draft model: ${model.draftSkipped}` : '';
      return { kind: 'ready', name: model.name, detail: `${model.precision} on ${model.provider}${skipped}${draft}${note ? `; ${note}` : ''}` };
    }
  }
}

function toBackendResult(result: GenerateResult, promptMs: number, context?: number): BackendResult {
  const t = result.timings;
  const spec = result.speculation;
  const figures: RequestFigures = {
    totalMs: t.totalMs + promptMs,
    ...(t.firstTokenMs !== undefined ? { timeToFirstTokenMs: t.firstTokenMs + promptMs } : {}),
    promptTokens: t.promptTokens,
    reusedPromptTokens: t.reusedTokens,
    ...(t.shiftedTokens ? { movedPromptTokens: t.shiftedTokens } : {}),
    newTokens: t.newTokens,
    tokensPerSecond: t.decodeTokensPerSecond,
    promptMs,
    prefillMs: t.prefillMs,
    decodeMs: t.decodeMs,
    ...(context !== undefined ? { contextTokens: context } : {}),
    ...(spec ? { speculation: { drafted: spec.drafted, accepted: spec.accepted, ...(spec.off ? { off: spec.off } : {}) } } : {}),
  };
  return { text: result.text, finishReason: result.finishReason, figures };
}

function contextTokens(result: CompleteResult): number {
  return result.prompt.parts.filter((p) => p.kind === 'context').reduce((n, p) => n + p.tokens, 0);
}
