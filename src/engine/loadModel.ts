import * as os from 'node:os';
import * as path from 'node:path';
import { discoverContract, type GraphContract } from './contract';
import { DecoderModel } from './decoderModel';
import { EngineError, errorMessage } from './errors';
import { generate, type GenerateRequest, type GenerateResult, type TokenListener } from './generate';
import { prepareGraph } from './graphRewrite';
import { openModelFolder, type Precision, type PrecisionChoice } from './modelFolder';
import { defaultThreads, openSession, type DeviceChoice, type Provider } from './session';
import { TextTokenizer } from './tokenizer';

export interface LoadOptions {
  modelDir: string;
  device?: DeviceChoice;
  threads?: number;
  precision?: PrecisionChoice;
  /** A smaller model of the same family for speculative decoding. */
  draftModelDir?: string;
  /** Where rewritten graphs are cached (default: the user's cache folder). */
  cacheDir?: string;
}

export interface ModelInfo {
  name: string;
  dir: string;
  graphFile: string;
  precision: Precision;
  modelType: string;
  provider: Provider;
  /** Why each provider tried before `provider` was passed over. */
  skippedProviders: string[];
  threads: number;
  layers: number;
  vocab: number;
  kvDtype: GraphContract['kvDtype'];
  /** What the load changed in the graph for speed (see graphRewrite). */
  graphChanges: string[];
  /** Bytes of graph and weights on disk. */
  bytes: number;
  loadMs: number;
  draft?: { name: string; precision: Precision; provider: Provider };
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'slm-complete');
}

interface OpenedDecoder {
  decoder: DecoderModel;
  tokenizer: TextTokenizer;
  info: Omit<ModelInfo, 'loadMs' | 'draft'>;
  eosTokenIds: number[];
}

/** Opens one model folder: its tokenizer, its (possibly rewritten) graph in a session, and the graph's contract. */
async function openDecoder(modelDir: string, options: LoadOptions): Promise<OpenedDecoder> {
  const device = options.device ?? 'auto';
  const folder = openModelFolder(modelDir, options.precision ?? 'auto', device === 'cpu' || device === 'auto' ? 'cpu' : 'gpu');
  const tokenizer = TextTokenizer.load(folder.tokenizerFile, folder.tokenizerConfigFile);
  const prepared = await prepareGraph(folder.graphFile, path.join(options.cacheDir ?? defaultCacheDir(), 'graphs')).catch((err: unknown) => {
    throw new EngineError('graph-invalid', errorMessage(err), folder.graphFile);
  });
  const threads = options.threads ?? defaultThreads();
  const opened = await openSession(prepared.model, { device, threads, sessionConfig: prepared.sessionConfig, label: folder.graphFile });
  const contract = discoverContract(opened.session.inputMetadata, opened.session.outputMetadata, folder.config, folder.graphFile);
  if (tokenizer.maxTokenId >= contract.vocab) {
    await opened.session.release();
    throw new EngineError(
      'vocab-mismatch',
      `${folder.tokenizerFile} has token ids up to ${tokenizer.maxTokenId}, but the model scores only ${contract.vocab} tokens: ` +
        `the tokenizer belongs to another model. Use the tokenizer.json of the same export.`,
      folder.tokenizerFile,
    );
  }
  return {
    decoder: new DecoderModel(opened, contract),
    tokenizer,
    eosTokenIds: folder.config.eosTokenIds,
    info: {
      name: folder.name,
      dir: folder.dir,
      graphFile: folder.graphFile,
      precision: folder.precision,
      modelType: folder.config.modelType,
      provider: opened.provider,
      skippedProviders: opened.skipped,
      threads,
      layers: contract.kv.length,
      vocab: contract.vocab,
      kvDtype: contract.kvDtype,
      graphChanges: prepared.changes,
      bytes: folder.bytes,
    },
  };
}

/** Code that exercises merges, spaces and punctuation: two tokenizers that agree on it share a vocabulary. */
const VOCABULARY_PROBE = 'def fetch_items(self, limit: int = 10) -> list:\n    return [x.id for x in self._items][:limit]  # ok\n';

/** A loaded model (and optional draft model): tokenizer, sessions and KV caches; serves one generation at a time. */
export class LoadedModel {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextTokenizer,
    private readonly decoder: DecoderModel,
    private readonly eosTokenIds: number[],
    private readonly draft?: DecoderModel,
  ) {}

  static async load(options: LoadOptions): Promise<LoadedModel> {
    const started = performance.now();
    const target = await openDecoder(options.modelDir, options);
    let draft: OpenedDecoder | undefined;
    if (options.draftModelDir) {
      draft = await openDecoder(options.draftModelDir, options).catch(async (err: unknown) => {
        await target.decoder.dispose();
        throw err;
      });
      const same = (t: TextTokenizer) => JSON.stringify([t.maxTokenId, t.encode(VOCABULARY_PROBE)]);
      if (draft.info.vocab !== target.info.vocab || same(draft.tokenizer) !== same(target.tokenizer)) {
        await Promise.all([target.decoder.dispose(), draft.decoder.dispose()]);
        throw new EngineError('vocab-mismatch', `The draft model ${draft.info.dir} does not share the vocabulary of ${target.info.dir}: speculative decoding needs the same tokenizer. Choose a smaller model of the same family.`, draft.info.dir);
      }
    }
    const info: ModelInfo = {
      ...target.info,
      loadMs: performance.now() - started,
      ...(draft ? { draft: { name: draft.info.name, precision: draft.info.precision, provider: draft.info.provider } } : {}),
    };
    return new LoadedModel(info, target.tokenizer, target.decoder, target.eosTokenIds, draft?.decoder);
  }

  /** Runs after any generation in progress; the KV caches carry over to the next request. */
  generate(request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    const run = this.queue.then(() =>
      generate({ model: this.decoder, draft: this.draft, tokenizer: this.tokenizer, eosTokenIds: this.eosTokenIds, loadMs: this.info.loadMs }, request, onToken, signal),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    await this.queue;
    await Promise.all([this.decoder.dispose(), this.draft?.dispose()]);
  }
}

export function loadModel(options: LoadOptions): Promise<LoadedModel> {
  return LoadedModel.load(options);
}
