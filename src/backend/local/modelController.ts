import { Emitter } from '../../shared/emitter';
import { EngineError, errorMessage } from '../../shared/errors';
import type { ModelRole } from '../../shared/generation';
import { SerialQueue } from '../../shared/serialQueue';
import type { LoadParams, LoadResult } from '../../worker/protocol';
import type { WorkerClient } from '../../workerClient/workerClient';
import type { WorkerError } from '../../workerClient/workerError';
import { noFimTokensMessage } from '../../prompt/fimTemplates';

/** The models the settings ask for: the completion model (with its draft) and, optionally, a chat model of its own. */
export interface LoadPlan {
  completion: LoadParams;
  /** Absent: chat answers come from the completion model, if it can chat. */
  chat?: LoadParams;
}

export type RoleState =
  | { kind: 'idle' }
  /** No model is installed yet (nothing in the plan). */
  | { kind: 'none' }
  | { kind: 'unloaded'; idleMinutes: number }
  | { kind: 'loading'; modelDir: string; restarting?: boolean }
  /** `note`: why the role runs on another model than the one asked for. */
  | { kind: 'ready'; model: LoadResult; note?: string }
  | { kind: 'error'; message: string };

type Log = (level: 'info' | 'warn' | 'error', line: string) => void;

/**
 * The one owner of "which model each role has and how it is doing" for the local worker. It
 * loads what the plan asks for, keeps a working completion model when a new one fails (loading
 * the previous one back), loads everything again after the worker crashed (the worker client
 * only reports crashes), and unloads after idle time. Everyone else reads `state()` and
 * subscribes to `onDidChange`.
 */
export class ModelController {
  private readonly states = new Map<ModelRole, RoleState>([
    ['completion', { kind: 'idle' }],
    ['chat', { kind: 'idle' }],
  ]);
  private readonly working = new Map<ModelRole, { params: LoadParams; model: LoadResult }>();
  private readonly pending = new Map<ModelRole, { params: LoadParams; load: Promise<LoadResult> }>();
  /**
   * Completion loads, one at a time: each starts from the model the one before left, so none can
   * finish after a later one, and a burst of settings changes loads the one in flight and then
   * the last plan only (the worker frees a role's model before loading the next).
   */
  private readonly completionLoads = new SerialQueue();
  private readonly changed = new Emitter<void>();
  private lastPlan: LoadPlan | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private crashTimer: NodeJS.Timeout | undefined;
  private idleMinutes = 0;

  readonly onDidChange = this.changed.event;

  constructor(private readonly client: WorkerClient, private readonly log: Log = () => undefined) {}

  state(role: ModelRole): RoleState {
    return this.states.get(role)!;
  }

  /** After this many minutes without a request the worker is stopped to free its memory; 0 = never. */
  setIdleUnload(minutes: number): void {
    this.idleMinutes = minutes;
    this.touch();
  }

  /** A request came: restart the idle countdown. */
  touch(): void {
    clearTimeout(this.idleTimer);
    if (this.idleMinutes <= 0) return;
    this.idleTimer = setTimeout(() => void this.unload(), this.idleMinutes * 60_000);
    this.idleTimer.unref();
  }

  /**
   * Frees the models' memory; the next ensure() loads them again. In turn with the loads: one
   * asked meanwhile waits for the fresh worker (what is sent to the exiting one is lost).
   */
  unload(): Promise<void> {
    return this.completionLoads.run(async () => {
      if (this.state('completion').kind !== 'ready' || this.pending.size > 0) return;
      this.working.clear();
      await this.client.stop();
      for (const role of this.states.keys()) this.setState(role, { kind: 'unloaded', idleMinutes: this.idleMinutes });
    });
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.crashTimer);
  }

  /**
   * Loads the plan's completion model (and draft) unless it is loaded or loading. No plan: there
   * is no model installed; the worker lets go of what it holds, and this rejects with 'no-model'.
   */
  ensure(plan: LoadPlan | undefined): Promise<LoadResult> {
    this.lastPlan = plan;
    const wanted = this.pending.get('completion');
    if (!plan) {
      // A load in flight or queued gives way (superseded), then the worker lets go of what it holds.
      this.pending.delete('completion');
      return this.queueNoModel();
    }
    const params = plan.completion;
    const completion = this.working.get('completion');
    if (wanted && same(wanted.params, params)) return wanted.load;
    if (this.state('completion').kind === 'ready' && completion && same(completion.params, params)) {
      // Changed back before a queued switch began: the switch is skipped.
      this.pending.delete('completion');
      return Promise.resolve(completion.model);
    }
    return this.track('completion', params, this.queueCompletion(params));
  }

  /**
   * Loads the chat role: the plan's chat model, or the completion model when there is none (or
   * when both do not fit in memory and the completion model can chat). Asked on each chat
   * request, so a chat model that did not fit is tried again then.
   */
  async ensureChat(plan: LoadPlan | undefined): Promise<LoadResult> {
    if (!plan) return this.ensure(undefined);
    const completion = await this.ensure(plan);
    const model = await this.chatFor(plan, completion);
    // The settings changed while it loaded: the chat role follows them, and the answer comes from what they ask for now.
    return sameJson(this.lastPlan, plan) ? model : this.ensureChat(this.lastPlan);
  }

  private chatFor(plan: LoadPlan, completion: LoadResult): Promise<LoadResult> {
    const params = plan.chat ?? completionAsChat(plan);
    const chat = this.working.get('chat');
    const wanted = this.pending.get('chat');
    if (wanted && same(wanted.params, params)) return wanted.load;
    if (this.state('chat').kind === 'ready' && chat && same(chat.params, params)) return Promise.resolve(chat.model);
    return this.track('chat', params, this.loadChat(params, plan, completion));
  }

  /** The worker died with its models: say so, and load them again once it restarts. */
  workerCrashed(crash: { error: WorkerError; restartInMs: number }): void {
    this.working.clear();
    // A load the crash cut short is superseded: it gives way to the reload below, not to the model that was there before it.
    this.pending.delete('completion');
    const plan = this.lastPlan;
    if (!plan) return;
    this.setState('completion', { kind: 'loading', modelDir: plan.completion.modelDir, restarting: true });
    this.setState('chat', { kind: 'idle' });
    clearTimeout(this.crashTimer);
    this.crashTimer = setTimeout(() => {
      // What the settings ask for when the worker is back, not at the crash.
      if (!this.lastPlan) return;
      this.ensure(this.lastPlan).then(
        (model) => this.log('info', `reloaded ${model.name} after restart`),
        (err) => this.log('error', `reload after restart failed: ${errorMessage(err)}`),
      );
    }, crash.restartInMs);
    this.crashTimer.unref();
  }

  private track(role: ModelRole, params: LoadParams, load: Promise<LoadResult>): Promise<LoadResult> {
    this.pending.set(role, { params, load });
    const settle = () => {
      if (this.pending.get(role)?.load === load) this.pending.delete(role);
    };
    load.then(settle, settle);
    return load;
  }

  /** Loads `params` after the load in flight; a plan replaced before its turn is skipped, and one replaced by the time it settles settles with the plan asked for last. */
  private queueCompletion(params: LoadParams): Promise<LoadResult> {
    const loaded = this.completionLoads.run(() => (this.superseded(params) ? undefined : this.loadCompletion(params)));
    const latest = () => this.ensure(this.lastPlan);
    return loaded.then(
      (model) => (model && !this.superseded(params) ? model : latest()),
      (err: unknown) => (this.superseded(params) ? latest() : Promise.reject(err)),
    );
  }

  /** In turn with the loads, so that none finishes after it: unless a plan came meanwhile, which then settles it. */
  private queueNoModel(): Promise<LoadResult> {
    return this.completionLoads.run(() => (this.lastPlan ? undefined : this.noModel())).then(() => this.ensure(this.lastPlan));
  }

  private superseded(params: LoadParams): boolean {
    return this.pending.get('completion')?.params !== params;
  }

  private async loadCompletion(params: LoadParams): Promise<LoadResult> {
    this.setState('completion', { kind: 'loading', modelDir: params.modelDir });
    const previous = this.working.get('completion');
    this.working.delete('completion');
    const chat = this.state('chat');
    if (previous && chat.kind === 'ready' && chat.model.dir === previous.model.dir) {
      // The chat role answers with the completion model: it lets go of the old one, so that its memory is freed, and follows the new one on its next request.
      await this.client.request('unload', { role: 'chat' }).catch(() => undefined);
      this.working.delete('chat');
      this.setState('chat', { kind: 'idle' });
    }
    try {
      const model = await this.client.load(params);
      if (!model.fimTemplate) {
        throw new Error(noFimTokensMessage(model.name, model.canChat));
      }
      this.working.set('completion', { params, model });
      // Replaced meanwhile: the role stays 'loading' for the next plan, which loads next.
      if (!this.superseded(params)) this.setState('completion', { kind: 'ready', model });
      return model;
    } catch (err) {
      if (this.superseded(params)) {
        // The next plan loads next; it falls back to the model that worked if it fails too.
        if (previous) this.working.set('completion', previous);
        throw err;
      }
      if (previous && !same(previous.params, params)) {
        // Back to the model that worked (a no-op in the worker when it was never released); the caller reports the error.
        const restored = await this.client.load(previous.params).catch(() => undefined);
        if (restored) {
          this.working.set('completion', { params: previous.params, model: restored });
          this.setState('completion', { kind: 'ready', model: restored });
          throw err;
        }
      }
      this.setState('completion', { kind: 'error', message: errorMessage(err) });
      throw err;
    }
  }

  private async loadChat(params: LoadParams, plan: LoadPlan, completion: LoadResult): Promise<LoadResult> {
    const own = plan.chat !== undefined;
    if (!own && !completion.canChat) return this.chatFailed(`${completion.name} has no chat template, so it cannot answer questions: set a chat model.`);
    this.setState('chat', { kind: 'loading', modelDir: params.modelDir });
    try {
      const model = await this.client.load(params);
      if (!model.canChat) {
        await this.client.request('unload', { role: 'chat' }).catch(() => undefined);
        return this.chatFailed(`${model.name} has no chat template, so it cannot answer questions: choose an instruct model for chat.`);
      }
      this.working.set('chat', { params, model });
      this.setState('chat', { kind: 'ready', model });
      return model;
    } catch (err) {
      const outOfMemory = (err as WorkerError).code === 'out-of-memory';
      if (!outOfMemory || !completion.canChat) return this.chatFailed(errorMessage(err));
      // Both do not fit: the completion model answers, and the chat model is tried again on the next request.
      const fallback = completionAsChat(plan);
      const model = await this.client.load(fallback);
      this.working.set('chat', { params: fallback, model });
      const note = `${errorMessage(err)} Chat answers come from ${model.name} until it fits.`;
      this.log('warn', `chat: ${note}`);
      this.setState('chat', { kind: 'ready', model, note });
      return model;
    }
  }

  private async noModel(): Promise<never> {
    if (this.state('completion').kind !== 'none') {
      this.working.clear();
      await this.client.stop();
      for (const role of this.states.keys()) this.setState(role, { kind: 'none' });
    }
    throw new EngineError('no-model', NO_MODEL_MESSAGE);
  }

  private chatFailed(message: string): never {
    this.setState('chat', { kind: 'error', message });
    throw new Error(message);
  }

  private setState(role: ModelRole, state: RoleState): void {
    this.states.set(role, state);
    this.changed.fire();
  }
}

export const NO_MODEL_MESSAGE = 'No model is installed yet: run Local Completion: Download Model… (it suggests one for this machine), or set slm.model to a model folder.';

/** The completion model loaded for the chat role too (one copy of its weights), without its draft. */
function completionAsChat(plan: LoadPlan): LoadParams {
  return { ...plan.completion, role: 'chat', draftModelDir: undefined, draftWhen: undefined };
}

function same(a: LoadParams | undefined, b: LoadParams | undefined): boolean {
  return sameJson(a, b);
}

function sameJson<T>(a: T | undefined, b: T | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
