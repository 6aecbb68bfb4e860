import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DecodeEnd, DecodeRequest, FromDecodeThread, LoadedSessions, SessionLoadOptions, ToDecodeThread } from './decodeProtocol';
import { EngineError } from '../shared/errors';

type Event = Extract<FromDecodeThread, { kind: 'prefilled' | 'tokens' }>;
type Pending = { resolve(result: unknown): void; reject(err: Error): void; onEvent?(event: Event): void };
type Request = { [K in ToDecodeThread['kind']]: Omit<Extract<ToDecodeThread, { kind: K }>, 'id'> }[ToDecodeThread['kind']];

/**
 * The caller's side of the decode thread: starts it, matches answers to requests, and settles
 * every pending request when the thread dies.
 */
export class DecodeThreadClient {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: EngineError | undefined;
  private disposing = false;

  private constructor(
    private readonly worker: Worker,
    /** Called once if the thread dies while in use (not when disposed): the model is gone. */
    private readonly onLost?: (why: string) => void,
  ) {
    worker.on('message', (message: FromDecodeThread) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      if (message.kind === 'prefilled' || message.kind === 'tokens') return waiting.onEvent?.(message);
      this.settle(message.id);
      if (message.kind === 'result') waiting.resolve(message.result);
      else waiting.reject(new EngineError(message.error.code, message.error.message, message.error.file));
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

  load(options: SessionLoadOptions): Promise<LoadedSessions> {
    return this.request({ kind: 'load', options }) as Promise<LoadedSessions>;
  }

  decode(request: DecodeRequest, stop: Int32Array, onEvent: (event: Event) => void): Promise<DecodeEnd> {
    return this.request({ kind: 'decode', request, stop }, onEvent) as Promise<DecodeEnd>;
  }

  /** Releases the sessions and ends the thread. */
  async dispose(): Promise<void> {
    this.disposing = true;
    if (!this.dead) await this.request({ kind: 'dispose' });
    this.dead ??= new EngineError('not-loaded', 'The model was released.');
    await this.worker.terminate();
  }

  private request(message: Request, onEvent?: (event: Event) => void): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEvent });
      this.worker.ref();
      this.worker.postMessage({ ...message, id });
    });
  }

  private settle(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(why: string): void {
    if (!this.dead) {
      this.dead = new EngineError('inference-failed', `${why}; load the model again.`);
      if (!this.disposing) this.onLost?.(why);
    }
    for (const [id, waiting] of this.pending) {
      this.settle(id);
      waiting.reject(this.dead);
    }
  }
}
