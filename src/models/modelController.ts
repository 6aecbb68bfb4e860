import { errorMessage } from '../shared/errors';
import type { LoadParams, LoadResult } from '../worker/protocol';
import { openModelFolder } from '../modelFormat/modelFolder';
import type { WorkerClient } from '../workerClient/workerClient';

export type ModelState =
  | { kind: 'idle' }
  | { kind: 'unloaded'; idleMinutes: number }
  | { kind: 'loading'; modelDir: string }
  | { kind: 'ready'; model: LoadResult }
  | { kind: 'error'; message: string };

/**
 * Keeps the worker's model in line with the settings. A model that fails validation or load
 * never replaces a working one: the previous model is loaded back and the error is reported.
 */
export class ModelController {
  private wanted: LoadParams | undefined;
  private working: { params: LoadParams; model: LoadResult } | undefined;
  private pending: Promise<LoadResult> | undefined;
  private state: ModelState = { kind: 'idle' };
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMinutes = 0;

  constructor(private readonly client: WorkerClient, private readonly onState: (state: ModelState) => void) {}

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

  /** Frees the model's memory; the next ensure() loads it again. */
  async unload(): Promise<void> {
    if (this.state.kind !== 'ready' || this.pending) return;
    this.working = undefined;
    await this.client.stop();
    this.setState({ kind: 'unloaded', idleMinutes: this.idleMinutes });
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
  }

  get current(): ModelState {
    return this.state;
  }

  /** Loads `params` unless they are already loaded or loading. */
  ensure(params: LoadParams): Promise<LoadResult> {
    if (this.pending && sameParams(this.wanted, params)) return this.pending;
    if (this.state.kind === 'ready' && sameParams(this.working?.params, params)) return Promise.resolve(this.state.model);
    this.wanted = params;
    const load = this.load(params);
    this.pending = load;
    void load.finally(() => {
      if (this.pending === load) this.pending = undefined;
    }).catch(() => undefined);
    return load;
  }

  private async load(params: LoadParams): Promise<LoadResult> {
    this.setState({ kind: 'loading', modelDir: params.modelDir });
    let reachedWorker = false;
    try {
      // Cheap checks first, in this process: a bad folder never reaches the worker.
      openModelFolder(params.modelDir);
      reachedWorker = true;
      const model = await this.client.load(params);
      if (!model.fimTemplate) {
        throw new Error(`${model.name} has no fill-in-the-middle tokens this extension knows (Qwen2.5-Coder, DeepSeek-Coder, StarCoder2, CodeGemma, CodeLlama), so it cannot complete code. Choose a code completion model.`);
      }
      this.working = { params, model };
      this.setState({ kind: 'ready', model });
      return model;
    } catch (err) {
      const previous = this.working;
      if (previous && !sameParams(previous.params, params)) {
        // Back to the model that worked (the worker released it to try the new one); the caller reports the error.
        const restored = reachedWorker ? await this.client.load(previous.params).catch(() => undefined) : previous.model;
        if (restored) {
          this.wanted = previous.params;
          this.setState({ kind: 'ready', model: restored });
          throw err;
        }
      }
      this.working = undefined;
      this.setState({ kind: 'error', message: errorMessage(err) });
      throw err;
    }
  }

  private setState(state: ModelState): void {
    this.state = state;
    this.onState(state);
  }
}

function sameParams(a: LoadParams | undefined, b: LoadParams | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
