import { LRUCache } from 'lru-cache';
import type { ContextBuilder, ContextResult } from '../context/contextEngine';
import { CHARS_PER_TOKEN } from '../prompt/promptBudget';
import type { FimOrderSetting } from '../prompt/fimTemplates';
import type { BackendResult, InferenceBackend, InfillRequest } from '../backend/inferenceBackend';
import type { FinishReason, SpeculationOptions, SuffixReuse } from '../shared/generation';
import { debounceDelay, KeystrokeClock } from './debounce';
import { documentWindow, type CursorPosition, type DocumentLike, type DocumentWindow } from './documentWindow';
import { languageSyntax } from '../languages/languages';
import { cutOnStream, postprocess, shouldBeMultiline } from './postprocess/postprocess';
import type { CompletionPosition, MultilineMode } from './postprocess/types';
import { InFlight } from './inFlight';
import { ResultCache, TypedAhead } from './resultCache';
import { StreamCut } from './streamCut';
import { cutToParse } from './syntax/cutToParse';
import { syntaxBlockEnd } from './syntax/syntaxBlockEnd';
import { syntaxMultiline } from './syntax/syntaxMultiline';

export interface CompletionSettings {
  debounceMs: number;
  maxNewTokens: number;
  maxPromptTokens: number;
  maxSuffixTokens: number;
  maxContextTokens: number;
  multiline: MultilineMode;
  maxLines: number;
  /** Cut or drop completions that would leave a new syntax error (where a grammar exists). */
  syntaxCheck: boolean;
  /** Wall-clock budget of one generation. */
  timeBudgetMs: number;
  /** Speculative decoding: prompt lookup always (free when it finds nothing), the draft model when one is set. */
  speculation: SpeculationOptions;
  /** slm.suffixReuse: local engine only (an inference server keeps its own cache). */
  suffixReuse: SuffixReuse;
  /** slm.fimOrder; absent: auto (PSM). */
  fimOrder?: FimOrderSetting;
  /**
   * A request for text typed while a generation runs takes that generation's rest (inFlight.ts).
   * Absent: on; off is the earlier behaviour (each request after its debounce starts a generation
   * of its own, a cancelled request stops its generation at once), for side-by-side measurement.
   */
  inFlightReuse?: boolean;
}

export interface CompletionRequest {
  /** Identifies the document (its URI). */
  documentId: string;
  document: DocumentLike;
  languageId: string;
  position: CursorPosition;
  explicit: boolean;
  filePath?: string;
  repoName?: string;
  /** The whole document and the cursor's offset in it, for the context engine; read only when a prompt is built. */
  fullText?(): { text: string; cursorOffset: number };
}

export interface CompletionPlan {
  window: DocumentWindow;
  position: CompletionPosition;
  multiline: boolean;
  params: InfillRequest;
}

/** 'in-flight': the rest of a generation started for an earlier keystroke, still running when this request came. */
export type CompletionSource = 'model' | 'cache' | 'typed-ahead' | 'in-flight';

export interface Completion {
  text: string;
  source: CompletionSource;
}

/** One line per request for the log: where the time went and what the cache saved. */
export interface RequestRecord {
  source: CompletionSource | 'none';
  outcome: 'shown' | 'empty' | 'cancelled' | 'error';
  debounceMs: number;
  windowMs: number;
  result?: BackendResult;
  /** What the context engine found: snippets offered to the prompt, its time, and what it left out. */
  context?: { snippets: number; paths: string[]; ms: number; dropped: string[] };
  error?: string;
  chars: number;
  /** Generation was stopped on the stream: the completion was decided after this many characters. */
  decidedAtChars?: number;
  /** This request waited on the generation in flight for the text typed since it started; `diverged`: the model wrote otherwise, so it went on to a generation of its own. */
  inFlight?: { typedChars: number; waitedMs: number; diverged: boolean };
}

/** What one generation produced: for the request it was started for, and for those that typed on meanwhile. */
interface Generated {
  /** 'not-asked': stopped before the model was asked (while context was built); 'cancelled': before the completion was decided. */
  state: 'not-asked' | 'cancelled' | 'finished' | 'failed';
  /** The model's text: all of it, or up to where the completion was decided on the stream. */
  raw: string;
  /** The completion at the started request's own position: finish() of raw with its plan; '' unless finished. */
  text: string;
  result?: BackendResult;
  /** The backend's finish reason for finish(); absent where the completion was decided on the stream. */
  finishReason?: FinishReason;
  decidedAtChars?: number;
  context?: RequestRecord['context'];
  error?: Error;
}

export interface CompletionEvents {
  onGenerating?(active: boolean): void;
  onRecord?(record: RequestRecord): void;
}


/**
 * The inline completion pipeline, editor-agnostic: typed-ahead and cache lookups, the rest of a
 * generation still in flight when the user typed what it began with, adaptive debounce, one
 * generation in flight (a newer one stops the older, which the worker stops within one decode
 * step), post-processing. Returns undefined when there is nothing to show.
 */
export class CompletionService {
  private readonly cache = new ResultCache();
  private readonly typedAhead = new TypedAhead();
  /** Keystroke timing of the 64 documents typed in last. */
  private readonly clocks = new LRUCache<string, KeystrokeClock>({ max: 64 });
  private inFlight: InFlight<Generated> | undefined;

  constructor(
    private readonly backend: Pick<InferenceBackend, 'infill'>,
    private readonly settings: () => CompletionSettings,
    private readonly events: CompletionEvents = {},
    private readonly context?: ContextBuilder,
  ) {}

  /**
   * The worker request this service would send for `request`, and the decisions behind it
   * (also used by the CLI's `prompt` and `postprocess`, so they show exactly what the editor does).
   */
  plan(request: CompletionRequest, settings = this.settings()): CompletionPlan {
    const window = documentWindow(request.document, request.position, {
      maxPrefixLines: settings.maxPromptTokens,
      maxPrefixChars: settings.maxPromptTokens * CHARS_PER_TOKEN,
      maxSuffixLines: settings.maxSuffixTokens,
      maxSuffixChars: settings.maxSuffixTokens * CHARS_PER_TOKEN,
    });
    const position = { prefix: window.prefix, suffix: window.suffix, languageId: request.languageId };
    // The syntax tree decides where a grammar is loaded and the position is clear; the text rules otherwise.
    const multiline = (settings.multiline === 'auto' ? syntaxMultiline(position) : undefined) ?? shouldBeMultiline(position, settings.multiline);
    return {
      window,
      position,
      multiline,
      params: {
        input: {
          prefix: window.prefix, prefixStartLine: window.prefixStartLine, suffix: window.suffix, filePath: request.filePath, repoName: request.repoName,
          lineComment: languageSyntax(request.languageId).lineComments[0],
        },
        budget: { maxPromptTokens: settings.maxPromptTokens, maxSuffixTokens: settings.maxSuffixTokens, maxContextTokens: settings.maxContextTokens },
        // One line rarely needs more; a small cap bounds the cost of a model that rambles.
        maxNewTokens: multiline ? settings.maxNewTokens : Math.min(settings.maxNewTokens, 48),
        stopStrings: multiline ? undefined : ['\n'],
        timeBudgetMs: settings.timeBudgetMs,
        speculation: settings.speculation,
        suffixReuse: settings.suffixReuse,
        ...(settings.fimOrder ? { fimOrder: settings.fimOrder } : {}),
      },
    };
  }

  /**
   * Asks the context engine for snippets and puts them into the plan's prompt input. Undefined
   * (and the plan unchanged) without a context engine, a context budget, or the document's text.
   */
  async addContext(request: CompletionRequest, plan: CompletionPlan, settings = this.settings()): Promise<ContextResult | undefined> {
    if (!this.context || settings.maxContextTokens <= 0 || !request.fullText) return undefined;
    const { text, cursorOffset } = request.fullText();
    const result = await this.context.build({
      uri: request.documentId,
      path: request.filePath ?? request.documentId,
      languageId: request.languageId,
      text,
      cursorOffset,
      prefixStartLine: plan.window.prefixStartLine,
      maxContextTokens: settings.maxContextTokens,
    });
    if (result.snippets.length) plan.params.input.snippets = result.snippets.map((s) => ({ path: s.path, text: s.text }));
    return result;
  }

  /**
   * What is shown of a raw model output at the planned position: the text rules, then the syntax
   * tree (where a grammar is loaded) ends a multi-line completion with the block it is in and cuts
   * a completion that adds a syntax error back to the last point that parses. A completion cut
   * short, by slm.maxLines or by the token or time limit (`finishReason`) before any rule cut it,
   * is left open on purpose, so it is not held to parsing: its half-written last line goes instead
   * (a docstring or a call that ran past the limit would otherwise parse only as its first line).
   */
  finish(raw: string, plan: CompletionPlan, settings = this.settings(), finishReason?: FinishReason): string {
    const cutShort = plan.multiline && (finishReason === 'max-tokens' || finishReason === 'time-budget') && raw.includes('\n') && !this.cutOnStream(raw, plan, settings);
    const whole = cutShort ? raw.slice(0, raw.lastIndexOf('\n')) : raw;
    let text = postprocess(whole, plan.position, { multiline: plan.multiline, maxLines: settings.maxLines });
    if (text && plan.multiline) text = syntaxBlockEnd(text, plan.position);
    if (text && settings.syntaxCheck && !cutShort && text.split('\n').length < settings.maxLines) text = cutToParse(text, plan.position);
    return text ?? '';
  }

  /**
   * Whether more output can no longer change what finish() shows of the text streamed so far
   * (multi-line only; single-line generation stops at its line break): a text rule has cut within
   * it (postprocess' cutOnStream), or the syntax tree ends the block in its whole lines, looked at
   * when `newLines` says some became whole.
   */
  cutOnStream(streamed: string, plan: CompletionPlan, settings = this.settings(), newLines = true): boolean {
    if (!plan.multiline) return false;
    const options = { multiline: true, maxLines: settings.maxLines };
    if (cutOnStream(streamed, plan.position, options)) return true;
    // A parse (~1 ms) per new whole line, not per token.
    if (!newLines) return false;
    const lines = postprocess(streamed.slice(0, streamed.lastIndexOf('\n') + 1), plan.position, options);
    return lines !== undefined && (syntaxBlockEnd(lines, plan.position) ?? '').length < lines.length;
  }

  async provide(request: CompletionRequest, signal: AbortSignal): Promise<Completion | undefined> {
    const started = performance.now();
    const settings = this.settings();
    const timing = this.clockFor(request.documentId).tick();
    const plan = this.plan(request, settings);
    const window = plan.window;
    const windowMs = performance.now() - started;
    const record = (r: Omit<RequestRecord, 'windowMs'>) => this.events.onRecord?.({ ...r, windowMs });

    const reused = this.typedAhead.match(request.documentId, window.prefix, window.suffix);
    if (reused !== undefined) {
      record({ source: 'typed-ahead', outcome: 'shown', debounceMs: 0, chars: reused.length });
      return { text: reused, source: 'typed-ahead' };
    }
    const cached = this.cache.get(window.prefix, window.suffix);
    if (cached !== undefined) {
      this.typedAhead.remember(request.documentId, window.prefix, window.suffix, cached);
      record({ source: 'cache', outcome: cached ? 'shown' : 'empty', debounceMs: 0, chars: cached.length });
      return cached ? { text: cached, source: 'cache' } : undefined;
    }

    const reuse = settings.inFlightReuse !== false;
    const running = this.inFlight;
    const typed = reuse && !request.explicit ? running?.typedSince(request.documentId, window, plan.multiline) : undefined;
    let waited: RequestRecord['inFlight'];
    if (running && typed !== undefined) {
      const taken = await this.takeRest(running, typed, request, plan, settings, signal, record);
      if (taken.kind === 'served') return taken.completion;
      waited = taken.waited;
    } else running?.stopIfUnfollowed(); // nobody waits for it, and this request cannot use it

    const debounceMs = debounceDelay({ baseMs: settings.debounceMs, ...timing, atLineEnd: window.lineSuffix.trim() === '', explicit: request.explicit });
    // Time spent waiting on a generation that then diverged counts as debounce.
    const left = debounceMs - (waited?.waitedMs ?? 0);
    if (left > 0 && !(await sleep(left, signal))) {
      record({ source: 'none', outcome: 'cancelled', debounceMs, chars: 0, ...(waited ? { inFlight: waited } : {}) });
      return undefined;
    }
    const generation = this.generate(request, plan, settings, (r) => record({ ...r, debounceMs, ...(waited ? { inFlight: waited } : {}) }), signal);
    const followed = await generation.follow('', signal, { keepOnCancel: reuse });
    // Its record comes when the generation ends, whoever then follows it ('decided' and 'diverged' are for followers that typed on).
    if (followed.kind !== 'done') return undefined;
    const g = followed.value;
    if (g.state === 'failed') throw g.error;
    return g.state === 'finished' && g.text && !signal.aborted ? { text: g.text, source: 'model' } : undefined;
  }

  /**
   * Waits on the generation in flight for a request whose prefix adds `typed` to that
   * generation's: its output less `typed`, finished at this request's own position, when it
   * began with `typed` and left more; 'diverged' (with the time waited) when it wrote otherwise.
   */
  private async takeRest(
    running: InFlight<Generated>, typed: string, request: CompletionRequest, plan: CompletionPlan, settings: CompletionSettings, signal: AbortSignal,
    record: (r: Omit<RequestRecord, 'windowMs'>) => void,
  ): Promise<{ kind: 'served'; completion: Completion | undefined } | { kind: 'diverged'; waited: NonNullable<RequestRecord['inFlight']> }> {
    const started = performance.now();
    // Its own completion may be decided before the generation ends (a single-line request on a multi-line generation).
    const isDecided = (streamed: string) => streamed.length > typed.length && (plan.multiline ? this.cutOnStream(streamed.slice(typed.length), plan, settings) : streamed.includes('\n', typed.length));
    const followed = await running.follow(typed, signal, { isDecided });
    const inFlight = { typedChars: typed.length, waitedMs: performance.now() - started, diverged: false };
    const base = { source: 'in-flight' as const, debounceMs: 0, inFlight };
    if (followed.kind === 'decided') return { kind: 'served', completion: this.serveRest(followed.streamed.slice(typed.length), undefined, undefined, request, plan, settings, signal, record, base) };
    const g = followed.kind === 'done' ? followed.value : undefined;
    if (followed.kind === 'cancelled' || g?.state === 'not-asked' || g?.state === 'cancelled') {
      // This caller left, or a newer generation replaced this one: this request is superseded.
      record({ ...base, outcome: 'cancelled', context: g?.context, chars: 0 });
      return { kind: 'served', completion: undefined };
    }
    if (g?.state === 'failed') {
      record({ ...base, outcome: 'error', context: g.context, error: g.error!.message, chars: 0 });
      throw g.error;
    }
    if (!g || !g.raw.startsWith(typed) || g.raw.length === typed.length) return { kind: 'diverged', waited: { ...inFlight, diverged: true } };
    return { kind: 'served', completion: this.serveRest(g.raw.slice(typed.length), g.finishReason, g, request, plan, settings, signal, record, base) };
  }

  /** A rest of a generation's output, finished at the request's own position, cached and recorded. */
  private serveRest(
    raw: string, finishReason: FinishReason | undefined, g: Generated | undefined, request: CompletionRequest, plan: CompletionPlan, settings: CompletionSettings, signal: AbortSignal,
    record: (r: Omit<RequestRecord, 'windowMs'>) => void, base: Pick<RequestRecord, 'source' | 'debounceMs' | 'inFlight'>,
  ): Completion | undefined {
    const window = plan.window;
    const text = this.finish(raw, plan, settings, finishReason);
    this.cache.set(window.prefix, window.suffix, text);
    if (text) this.typedAhead.remember(request.documentId, window.prefix, window.suffix, text);
    // Decided for this request before the generation ended (`g` absent), it has no figures yet: the started request's record gets them.
    record({ ...base, outcome: text ? 'shown' : 'empty', result: g?.result, context: g?.context, chars: text.length, ...(g?.decidedAtChars !== undefined ? { decidedAtChars: g.decidedAtChars } : {}) });
    return text && !signal.aborted ? { text, source: 'in-flight' } : undefined;
  }

  /**
   * Starts the one generation in flight for `request`, stopping the one before. When it ends,
   * the started request's record is written (`signal`: whether that caller still waited for it)
   * and its completion is remembered for typing ahead, also when that caller left: a request
   * that comes just after the end then still finds it.
   */
  private generate(
    request: CompletionRequest, plan: CompletionPlan, settings: CompletionSettings, record: (r: Omit<RequestRecord, 'windowMs' | 'debounceMs'>) => void, signal: AbortSignal,
  ): InFlight<Generated> {
    this.inFlight?.stop();
    const generation = new InFlight<Generated>(request.documentId, plan.window, plan.multiline, (abort, onText, stop) => this.run(request, plan, settings, abort, onText, stop));
    this.inFlight = generation;
    this.events.onGenerating?.(true);
    void generation.done.then((g) => {
      if (g.text) this.typedAhead.remember(request.documentId, plan.window.prefix, plan.window.suffix, g.text);
      const context = g.context;
      if (g.state === 'not-asked') record({ source: 'none', outcome: 'cancelled', context, chars: 0 });
      else if (g.state === 'failed') record({ source: 'model', outcome: 'error', context, error: g.error!.message, chars: 0 });
      else if (g.state === 'cancelled' || signal.aborted) record({ source: 'model', outcome: 'cancelled', result: g.result, context, chars: 0 });
      else record({ source: 'model', outcome: g.text ? 'shown' : 'empty', result: g.result, context, chars: g.text.length, ...(g.decidedAtChars !== undefined ? { decidedAtChars: g.decidedAtChars } : {}) });
      if (this.inFlight === generation) {
        this.inFlight = undefined;
        this.events.onGenerating?.(false);
      }
    });
    return generation;
  }

  /** One generation: context, the model's stream (stopped where the completion is decided), finish() at the plan; the result cached. Never rejects. */
  private async run(request: CompletionRequest, plan: CompletionPlan, settings: CompletionSettings, signal: AbortSignal, onText: (delta: string) => void, stop: () => void): Promise<Generated> {
    let context: RequestRecord['context'];
    try {
      context = await this.timedContext(request, plan, settings);
      if (signal.aborted) return { state: 'not-asked', raw: '', text: '', context };
      const cut = new StreamCut((streamed, newLines) => this.cutOnStream(streamed, plan, settings, newLines), stop);
      const stream = (delta: string) => {
        onText(delta);
        cut.onText(delta);
      };
      // A backend may reject once its signal aborts; after a decision the streamed text is the answer.
      const result = await this.backend.infill(plan.params, { signal, onText: stream }).catch((err: unknown) => {
        if (cut.decided === undefined) throw err;
        return undefined;
      });
      const decided = cut.decided;
      if (decided === undefined && result?.finishReason === 'cancelled') return { state: 'cancelled', raw: result.text, text: '', result, context };
      const raw = decided ?? result!.text;
      const finishReason = decided === undefined ? result!.finishReason : undefined;
      const text = this.finish(raw, plan, settings, finishReason);
      this.cache.set(plan.window.prefix, plan.window.suffix, text);
      return { state: 'finished', raw, text, result, finishReason, context, ...(decided !== undefined ? { decidedAtChars: decided.length } : {}) };
    } catch (err) {
      return { state: 'failed', raw: '', text: '', context, error: err as Error };
    }
  }

  /** addContext for a request about to go to the model; a failing context engine costs the prompt its snippets, never the completion. */
  private async timedContext(request: CompletionRequest, plan: CompletionPlan, settings: CompletionSettings): Promise<RequestRecord['context']> {
    const started = performance.now();
    try {
      const result = await this.addContext(request, plan, settings);
      if (!result) return undefined;
      const paths = [...new Set(result.snippets.map((s) => s.path))];
      return { snippets: result.snippets.length, paths, ms: performance.now() - started, dropped: result.dropped.map((d) => `${d.source}: ${d.reason}`) };
    } catch (err) {
      return { snippets: 0, paths: [], ms: performance.now() - started, dropped: [`failed: ${(err as Error).message}`] };
    }
  }

  /** Forgets cached completions and stops the generation in flight (e.g. after the model changed). */
  reset(): void {
    this.inFlight?.stop();
    this.cache.clear();
    this.typedAhead.clear();
  }

  private clockFor(documentId: string): KeystrokeClock {
    let clock = this.clocks.get(documentId);
    if (!clock) this.clocks.set(documentId, (clock = new KeystrokeClock()));
    return clock;
  }
}

/** Resolves true after `ms`, false if the signal aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
