/**
 * Entry point of the decode thread (a worker_thread of whichever process loads the model):
 * owns the onnxruntime sessions and KV caches and runs the token loop, in an isolate that holds
 * nothing else. It must never import the tokenizer (decodeProtocol.ts says why).
 */
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { discoverContract } from './contract';
import { decode, type DecodeModels } from './decodeLoop';
import type { DecodeEnd, DecodeRequest, FromDecodeThread, LoadedSessions, SessionInfo, SessionLoadOptions, ToDecodeThread } from './decodeProtocol';
import { DecoderModel } from './decoderModel';
import { EngineError, errorMessage } from '../shared/errors';
import { prepareGraph } from './graphRewrite';
import { chooseGraph, openModelFolder } from '../modelFormat/modelFolder';
import { defaultThreads, openSession } from './session';
import { draftSkipReason } from './speculation';

const port = parentPort!;
let models: DecodeModels | undefined;

function post(message: FromDecodeThread): void {
  port.postMessage(message);
}

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

/** Opens one model folder's (possibly rewritten) graph in a session, with the graph's contract. */
async function openDecoder(modelDir: string, options: SessionLoadOptions, role: 'target' | 'draft'): Promise<{ decoder: DecoderModel; info: SessionInfo }> {
  const { device } = options;
  const threads = options.threads ?? defaultThreads();
  const folder = openModelFolder(modelDir);
  const graph = chooseGraph(folder, options.precision, device === 'cpu' || device === 'auto' ? 'cpu' : 'gpu');
  const prepared = await prepareGraph(graph.file, path.join(options.cacheDir, 'graphs')).catch((err: unknown) => {
    throw new EngineError('graph-invalid', errorMessage(err), graph.file);
  });
  const opened = await openSession(prepared.model, { device, threads, sessionConfig: { ...prepared.sessionConfig, ...(graph.precision === 'fp32' ? FP32_SESSION : {}), ...(role === 'draft' ? DRAFT_SESSION : {}) }, label: graph.file });
  const contract = discoverContract(opened.session.inputMetadata, opened.session.outputMetadata, folder.config, graph.file);
  return {
    decoder: new DecoderModel(opened, contract),
    info: {
      name: folder.name,
      dir: folder.dir,
      graphFile: graph.file,
      precision: graph.precision,
      modelType: folder.config.modelType,
      provider: opened.provider,
      skippedProviders: opened.skipped,
      threads,
      layers: contract.kv.length,
      vocab: contract.vocab,
      kvDtype: contract.kvDtype,
      graphChanges: prepared.changes,
      bytes: graph.bytes,
    },
  };
}

async function load(options: SessionLoadOptions): Promise<LoadedSessions> {
  const target = await openDecoder(options.modelDir, options, 'target');
  if (!options.draftModelDir) {
    models = { model: target.decoder };
    return { target: target.info };
  }
  const draftSkipped = draftSkipReason(options.draftWhen, target.info.provider);
  if (draftSkipped) {
    models = { model: target.decoder };
    return { target: target.info, draftSkipped };
  }
  const draft = await openDecoder(options.draftModelDir, options, 'draft').catch(async (err: unknown) => {
    await target.decoder.dispose();
    throw err;
  });
  models = { model: target.decoder, draft: draft.decoder };
  return { target: target.info, draft: draft.info };
}

async function dispose(): Promise<void> {
  const opened = models;
  models = undefined;
  await Promise.all([opened?.model.dispose(), opened?.draft?.dispose()]);
}

async function run(id: number, request: DecodeRequest, stop: Int32Array): Promise<DecodeEnd> {
  if (!models) throw new EngineError('not-loaded', 'No model is loaded in the decode thread.');
  return decode(
    models,
    request,
    {
      prefilled: (reusedTokens, prefillMs) => post({ kind: 'prefilled', id, reusedTokens, prefillMs }),
      tokens: (ids, speculation) => post({ kind: 'tokens', id, ids, speculation }),
    },
    () => Atomics.load(stop, 0) !== 0,
  );
}

function handle(message: ToDecodeThread): Promise<unknown> {
  switch (message.kind) {
    case 'load':
      return load(message.options);
    case 'decode':
      return run(message.id, message.request, message.stop);
    case 'dispose':
      return dispose();
  }
}

// One request at a time, in arrival order: a generation's KV cache is the next one's prefix.
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (message: ToDecodeThread) => {
  queue = queue.then(() =>
    handle(message).then(
      (result) => post({ kind: 'result', id: message.id, result }),
      (err: unknown) => {
        const error = err instanceof EngineError ? { code: err.code, message: err.message, file: err.file } : { code: 'inference-failed' as const, message: errorMessage(err) };
        post({ kind: 'failed', id: message.id, error });
      },
    ),
  );
});
