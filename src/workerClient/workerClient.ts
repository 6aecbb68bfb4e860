import type { ChildProcess } from 'node:child_process';
import { PendingRequests } from '../shared/pendingRequests';
import type { LoadParams, RequestMap, RequestType, WorkerMessage, WorkerPartial, WorkerRequest } from '../worker/protocol';
import { spawnWorker, type SpawnOptions } from './spawner';
import { WorkerError } from './workerError';

export interface WorkerClientOptions extends SpawnOptions {
  log?(level: 'info' | 'warn' | 'error', line: string): void;
  /** How often liveness is checked while requests are pending. */
  heartbeatMs?: number;
  /** Silence after which a worker with pending requests counts as hung and is killed. */
  hangTimeoutMs?: number;
  /** Restart delays double from the first to the last after each crash in a row. */
  restartDelayMs?: { first: number; max: number };
  /**
   * The worker crashed or hung: its models are gone, and the next request starts a fresh worker
   * after `restartInMs`. Whoever owns the models loads them again (the client loads nothing itself).
   */
  onCrash?(crash: { error: WorkerError; restartInMs: number }): void;
}

export interface RequestOptions {
  signal?: AbortSignal;
  onPartial?(partial: WorkerPartial): void;
}

interface LiveWorker {
  process: ChildProcess;
  ready: Promise<void>;
}

interface PendingRequest {
  type: RequestType;
  resolve(result: unknown): void;
  reject(error: WorkerError): void;
  onPartial?(partial: WorkerPartial): void;
}

/**
 * The caller's side of the worker: starts it, sends requests keyed by sequence number, and
 * keeps the caller safe from it. When the worker crashes, hangs or runs out of memory, every
 * pending request is rejected with a WorkerError, the next request starts a fresh worker after a
 * backoff, and onCrash tells the models' owner, which loads them again.
 */
export class WorkerClient {
  private readonly callbacks = new PendingRequests<PendingRequest, WorkerError>();
  private worker: LiveWorker | undefined;
  private crashesInARow = 0;
  private restartAt = 0;
  private lastHeard = 0;
  private disposed = false;
  /** A worker being stopped on purpose: its exit is no crash. */
  private stopping: LiveWorker | undefined;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: WorkerClientOptions) {
    this.heartbeat = setInterval(() => this.checkAlive(), options.heartbeatMs ?? 2000);
    this.heartbeat.unref();
  }

  /** The worker's process id, if one is running. */
  get pid(): number | undefined {
    return this.worker?.process.pid;
  }

  load(params: LoadParams): Promise<RequestMap['load']['result']> {
    return this.request('load', params);
  }

  generate(params: RequestMap['generate']['params'], options?: RequestOptions): Promise<RequestMap['generate']['result']> {
    return this.request('generate', params, options);
  }

  async request<T extends RequestType>(type: T, params: RequestMap[T]['params'], options: RequestOptions = {}): Promise<RequestMap[T]['result']> {
    if (this.disposed) throw new WorkerError('worker-exited', 'The inference worker client was disposed.');
    const worker = await this.ensureWorker();
    await worker.ready;
    return this.send(worker, type, params, options);
  }

  private send<T extends RequestType>(worker: LiveWorker, type: T, params: RequestMap[T]['params'], options: RequestOptions): Promise<RequestMap[T]['result']> {
    return new Promise<RequestMap[T]['result']>((resolve, reject) => {
      const onAbort = () => {
        if (this.callbacks.get(id) && this.worker === worker) {
          worker.process.send({ kind: 'request', id: this.callbacks.reserveId(), type: 'cancel', params: { target: id } } satisfies WorkerRequest);
        }
      };
      const id = this.callbacks.add({
        type,
        resolve: (result) => {
          options.signal?.removeEventListener('abort', onAbort);
          this.crashesInARow = 0;
          resolve(result as RequestMap[T]['result']);
        },
        reject: (error) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
        onPartial: options.onPartial,
      });
      worker.process.send({ kind: 'request', id, type, params } as WorkerRequest);
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private async ensureWorker(): Promise<LiveWorker> {
    if (this.worker) return this.worker;
    const wait = this.restartAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.worker) return this.worker;
    if (this.disposed) throw new WorkerError('worker-exited', 'The inference worker client was disposed.');
    return this.start();
  }

  private start(): LiveWorker {
    const child = spawnWorker({
      ...this.options,
      onStderr: (text) => this.options.log?.('info', `worker stderr: ${text.trimEnd()}`),
    });
    let markReady!: () => void;
    const ready = new Promise<void>((r) => (markReady = r));
    const worker: LiveWorker = { process: child, ready };
    this.worker = worker;
    this.lastHeard = Date.now();
    child.on('message', (message: WorkerMessage) => {
      this.lastHeard = Date.now();
      if (message.kind === 'ready') markReady();
      else this.onMessage(message);
    });
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    child.on('error', (err) => this.options.log?.('error', `worker process error: ${err.message}`));
    return worker;
  }

  private onMessage(message: Exclude<WorkerMessage, { kind: 'ready' }>): void {
    switch (message.kind) {
      case 'log':
        this.options.log?.(message.level, message.line);
        return;
      case 'partial':
        this.callbacks.get(message.id)?.onPartial?.(message);
        return;
      case 'response': {
        const pending = this.callbacks.take(message.id);
        if (!pending) return;
        if (message.ok) pending.resolve(message.result);
        else pending.reject(WorkerError.fromWire(message.error));
      }
    }
  }

  private onExit(worker: LiveWorker, code: number | null, signal: NodeJS.Signals | null, hung = false): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    if (this.stopping === worker) {
      this.callbacks.rejectAll(new WorkerError('worker-exited', 'The inference worker was stopped.'));
      return;
    }
    const how = hung ? 'stopped answering and was restarted' : `exited (${signal ?? `code ${code}`})`;
    const error = new WorkerError(hung ? 'worker-hung' : 'worker-exited', `The inference worker ${how}; the request was lost. Try again.`);
    if (!this.disposed) {
      this.crashesInARow++;
      const { first, max } = this.options.restartDelayMs ?? { first: 250, max: 30_000 };
      const delay = Math.min(max, first * 2 ** (this.crashesInARow - 1));
      this.restartAt = Date.now() + delay;
      this.options.log?.('error', `inference worker ${how}; restarting in ${delay} ms`);
      this.callbacks.rejectAll(error);
      this.options.onCrash?.({ error, restartInMs: delay });
      return;
    }
    this.callbacks.rejectAll(error);
  }

  private checkAlive(): void {
    const worker = this.worker;
    if (!worker || this.callbacks.size === 0) return;
    // Loading a large graph may hold the worker's thread for a long time; not a hang.
    if (this.callbacks.some((r) => r.type === 'load')) return;
    const silentFor = Date.now() - this.lastHeard;
    if (silentFor > (this.options.hangTimeoutMs ?? 15_000)) {
      worker.process.kill('SIGKILL');
      this.onExit(worker, null, 'SIGKILL', true);
      return;
    }
    if (!this.callbacks.some((r) => r.type === 'ping')) void this.send(worker, 'ping', {}, {}).catch(() => undefined);
  }

  /**
   * Stops the worker on purpose (idle unload): it releases its model and exits, or is killed
   * after 3 s. The next request starts a fresh worker, which loads nothing until told to.
   */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = worker;
    const exited = new Promise<void>((r) => worker.process.once('exit', () => r()));
    if (worker.process.connected) worker.process.send({ kind: 'request', id: this.callbacks.reserveId(), type: 'shutdown', params: {} } satisfies WorkerRequest);
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.heartbeat);
    await this.stop();
  }
}
