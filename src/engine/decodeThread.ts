/**
 * Entry point of the decode thread (a worker_thread of the process that loads models): owns the
 * onnxruntime sessions of every open model, their KV slots, and the scheduler that runs the
 * token loops, in an isolate that holds nothing else. It must never import the tokenizer
 * (decodeProtocol.ts says why).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { EngineError, errorMessage, toWireError } from '../shared/errors';
import { KV_BUDGET_BYTES } from '../shared/memoryBudget';
import type { ModelRole } from '../shared/generation';
import { chooseGraph, type ModelFolder } from '../modelFormat/modelFolder';
import { discoverContract } from './contract';
import { decode } from './decodeLoop';
import type { DecodeEnd, DecodeRequest, FromDecodeThread, SessionInfo, SessionOptions, ToDecodeThread } from './decodeProtocol';
import { DecoderModel, slotModel } from './decoderModel';
import { prepareGraph } from './graphRewrite';
import { KvSlots } from './kvSlots';
import { estimateModelBytes, memoryShortfall } from './memory';
import { DecodeScheduler, type Priority } from './scheduler';
import { defaultThreads, openSessionOnFirstProvider } from './session';

const port = parentPort!;

/**
 * The draft's intra-op threads do not spin: the two sessions run in turn on the same cores, and
 * draft threads spinning on after each draft step took the CPU from the target's verification
 * pass (0.5B q4, k = 4: a 5-token pass cost 2.6-3.0 plain steps, 1.6-2.0 without the spinning;
 * speedup at 98% acceptance 0.67x -> 0.74-0.83x; test/bench/NOTES.md attempt 5).
 */
const DRAFT_SESSION = { 'session.intra_op.allow_spinning': '0' };

/**
 * fp32 graphs skip weight prepacking: the packed copy of the tied embedding (the lm_head's weight,
 * also the Gather's table) cost ~520 MB on 0.5B (peak RSS 1.52x -> 1.16x the files) and a 5-10 s
 * load, for no measurable decode gain (15.4 vs 15.0 tok/s, quiet machine, NOTES.md). Quantized
 * MatMulNBits needs its prepacked layout (0.6 tok/s without), so it keeps it.
 */
const FP32_SESSION = { 'session.disable_prepacking': '1' };

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

/** Opens model `key` (unless open already): the graph chosen for each provider tried, rewritten for speed, checked against the contract. */
async function open(key: string, folder: ModelFolder, options: SessionOptions, as: 'model' | 'draft'): Promise<SessionInfo> {
  const known = models.get(key);
  if (known) return known.info;
  const threads = options.threads ?? defaultThreads();
  const others = [...models.values()].reduce((n, m) => n + m.info.bytes, 0);
  const opened = await openSessionOnFirstProvider(options.device, async (kind) => {
    const graph = chooseGraph(folder, options.precision, kind);
    // Before the second model takes memory: both must fit, or the first keeps working alone.
    if (models.size > 0) {
      const short = memoryShortfall(estimateModelBytes(graph.bytes, folder.config), others, options.memoryLimitBytes ?? os.freemem(), options.memoryLimitBytes !== undefined);
      if (short) throw new EngineError('out-of-memory', `${folder.name} does not fit beside the model already loaded: ${short}.`, folder.dir);
    }
    const prepared = await prepareGraph(graph.file, path.join(options.cacheDir, 'graphs')).catch((err: unknown) => {
      throw new EngineError('graph-invalid', errorMessage(err), graph.file);
    });
    const sessionConfig = { ...prepared.sessionConfig, ...(graph.precision === 'fp32' ? FP32_SESSION : {}), ...(as === 'draft' ? DRAFT_SESSION : {}) };
    return { model: prepared.model, sessionConfig, label: graph.file, threads, graph, changes: prepared.changes };
  });
  const { session, provider, skipped, prepared } = opened;
  const contract = discoverContract(session.inputMetadata, session.outputMetadata, folder.config, prepared.graph.file);
  const info: SessionInfo = {
    name: folder.name,
    dir: folder.dir,
    graphFile: prepared.graph.file,
    precision: prepared.graph.precision,
    modelType: folder.config.modelType,
    provider,
    skippedProviders: skipped,
    threads,
    layers: contract.kv.length,
    vocab: contract.vocab,
    kvDtype: contract.kvDtype,
    graphChanges: prepared.changes,
    bytes: prepared.graph.bytes,
  };
  models.set(key, { decoder: new DecoderModel(opened, contract), info });
  return info;
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
          prefilled: (reusedTokens, prefillMs) => post({ kind: 'prefilled', id, reusedTokens, prefillMs }),
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
