import { noSpmMessage, resolveFimOrder } from '../../prompt/fimTemplates';
import { Emitter } from '../../shared/emitter';
import type { FinishReason } from '../../shared/generation';
import type { ServerSettings } from '../../settings/serverSettings';
import type {
  BackendCapabilities,
  BackendResult,
  BackendRole,
  BackendState,
  ChatRequest,
  GenerationOptions,
  InferenceBackend,
  InfillRequest,
  RequestFigures,
  StreamOptions,
} from '../inferenceBackend';
import { connect, type Connection } from './connect';
import { openStream } from './httpStream';
import { OLLAMA } from './ollama';
import { chatCall, readChat } from './openai';
import { abortError, isAbort, ServerError } from './serverError';
import { streamedError, type ServerCall, type ServerTimings, type StreamPiece } from './serverProtocol';
import { readEvents } from './streamReader';
import { StreamedText } from './streamedText';

export interface ServerBackendOptions {
  settings(): ServerSettings;
  /** The API key set for this origin (SecretStorage in the extension, an environment variable in the CLI). */
  apiKey(origin: string): Promise<string | undefined>;
  log(level: 'info' | 'warn' | 'error', line: string): void;
  /** Pauses between attempts of one request; the number of entries is the number of retries. */
  retryDelaysMs?: { completion: number[]; chat: number[] };
  timeouts?: { firstByteMs: number; idleMs: number };
}

/**
 * Retries: a keystroke's request is stale within a second, so it gets two quick ones; a chat
 * answer the user waits for gets longer ones (a server loading its model answers 503 for a while).
 */
const RETRY_DELAYS_MS = { completion: [250, 1000], chat: [500, 2000, 8000] };
/** A server prefilling a long prompt on a slow machine takes seconds before its first byte. */
const TIMEOUTS = { firstByteMs: 30_000, idleMs: 15_000 };

/**
 * An inference server the user runs (llama-server, Ollama, vLLM, LM Studio...) as a backend. It
 * finds out what the server is once (connect), then streams every request: at most one completion
 * in flight (a newer one aborts the older, whose connection is closed, so the server stops its
 * task), failures typed and shown as the role's state, retried with backoff when worth it.
 * Prompt budgets are estimated from characters: the tokenizer is on the server.
 */
export class ServerBackend implements InferenceBackend {
  readonly capabilities: BackendCapabilities = { infill: true, chat: true, exactTokenBudgets: false, speculation: false };
  private readonly changed = new Emitter<void>();
  private connection: Promise<Connection> | undefined;
  private current: BackendState = { kind: 'starting', detail: 'connecting to the inference server' };
  private infillInFlight: AbortController | undefined;
  private readonly toldNoSpm = new WeakSet<Connection>();
  private readonly retryDelays: { completion: number[]; chat: number[] };
  private readonly timeouts: { firstByteMs: number; idleMs: number };

  constructor(private readonly options: ServerBackendOptions) {
    this.retryDelays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.timeouts = options.timeouts ?? TIMEOUTS;
  }

  /** The server is the same for both roles: one state. */
  state(_role: BackendRole): BackendState {
    return this.current;
  }

  onDidChangeState(listener: () => void) {
    return this.changed.event(listener);
  }

  /** The connection in use, once made (the CLI reports which protocol answered). */
  async connected(signal?: AbortSignal): Promise<Connection> {
    if (!this.connection) {
      const settings = this.options.settings();
      this.setState({ kind: 'starting', detail: `connecting to ${settings.url || 'the inference server (slm.server.url is empty)'}` });
      const attempt = connect(settings, this.options.apiKey, signal);
      this.connection = attempt;
      attempt.then(
        (c) => {
          this.options.log('info', `server: ${c.adapter.protocol} at ${c.endpoint.origin}, model ${c.modelName}, FIM prompt by ${c.fim}`);
          this.setState(readyState(c));
        },
        () => {
          // The caller reports the failure (failed()); the next request connects anew.
          if (this.connection === attempt) this.connection = undefined;
        },
      );
    }
    return this.connection;
  }

  async ready(_role: BackendRole, signal?: AbortSignal): Promise<boolean> {
    return this.connected(signal).then(
      () => true,
      (err) => {
        if (!isAbort(err)) this.failed(err);
        return false;
      },
    );
  }

  /** The settings changed: the next request connects anew. */
  reconfigure(): void {
    this.infillInFlight?.abort();
    this.connection = undefined;
    this.setState({ kind: 'starting', detail: 'connecting to the inference server' });
  }

  async infill(request: InfillRequest, options: StreamOptions = {}): Promise<BackendResult> {
    this.infillInFlight?.abort();
    const controller = new AbortController();
    this.infillInFlight = controller;
    const onAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) controller.abort();
    try {
      return await this.withRetries('completion', controller.signal, (c) => {
        if (request.fimOrder === 'spm') this.tellNoSpm(c);
        const started = performance.now();
        const call = c.adapter.infill(request, c.target);
        return { call, read: (e) => c.adapter.readInfill(e), promptMs: performance.now() - started };
      }, request, options.onText);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (this.infillInFlight === controller) this.infillInFlight = undefined;
    }
  }

  /** slm.fimOrder asks for SPM where this connection writes PSM: said once per connection. */
  private tellNoSpm(c: Connection): void {
    if (this.toldNoSpm.has(c)) return;
    this.toldNoSpm.add(c);
    const template = c.target.template;
    if (!template) this.options.log('warn', `server: slm.fimOrder is "spm", but ${c.fim} writes prefix-suffix-middle prompts: using that order.`);
    else if (resolveFimOrder(template, 'spm') !== 'spm') this.options.log('warn', `server: ${noSpmMessage(template)}`);
  }

  async chat(request: ChatRequest, options: StreamOptions = {}): Promise<BackendResult> {
    return this.withRetries('chat', options.signal, (c) => {
      if (c.adapter.protocol === 'ollama') return { call: OLLAMA.chat(request, c.target.model), read: OLLAMA.readChat, promptMs: 0 };
      return { call: chatCall(request, c.target.model), read: readChat, promptMs: 0 };
    }, request, options.onText);
  }

  /** Plain generation from a prompt sent as is (`slm generate --server`). */
  async generate(prompt: string, request: GenerationOptions, options: StreamOptions = {}): Promise<BackendResult> {
    return this.withRetries('chat', options.signal, (c) => ({ call: c.adapter.raw(prompt, request, c.target.model), read: (e) => c.adapter.readInfill(e), promptMs: 0 }), request, options.onText);
  }

  async dispose(): Promise<void> {
    this.infillInFlight?.abort();
  }

  private async withRetries(
    role: BackendRole,
    signal: AbortSignal | undefined,
    build: (c: Connection) => { call: ServerCall; read: (event: unknown) => StreamPiece; promptMs: number },
    request: GenerationOptions,
    onText: ((delta: string) => void) | undefined,
  ): Promise<BackendResult> {
    const delays = this.retryDelays[role];
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let streamed = false;
      try {
        const connection = await this.connected(signal);
        const { call, read, promptMs } = build(connection);
        const result = await this.stream(connection, call, read, request, signal, started, promptMs, (delta) => {
          streamed = true;
          onText?.(delta);
        });
        if (this.current.kind !== 'ready') this.setState(readyState(connection));
        return result;
      } catch (err) {
        if (isAbort(err) || signal?.aborted) return cancelled(started);
        // Text already passed on cannot be taken back: a retry would repeat it.
        const retry = err instanceof ServerError && err.retryable && !streamed && attempt < delays.length;
        if (!retry) {
          this.failed(err);
          throw err;
        }
        this.options.log('warn', `server: ${(err as Error).message}; retrying in ${delays[attempt]} ms`);
        if (err.code === 'unreachable') this.connection = undefined;
        if (!(await pause(delays[attempt], signal))) return cancelled(started);
      }
    }
  }

  private async stream(
    connection: Connection,
    call: ServerCall,
    read: (event: unknown) => StreamPiece,
    request: GenerationOptions,
    signal: AbortSignal | undefined,
    started: number,
    promptMs: number,
    onText: (delta: string) => void,
  ): Promise<BackendResult> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let overBudget = false;
    const budget = request.timeBudgetMs
      ? setTimeout(() => {
          overBudget = true;
          controller.abort();
        }, request.timeBudgetMs)
      : undefined;
    const text = new StreamedText(request.stopStrings, onText);
    let firstTokenAt: number | undefined;
    let finish: FinishReason | undefined;
    let timings: ServerTimings | undefined;
    const host = connection.endpoint.origin;
    try {
      const body = await openStream('POST', connection.endpoint.base + call.path, call.body, { signal: controller.signal, headers: connection.headers, firstByteTimeoutMs: this.timeouts.firstByteMs, idleTimeoutMs: this.timeouts.idleMs });
      for await (const event of readEvents(body, call.format, host)) {
        const error = streamedError(event);
        if (error) throw new ServerError('server-error', `${host}: ${error}`);
        const piece = read(event);
        if (piece.text && firstTokenAt === undefined) firstTokenAt = performance.now();
        if (piece.timings) timings = { ...timings, ...piece.timings };
        if (piece.finish) finish = piece.finish;
        // Leaving the loop closes the connection: the server stops generating what is no longer wanted.
        if (text.push(piece.text)) {
          finish = 'stop-string';
          break;
        }
        if (piece.done) break;
      }
    } catch (err) {
      if (!overBudget) throw err;
      finish = 'time-budget';
    } finally {
      clearTimeout(budget);
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw abortError();
    const done = performance.now();
    return { text: text.finish(), finishReason: finish ?? 'stop-token', figures: figures(timings, started, firstTokenAt, done, promptMs) };
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.options.log('error', `server: ${message}`);
    this.setState({ kind: 'error', message: `inference server: ${message}` });
    // A host down, a wrong key or model: find out again on the next request, in case the user fixed it.
    if (err instanceof ServerError && ['unreachable', 'unauthorized', 'not-found', 'unsupported'].includes(err.code)) this.connection = undefined;
  }

  private setState(state: BackendState): void {
    if (JSON.stringify(state) === JSON.stringify(this.current)) return;
    this.current = state;
    this.changed.fire();
  }
}

function readyState(c: Connection): BackendState {
  return { kind: 'ready', name: c.modelName, detail: `${c.adapter.protocol} server at ${c.endpoint.origin}; FIM prompt by ${c.fim}` };
}

/** The server's own figures where it gives them; the client's clock for the whole request and its first token. */
function figures(t: ServerTimings | undefined, started: number, firstTokenAt: number | undefined, done: number, promptMs: number): RequestFigures {
  const newTokens = t?.newTokens ?? 0;
  const decodeMs = t?.decodeMs;
  return {
    totalMs: done - started + promptMs,
    ...(firstTokenAt !== undefined ? { timeToFirstTokenMs: firstTokenAt - started + promptMs } : {}),
    promptTokens: t?.promptTokens ?? 0,
    reusedPromptTokens: t?.cachedTokens ?? 0,
    newTokens,
    tokensPerSecond: decodeMs && newTokens > 1 ? ((newTokens - 1) * 1000) / decodeMs : 0,
    promptMs,
    ...(t?.prefillMs !== undefined ? { prefillMs: t.prefillMs } : {}),
    ...(decodeMs !== undefined ? { decodeMs } : {}),
  };
}

function cancelled(started: number): BackendResult {
  return { text: '', finishReason: 'cancelled', figures: { totalMs: performance.now() - started, promptTokens: 0, reusedPromptTokens: 0, newTokens: 0, tokensPerSecond: 0 } };
}

/** Resolves true after `ms`, false if the signal aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
