/**
 * Entry point of the inference worker process. Owns the models of every role and answers the
 * requests of protocol.ts; never imports vscode. If its parent goes away, it exits. The models'
 * sessions and token loops run in a thread of their own (src/engine/decodeThread.ts); this
 * thread keeps the tokenizers and the prompts.
 */
import { EngineError, errorMessage, toWireError } from '../shared/errors';
import type { ModelRole } from '../shared/generation';
import { Engine, type RoleModel } from '../engine/engine';
import { ChatCompleter } from './chatCompleter';
import { FimCompleter } from './fimCompleter';
import type { LoadResult, RequestMap, WorkerMessage, WorkerRequest, WorkerStats } from './protocol';

const startedAt = Date.now();
let generations = 0;
const running = new Map<number, AbortController>();

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function log(level: 'info' | 'warn' | 'error', line: string): void {
  send({ kind: 'log', level, line });
}

// A dead decode thread leaves nothing to serve: exit, and the client's owner restarts the worker and reloads the models.
const engine = new Engine(
  (why) => {
    log('error', `worker: ${why}`);
    process.exit(70);
  },
  (line) => log('info', line),
);

type Served = { model: RoleModel; fim: FimCompleter; chat: ChatCompleter };

/** What each role's requests are served by; made anew when the role loads another model. */
const served = new Map<ModelRole, Served>();

function servedBy(role: ModelRole, model: RoleModel): Served {
  let entry = served.get(role);
  if (entry?.model.tokenizer !== model.tokenizer) served.set(role, (entry = { model, fim: new FimCompleter(engine, model, (line) => log('warn', line)), chat: new ChatCompleter(engine, model) }));
  return entry;
}

/** Runs `use` on what serves the role, after the role's loads given before this request (Engine.afterLoads: a switch in progress is waited for). */
function serving<T>(role: ModelRole, use: (entry: Served) => Promise<T>): Promise<T> {
  return engine.afterLoads(role, () => {
    const model = engine.role(role);
    if (!model) return Promise.reject(new EngineError('not-loaded', `No ${role} model is loaded: send a load request first.`));
    return use(servedBy(role, model));
  });
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
  async load(params): Promise<LoadResult> {
    const model = await engine.load(params);
    const { info } = model;
    // What this load made, even if a later load of the role has started meanwhile.
    const { fim, chat } = servedBy(params.role, model);
    for (const why of info.skippedProviders) log('warn', `skipped provider ${why}`);
    const shared = info.roles.length > 1 ? `; shared with ${info.roles.filter((r) => r !== params.role).join(', ')}` : '';
    log('info', `${params.role}: loaded ${info.name} (${info.precision}, ${info.provider}, ${info.threads} threads) in ${info.loadMs.toFixed(0)} ms${shared}` +
      (info.graphChanges.length ? `; graph: ${info.graphChanges.join(', ')}` : ''));
    return { ...info, role: params.role, fimTemplate: fim.template, canChat: chat.canChat };
  },

  async unload({ role }) {
    await engine.unload(role);
    served.delete(role);
    return { ok: true };
  },

  async generate(params, id) {
    const { role = 'completion', ...request } = params;
    return track(id, (signal) => engine.generate(role, request, streamTo(id), signal));
  },

  async complete(params, id) {
    return track(id, (signal) => serving('completion', ({ fim }) => fim.complete(params, streamTo(id), signal)));
  },

  async chat(params, id) {
    return track(id, (signal) => serving('chat', ({ chat }) => chat.chat(params, streamTo(id), signal)));
  },

  async prompt(params) {
    return serving('completion', async ({ fim }) => fim.prompt(params));
  },

  async chatPrompt(params) {
    return serving('chat', async ({ chat }) => chat.prompt(params));
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
      models: engine.models(),
      generations,
    };
  },

  async ping() {
    return { pong: true };
  },

  async shutdown() {
    for (const controller of running.values()) controller.abort();
    await engine.dispose();
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
    (err) => send({ kind: 'response', id: message.id, ok: false, error: toWireError(err, 'internal') }),
  );
});

// The caller died or closed the channel: nothing left to serve.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => {
  log('error', `worker crashed: ${err.stack ?? errorMessage(err)}`);
  process.exit(70);
});

send({ kind: 'ready', pid: process.pid });
