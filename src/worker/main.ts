/**
 * Entry point of the inference worker process. Owns the model and answers the requests of
 * protocol.ts; never imports vscode. If its parent goes away, it exits. The model's sessions
 * and token loop run in a thread of their own (src/engine/decodeThread.ts); this thread keeps
 * the tokenizer and the prompts.
 */
import { EngineError, errorMessage } from '../shared/errors';
import { LoadedModel } from '../engine/loadModel';
import { FimCompleter } from './fimCompleter';
import type { RequestMap, WireError, WorkerMessage, WorkerRequest, WorkerStats } from './protocol';

const startedAt = Date.now();
/** The loaded model and its infill completer; replaced as a whole by each load. */
let current: { model: LoadedModel; completer: FimCompleter } | undefined;
let loading: Promise<unknown> = Promise.resolve();
let generations = 0;
const running = new Map<number, AbortController>();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function log(level: 'info' | 'warn' | 'error', line: string): void {
  send({ kind: 'log', level, line });
}

function toWire(err: unknown): WireError {
  if (err instanceof EngineError) return { code: err.code, message: err.message, file: err.file };
  if (err instanceof RangeError) return { code: 'bad-request', message: err.message };
  return { code: 'internal', message: errorMessage(err) };
}

async function loaded(): Promise<NonNullable<typeof current>> {
  await loading;
  if (!current) throw new EngineError('not-loaded', 'No model is loaded: send a load request first.');
  return current;
}

/** Runs a generation that `cancel` can stop. */
async function track<T>(id: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  running.set(id, controller);
  generations++;
  try {
    return await run(controller.signal);
  } finally {
    running.delete(id);
  }
}

function streamTo(id: number) {
  return (text: string, tokenId: number) => send({ kind: 'partial', id, text, tokenId });
}

type Handlers = { [T in keyof RequestMap]: (params: RequestMap[T]['params'], id: number) => Promise<RequestMap[T]['result']> };

const handlers: Handlers = {
  async load(params) {
    // Loads run one after another; the old model is released before the new one takes memory.
    const next = loading.then(async () => {
      const previous = current;
      current = undefined;
      await previous?.model.dispose();
      // A dead decode thread leaves nothing to serve: exit, and the client restarts the worker and reloads the model.
      const model = await LoadedModel.load(params, (why) => {
        log('error', `worker: ${why}`);
        process.exit(70);
      });
      const completer = new FimCompleter(model);
      current = { model, completer };
      const info = model.info;
      for (const why of info.skippedProviders) log('warn', `skipped provider ${why}`);
      log('info', `loaded ${info.name} (${info.precision}, ${info.provider}, ${info.threads} threads) in ${info.loadMs.toFixed(0)} ms` +
        (info.graphChanges.length ? `; graph: ${info.graphChanges.join(', ')}` : ''));
      return { ...info, fimTemplate: completer.template };
    });
    loading = next.catch(() => undefined);
    return next;
  },

  async generate(params, id) {
    const { model } = await loaded();
    return track(id, (signal) => model.generate(params, streamTo(id), signal));
  },

  async complete(params, id) {
    const { completer } = await loaded();
    return track(id, (signal) => completer.complete(params, streamTo(id), signal));
  },

  async prompt(params) {
    const { completer } = await loaded();
    return completer.prompt(params);
  },

  async cancel({ target }) {
    const controller = running.get(target);
    controller?.abort();
    return { cancelled: controller !== undefined };
  },

  async stats(): Promise<WorkerStats> {
    return {
      pid: process.pid,
      uptimeMs: Date.now() - startedAt,
      rssBytes: process.memoryUsage.rss(),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      model: current?.model.info,
      generations,
    };
  },

  async ping() {
    return { pong: true };
  },

  async shutdown() {
    for (const controller of running.values()) controller.abort();
    await current?.model.dispose();
    current = undefined;
    setImmediate(() => process.exit(0));
    return { ok: true };
  },
};

process.on('message', (message: WorkerRequest) => {
  const handler = handlers[message.type] as ((params: unknown, id: number) => Promise<unknown>) | undefined;
  if (!handler) {
    send({ kind: 'response', id: message.id, ok: false, error: { code: 'unknown-request', message: `Unknown request type ${String(message.type)}` } });
    return;
  }
  handler(message.params, message.id).then(
    (result) => send({ kind: 'response', id: message.id, ok: true, result }),
    (err) => send({ kind: 'response', id: message.id, ok: false, error: toWire(err) }),
  );
});

// The caller died or closed the channel: nothing left to serve.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => {
  log('error', `worker crashed: ${err.stack ?? err.message}`);
  process.exit(70);
});

send({ kind: 'ready', pid: process.pid });
