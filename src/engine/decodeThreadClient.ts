import './telemetryOff';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EngineError, type EngineErrorCode } from '../shared/errors';
import type { ModelRole } from '../shared/generation';
import { PendingRequests } from '../shared/pendingRequests';
import type { ModelFolder } from '../modelFormat/modelFolder';
import type { DecodeEnd, DecodeRequest, FromDecodeThread, SessionInfo, SessionOptions, ToDecodeThread } from './decodeProtocol';

type Event = Extract<FromDecodeThread, { kind: 'prefilled' | 'tokens' }>;
type Pending = { resolve(result: unknown): void; reject(err: EngineError): void; onEvent?(event: Event): void };
type Request = { [K in ToDecodeThread['kind']]: Omit<Extract<ToDecodeThread, { kind: K }>, 'id'> }[ToDecodeThread['kind']];

/**
 * The caller's side of the decode thread: starts it, matches answers to requests, and settles
 * every pending request when the thread dies.
 */
export class DecodeThreadClient {
  private readonly pending = new PendingRequests<Pending, EngineError>();
  private dead: EngineError | undefined;
  private disposing = false;

  private constructor(
    private readonly worker: Worker,
    /** Called once if the thread dies while in use (not when disposed): every model is gone. */
    private readonly onLost?: (why: string) => void,
  ) {
    worker.on('message', (message: FromDecodeThread) => {
      if (message.kind === 'prefilled' || message.kind === 'tokens') return this.pending.get(message.id)?.onEvent?.(message);
      const waiting = this.pending.take(message.id);
      this.unrefWhenIdle();
      if (!waiting) return;
      if (message.kind === 'result') waiting.resolve(message.result);
      else waiting.reject(new EngineError(message.error.code as EngineErrorCode, message.error.message, message.error.file));
    });
    worker.on('error', (err) => this.fail(`The decode thread crashed: ${err.message}`));
    worker.on('exit', (code) => this.fail(`The decode thread exited (code ${code})`));
    // An idle thread must not keep its process alive; a busy one must.
    worker.unref();
  }

  static start(onLost?: (why: string) => void): DecodeThreadClient {
    // Bundled: dist/decodeThread.js beside this bundle (esbuild.mjs). From sources (tests,
    // benchmarks under tsx), worker_threads cannot load .ts files, so tsx is registered first.
    const source = __filename.endsWith('.ts');
    const entry = path.join(__dirname, source ? 'decodeThread.ts' : 'decodeThread.js');
    const worker = source
      ? new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(entry)});`, { eval: true })
      : new Worker(entry);
    return new DecodeThreadClient(worker, onLost);
  }

  open(key: string, folder: ModelFolder, options: SessionOptions, as: 'model' | 'draft'): Promise<SessionInfo> {
    return this.request({ kind: 'open', key, folder, options, as }) as Promise<SessionInfo>;
  }

  close(key: string): Promise<void> {
    return this.request({ kind: 'close', key }) as Promise<void>;
  }

  bind(role: ModelRole, model: string, draft?: string): Promise<void> {
    return this.request({ kind: 'bind', role, model, ...(draft ? { draft } : {}) }) as Promise<void>;
  }

  unbind(role: ModelRole): Promise<void> {
    return this.request({ kind: 'unbind', role }) as Promise<void>;
  }

  decode(role: ModelRole, request: DecodeRequest, stop: Int32Array, onEvent: (event: Event) => void): Promise<DecodeEnd> {
    return this.request({ kind: 'decode', role, request, stop }, onEvent) as Promise<DecodeEnd>;
  }

  /** Releases every session and ends the thread. */
  async dispose(): Promise<void> {
    this.disposing = true;
    if (!this.dead) await this.request({ kind: 'dispose' });
    this.dead ??= new EngineError('not-loaded', 'The model was released.');
    await this.worker.terminate();
  }

  private request(message: Request, onEvent?: (event: Event) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      const id = this.pending.add({ resolve, reject, onEvent });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  private unrefWhenIdle(): void {
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(why: string): void {
    if (!this.dead) {
      this.dead = new EngineError('inference-failed', `${why}; load the model again.`);
      if (!this.disposing) this.onLost?.(why);
    }
    this.pending.rejectAll(this.dead);
    this.unrefWhenIdle();
  }
}
