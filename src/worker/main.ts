/**
 * Entry point of the inference worker process. Owns the model and answers the requests of
 * protocol.ts; never imports vscode. If its parent goes away, it exits.
 */
import { EngineError, errorMessage } from '../engine/errors';
import { LoadedModel } from '../engine/loadModel';
import type { RequestMap, WireError, WorkerMessage, WorkerRequest, WorkerStats } from './protocol';

const startedAt = Date.now();
let model: LoadedModel | undefined;
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

type Handlers = { [T in keyof RequestMap]: (params: RequestMap[T]['params'], id: number) => Promise<RequestMap[T]['result']> };

const handlers: Handlers = {
  async load(params) {
    // Loads run one after another; the old model is released before the new one takes memory.
    const next = loading.then(async () => {
      const previous = model;
      model = undefined;
      await previous?.dispose();
      model = await LoadedModel.load(params);
      const info = model.info;
      for (const why of info.skippedProviders) log('warn', `skipped provider ${why}`);
      log('info', `loaded ${info.name} (${info.precision}, ${info.provider}, ${info.threads} threads) in ${info.loadMs.toFixed(0)} ms` +
        (info.graphChanges.length ? `; graph: ${info.graphChanges.join(', ')}` : ''));
      return info;
    });
    loading = next.catch(() => undefined);
    return next;
  },

  async generate(params, id) {
    await loading;
    if (!model) throw new EngineError('not-loaded', 'No model is loaded: send a load request first.');
    const controller = new AbortController();
    running.set(id, controller);
    try {
      generations++;
      return await model.generate(params, (text, tokenId) => send({ kind: 'partial', id, text, tokenId }), controller.signal);
    } finally {
      running.delete(id);
    }
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
      model: model?.info,
      generations,
    };
  },

  async ping() {
    return { pong: true };
  },

  async shutdown() {
    for (const controller of running.values()) controller.abort();
    await model?.dispose();
    model = undefined;
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
