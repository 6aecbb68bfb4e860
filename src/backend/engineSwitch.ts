import { Emitter } from '../shared/emitter';
import type { EngineChoice } from '../settings/serverSettings';
import type { BackendCapabilities, BackendResult, BackendRole, BackendState, ChatRequest, InferenceBackend, InfillRequest, StreamOptions } from './inferenceBackend';
import type { ServerBackend } from './server/serverBackend';
import { ServerError } from './server/serverError';

export interface EngineSwitchOptions {
  engine(): EngineChoice;
  fallbackToLocal(): boolean;
  log(level: 'info' | 'warn' | 'error', line: string): void;
}

/** Failed completions in a row before falling back to the local model (when allowed). */
const FAILURES_BEFORE_FALLBACK = 3;
/** While fallen back, the server is tried again this often. */
const RETRY_SERVER_MS = 60_000;

/**
 * The backend the editor talks to: the local worker or the inference server, as slm.engine says
 * now (switched without a reload), and the local model standing in while the server keeps failing
 * when slm.server.fallbackToLocal allows it (the status bar says so).
 */
export class EngineSwitch implements InferenceBackend {
  private readonly changed = new Emitter<void>();
  private failures = 0;
  private fallenBackAt: number | undefined;
  private lastFailure = '';
  private readonly subscriptions;

  constructor(
    private readonly local: InferenceBackend,
    private readonly server: ServerBackend,
    private readonly options: EngineSwitchOptions,
  ) {
    this.subscriptions = [local.onDidChangeState(() => this.changed.fire()), server.onDidChangeState(() => this.changed.fire())];
  }

  /** What answers now. */
  get active(): 'local' | 'server' {
    return this.options.engine() === 'server' && this.fallenBackAt === undefined ? 'server' : 'local';
  }

  private get backend(): InferenceBackend {
    return this.active === 'server' ? this.server : this.local;
  }

  get capabilities(): BackendCapabilities {
    return this.backend.capabilities;
  }

  state(role: BackendRole): BackendState {
    const state = this.backend.state(role);
    if (this.fallenBackAt === undefined || this.options.engine() !== 'server' || state.kind !== 'ready') return state;
    return { ...state, detail: `${state.detail}; standing in for the inference server, which failed: ${this.lastFailure}` };
  }

  onDidChangeState(listener: () => void) {
    return this.changed.event(listener);
  }

  ready(role: BackendRole, signal?: AbortSignal): Promise<boolean> {
    this.maybeRetryServer();
    return this.backend.ready(role, signal);
  }

  async infill(request: InfillRequest, options?: StreamOptions): Promise<BackendResult> {
    this.maybeRetryServer();
    if (this.active === 'local') return this.local.infill(request, options);
    try {
      const result = await this.server.infill(request, options);
      if (result.finishReason !== 'cancelled') this.failures = 0;
      return result;
    } catch (err) {
      if (!(err instanceof ServerError) || !this.noteFailure(err)) throw err;
      return (await this.local.ready('completion', options?.signal)) ? this.local.infill(request, options) : Promise.reject(err);
    }
  }

  async chat(request: ChatRequest, options?: StreamOptions): Promise<BackendResult> {
    this.maybeRetryServer();
    return this.backend.chat(request, options);
  }

  /** slm.engine or slm.server.* changed: start over with the server as configured now. */
  settingsChanged(): void {
    this.failures = 0;
    this.fallenBackAt = undefined;
    this.server.reconfigure();
    this.changed.fire();
  }

  async dispose(): Promise<void> {
    for (const s of this.subscriptions) s.dispose();
    await Promise.all([this.local.dispose(), this.server.dispose()]);
  }

  /** Counts a failure; true when it made the switch fall back to the local model. */
  private noteFailure(err: ServerError): boolean {
    this.failures++;
    this.lastFailure = err.message;
    if (!this.options.fallbackToLocal() || this.failures < FAILURES_BEFORE_FALLBACK) return false;
    this.fallenBackAt = Date.now();
    this.options.log('warn', `server failed ${this.failures} times in a row (${err.message}); completing with the local model, trying the server again in ${RETRY_SERVER_MS / 1000} s`);
    this.changed.fire();
    return true;
  }

  private maybeRetryServer(): void {
    if (this.fallenBackAt === undefined || Date.now() - this.fallenBackAt < RETRY_SERVER_MS) return;
    this.fallenBackAt = undefined;
    this.failures = FAILURES_BEFORE_FALLBACK - 1;
    this.options.log('info', 'trying the inference server again');
    this.changed.fire();
  }
}
