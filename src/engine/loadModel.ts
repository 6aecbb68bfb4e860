import * as os from 'node:os';
import * as path from 'node:path';
import type { GraphContract } from './contract';
import type { LoadedSessions, SessionInfo } from './decodeProtocol';
import { DecodeThreadClient } from './decodeThreadClient';
import { EngineError } from '../shared/errors';
import { generate, type GenerateRequest, type GenerateResult, type TokenListener } from './generate';
import { openModelFolder } from '../modelFormat/modelFolder';
import { type Precision, type PrecisionChoice } from '../modelFormat/precision';
import type { DeviceChoice, Provider } from './session';
import type { DraftWhen } from './speculation';
import { TextTokenizer } from './tokenizer';

export interface LoadOptions {
  modelDir: string;
  device?: DeviceChoice;
  threads?: number;
  precision?: PrecisionChoice;
  /** A smaller model of the same family for speculative decoding. */
  draftModelDir?: string;
  /** 'gpu': load the draft only if the model runs on a GPU (the catalog's automatic pairing). */
  draftWhen?: DraftWhen;
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
  /** Why the draft model was not loaded (draftWhen 'gpu' on a CPU). */
  draftSkipped?: string;
}

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'slm-complete');
}

/** Code that exercises merges, spaces and punctuation: two tokenizers that agree on it share a vocabulary. */
const VOCABULARY_PROBE = 'def fetch_items(self, limit: int = 10) -> list:\n    return [x.id for x in self._items][:limit]  # ok\n';

/**
 * A loaded model (and optional draft model): the tokenizer here, the sessions and KV caches in
 * the decode thread (decodeProtocol.ts says why apart); serves one generation at a time.
 */
export class LoadedModel {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly info: ModelInfo,
    readonly tokenizer: TextTokenizer,
    private readonly thread: DecodeThreadClient,
    private readonly eosTokenIds: number[],
  ) {}

  /** `onLost`: the decode thread died (a bug, not a user error); the model answers nothing more. */
  static async load(options: LoadOptions, onLost?: (why: string) => void): Promise<LoadedModel> {
    const started = performance.now();
    const device = options.device ?? 'auto';
    const precision = options.precision ?? 'auto';
    const folder = openModelFolder(options.modelDir);
    const draftFolder = options.draftModelDir ? openModelFolder(options.draftModelDir) : undefined;
    // The sessions load in the decode thread while this thread parses the tokenizers.
    const thread = DecodeThreadClient.start(onLost);
    const sessions = thread.load({
      modelDir: options.modelDir,
      draftModelDir: options.draftModelDir,
      draftWhen: options.draftWhen,
      device,
      threads: options.threads,
      precision,
      cacheDir: options.cacheDir ?? defaultCacheDir(),
    });
    let tokenizer: TextTokenizer;
    let draftTokenizer: TextTokenizer | undefined;
    let loaded: LoadedSessions;
    try {
      tokenizer = TextTokenizer.load(folder.tokenizerFile, folder.tokenizerConfigFile);
      const loadDraftTokenizer = () => draftFolder && TextTokenizer.load(draftFolder.tokenizerFile, draftFolder.tokenizerConfigFile);
      // A GPU-only draft is left out on a CPU: its tokenizer is parsed only once the draft is loaded.
      draftTokenizer = options.draftWhen === 'gpu' ? undefined : loadDraftTokenizer();
      loaded = await sessions;
      if (loaded.draft && !draftTokenizer) draftTokenizer = loadDraftTokenizer();
    } catch (err) {
      sessions.catch(() => undefined);
      await thread.dispose().catch(() => undefined);
      throw err;
    }
    const mismatch = vocabularyMismatch(folder.tokenizerFile, tokenizer, loaded.target, draftTokenizer, loaded.draft);
    if (mismatch) {
      await thread.dispose();
      throw mismatch;
    }
    const { draft, draftSkipped } = loaded;
    const info: ModelInfo = {
      ...loaded.target,
      loadMs: performance.now() - started,
      ...(draft ? { draft: { name: draft.name, precision: draft.precision, provider: draft.provider } } : {}),
      ...(draftSkipped ? { draftSkipped } : {}),
    };
    return new LoadedModel(info, tokenizer, thread, folder.config.eosTokenIds);
  }

  /** Runs after any generation in progress; the KV caches carry over to the next request. */
  generate(request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult> {
    const run = this.queue.then(() =>
      generate({ thread: this.thread, tokenizer: this.tokenizer, eosTokenIds: this.eosTokenIds, loadMs: this.info.loadMs }, request, onToken, signal),
    );
    this.queue = run.then((g) => g.done).catch(() => undefined);
    return run.then((g) => g.result);
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.thread.dispose();
  }
}

/** A tokenizer with ids the model does not score, or a draft model with another vocabulary. */
function vocabularyMismatch(tokenizerFile: string, tokenizer: TextTokenizer, target: SessionInfo, draftTokenizer?: TextTokenizer, draft?: SessionInfo): EngineError | undefined {
  if (tokenizer.maxTokenId >= target.vocab) {
    return new EngineError(
      'vocab-mismatch',
      `${tokenizerFile} has token ids up to ${tokenizer.maxTokenId}, but the model scores only ${target.vocab} tokens: ` +
        `the tokenizer belongs to another model. Use the tokenizer.json of the same export.`,
      tokenizerFile,
    );
  }
  const same = (t: TextTokenizer) => JSON.stringify([t.maxTokenId, t.encode(VOCABULARY_PROBE)]);
  if (draft && draftTokenizer && (draft.vocab !== target.vocab || same(draftTokenizer) !== same(tokenizer))) {
    return new EngineError('vocab-mismatch', `The draft model ${draft.dir} does not share the vocabulary of ${target.dir}: speculative decoding needs the same tokenizer. Choose a smaller model of the same family.`, draft.dir);
  }
  return undefined;
}

export function loadModel(options: LoadOptions): Promise<LoadedModel> {
  return LoadedModel.load(options);
}
