import type { ChildProcess } from 'node:child_process';
import type { LoadParams, RequestMap, RequestType, WorkerMessage, WorkerPartial, WorkerRequest } from '../worker/protocol';
import { CallbackMap } from './callbackMap';
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
}

export interface RequestOptions {
  signal?: AbortSignal;
  onPartial?(partial: WorkerPartial): void;
}

interface LiveWorker {
  process: ChildProcess;
  ready: Promise<void>;
}

/**
 * The caller's side of the worker: starts it, sends requests keyed by sequence number, and
 * keeps the caller safe from it. When the worker crashes, hangs or runs out of memory, every
 * pending request is rejected with a WorkerError, the worker restarts with backoff, and the
 * last loaded model is loaded again, so the next request succeeds.
 */
export class WorkerClient {
  private readonly callbacks = new CallbackMap();
  private worker: LiveWorker | undefined;
  private nextId = 1;
  private crashesInARow = 0;
  private restartAt = 0;
  private lastHeard = 0;
  private lastLoad: LoadParams | undefined;
  private disposed = false;
  private everStarted = false;
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
    this.lastLoad = params;
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
    const id = this.nextId++;
    return new Promise<RequestMap[T]['result']>((resolve, reject) => {
      const onAbort = () => {
        if (this.callbacks.get(id) && this.worker === worker) {
          worker.process.send({ kind: 'request', id: this.nextId++, type: 'cancel', params: { target: id } } satisfies WorkerRequest);
        }
      };
      this.callbacks.add(id, {
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
    // A restarted worker gets the model back before anything else it is sent.
    const restart = this.everStarted;
    this.everStarted = true;
    if (restart && this.lastLoad) {
      const params = this.lastLoad;
      void ready.then(() => this.send(worker, 'load', params, {})).then(
        (info) => this.options.log?.('info', `reloaded ${info.name} after restart`),
        (err: WorkerError) => this.options.log?.('error', `reload after restart failed: ${err.message}`),
      );
    }
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
      // Restart at once in the background when a model was loaded, so the reload is under way.
      if (this.lastLoad) setTimeout(() => void this.ensureWorker().catch(() => undefined), delay).unref();
    }
    this.callbacks.rejectAll(error);
  }

  private checkAlive(): void {
    const worker = this.worker;
    if (!worker || this.callbacks.size === 0) return;
    // Loading a large graph may hold the worker's thread for a long time; not a hang.
    if (this.callbacks.has('load')) return;
    const silentFor = Date.now() - this.lastHeard;
    if (silentFor > (this.options.hangTimeoutMs ?? 15_000)) {
      worker.process.kill('SIGKILL');
      this.onExit(worker, null, 'SIGKILL', true);
      return;
    }
    if (!this.callbacks.has('ping')) void this.send(worker, 'ping', {}, {}).catch(() => undefined);
  }

  /**
   * Stops the worker on purpose (idle unload): it releases its model and exits, or is killed
   * after 3 s. The next request starts a fresh worker, which loads nothing until told to.
   */
  async stop(): Promise<void> {
    this.lastLoad = undefined;
    const worker = this.worker;
    if (!worker) return;
    this.stopping = worker;
    const exited = new Promise<void>((r) => worker.process.once('exit', () => r()));
    if (worker.process.connected) worker.process.send({ kind: 'request', id: this.nextId++, type: 'shutdown', params: {} } satisfies WorkerRequest);
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
