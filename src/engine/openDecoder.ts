import * as path from 'node:path';
import { EngineError, errorMessage } from '../shared/errors';
import { chooseGraph, type ModelFolder, type ModelGraph } from '../modelFormat/modelFolder';
import { discoverContract } from './contract';
import type { SessionInfo, SessionOptions } from './decodeProtocol';
import { DecoderModel } from './decoderModel';
import { prepareGraph } from './graphRewrite';
import { defaultThreads, openSessionOnFirstProvider } from './session';

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
 * Opens a checked model folder's decoder: for each provider tried, the graph that kind of device
 * prefers (`check` may refuse it, before it takes memory), rewritten for speed, and checked
 * against the decoder contract.
 */
export async function openDecoder(folder: ModelFolder, options: SessionOptions, as: 'model' | 'draft', check: (graph: ModelGraph) => void = () => undefined): Promise<{ decoder: DecoderModel; info: SessionInfo }> {
  const threads = options.threads ?? defaultThreads();
  const opened = await openSessionOnFirstProvider(options.device, async (kind) => {
    const graph = chooseGraph(folder, options.precision, kind);
    check(graph);
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
  return { decoder: new DecoderModel(opened, contract, folder.config.rotary), info };
}
