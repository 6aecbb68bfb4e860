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
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'slm-complete');
}

/** A loaded model: tokenizer, session and KV cache; serves one generation at a time. */
export class LoadedModel {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly info: ModelInfo, readonly tokenizer: TextTokenizer, private readonly decoder: DecoderModel, private readonly eosTokenIds: number[]) {}

  static async load(options: LoadOptions): Promise<LoadedModel> {
    const started = performance.now();
    const device = options.device ?? 'auto';
    const folder = openModelFolder(options.modelDir, options.precision ?? 'auto', device === 'cpu' || device === 'auto' ? 'cpu' : 'gpu');
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
    const info: ModelInfo = {
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
      loadMs: performance.now() - started,
    };
    return new LoadedModel(info, tokenizer, new DecoderModel(opened, contract), folder.config.eosTokenIds);
  }

  /** Runs after any generation in progress; the KV cache carries over to the next request. */
  generate(request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    const run = this.queue.then(() =>
      generate({ model: this.decoder, tokenizer: this.tokenizer, eosTokenIds: this.eosTokenIds, loadMs: this.info.loadMs }, request, onToken, signal),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.decoder.dispose();
  }
}

export function loadModel(options: LoadOptions): Promise<LoadedModel> {
  return LoadedModel.load(options);
}
