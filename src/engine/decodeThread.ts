/**
 * Entry point of the decode thread (a worker_thread of the process that loads models): owns the
 * onnxruntime sessions of every open model, their KV slots, and the scheduler that runs the
 * token loops, in an isolate that holds nothing else. It must never import the tokenizer
 * (decodeProtocol.ts says why).
 */
import * as os from 'node:os';
import { parentPort } from 'node:worker_threads';
import { EngineError, toWireError } from '../shared/errors';
import type { ModelRole } from '../shared/generation';
import { KV_BUDGET_BYTES } from '../shared/memoryBudget';
import type { ModelFolder } from '../modelFormat/modelFolder';
import { decode } from './decodeLoop';
import type { DecodeEnd, DecodeRequest, FromDecodeThread, SessionInfo, SessionOptions, ToDecodeThread } from './decodeProtocol';
import { slotModel, type DecoderModel } from './decoderModel';
import { KvSlots } from './kvSlots';
import { estimateModelBytes, memoryShortfall } from './memory';
import { openDecoder } from './openDecoder';
import { DecodeScheduler, type Priority } from './scheduler';

const port = parentPort!;

/**
 * A completion prefills its prompt in one run per 512 tokens (cancellation is seen between
 * them). A chat answer, which a completion may interrupt, prefills in shorter runs, so that a
 * completion arriving meanwhile waits at most one short run (64 tokens: ~0.2 s on 2 cores).
 */
const PRIORITY: Record<ModelRole, { priority: Priority; prefillChunk: number }> = {
  completion: { priority: 0, prefillChunk: 512 },
  chat: { priority: 1, prefillChunk: 64 },
};

const models = new Map<string, { decoder: DecoderModel; info: SessionInfo }>();
const roles = new Map<ModelRole, { model: string; draft?: string }>();
const slots = new KvSlots(KV_BUDGET_BYTES);
const scheduler = new DecodeScheduler();

function post(message: FromDecodeThread): void {
  port.postMessage(message);
}

/** Opens model `key` (unless open already); a second model must fit beside the first. */
async function open(key: string, folder: ModelFolder, options: SessionOptions, as: 'model' | 'draft'): Promise<SessionInfo> {
  const known = models.get(key);
  if (known) return known.info;
  const others = [...models.values()].reduce((n, m) => n + m.info.bytes, 0);
  const opened = await openDecoder(folder, options, as, (graph) => {
    if (models.size === 0) return;
    const short = memoryShortfall(estimateModelBytes(graph.bytes, folder.config), others, options.memoryLimitBytes ?? os.freemem(), options.memoryLimitBytes !== undefined);
    if (short) throw new EngineError('out-of-memory', `${folder.name} does not fit beside the model already loaded: ${short}.`, folder.dir);
  });
  models.set(key, opened);
  return opened.info;
}

async function close(key: string): Promise<void> {
  const model = models.get(key);
  models.delete(key);
  slots.drop(`${key}\n`);
  await model?.decoder.dispose();
}

function bound(role: ModelRole) {
  const binding = roles.get(role);
  const model = binding && models.get(binding.model);
  if (!binding || !model) throw new EngineError('not-loaded', `No ${role} model is loaded in the decode thread.`);
  return { binding, model, draft: binding.draft ? models.get(binding.draft) : undefined };
}

/** Runs a generation on the role's model and slot, when the scheduler gives it turns. */
function run(id: number, role: ModelRole, request: DecodeRequest, stop: Int32Array): Promise<DecodeEnd> {
  const { priority, prefillChunk } = PRIORITY[role];
  const stopped = () => Atomics.load(stop, 0) !== 0;
  const deadline = request.budgetMs !== undefined ? performance.now() + request.budgetMs : Infinity;
  // The role is resolved when the generation starts: a load given before it may still be running.
  return scheduler.task(role, priority, () => stopped() || performance.now() > deadline, async (gate) => {
    const { binding, model, draft } = bound(role);
    const tokens = request.promptIds.length + request.maxNewTokens;
    const held: string[] = [];
    // The draft has a slot of its own even when it is the same model (a folder given as its own draft).
    const slotOf = (key: string, decoder: DecoderModel, as: 'model' | 'draft') => {
      const slot = `${key}\n${role}\n${as}`;
      held.push(slot);
      return slotModel(decoder, slots.acquire(slot, () => decoder.newCache(), decoder.kvBytesPerToken, tokens), gate);
    };
    try {
      const useDraft = request.speculation?.draftModel && draft && binding.draft;
      return await decode(
        { model: slotOf(binding.model, model.decoder, 'model'), ...(useDraft ? { draft: slotOf(binding.draft!, draft.decoder, 'draft') } : {}) },
        request,
        {
          prefilled: (reusedTokens, shiftedTokens, prefillMs) => post({ kind: 'prefilled', id, reusedTokens, shiftedTokens, prefillMs }),
          tokens: (ids, speculation) => post({ kind: 'tokens', id, ids, speculation }),
        },
        stopped,
        prefillChunk,
      );
    } finally {
      for (const slot of held) slots.release(slot);
    }
  });
}

function handle(message: ToDecodeThread): Promise<unknown> {
  switch (message.kind) {
    case 'open':
      return scheduler.fence(() => open(message.key, message.folder, message.options, message.as));
    case 'close':
      return scheduler.fence(() => close(message.key));
    case 'bind':
      return scheduler.fence(async () => void roles.set(message.role, { model: message.model, ...(message.draft ? { draft: message.draft } : {}) }));
    case 'unbind':
      return scheduler.fence(async () => void roles.delete(message.role));
    case 'decode':
      return run(message.id, message.role, message.request, message.stop);
    case 'dispose':
      return scheduler.fence(async () => {
        roles.clear();
        await Promise.all([...models.keys()].map(close));
      });
  }
}

port.on('message', (message: ToDecodeThread) => {
  let handled: Promise<unknown>;
  try {
    handled = handle(message);
  } catch (err) {
    handled = Promise.reject(err);
  }
  handled.then(
    (result) => post({ kind: 'result', id: message.id, result }),
    (err: unknown) => post({ kind: 'failed', id: message.id, error: toWireError(err, 'inference-failed') }),
  );
});
