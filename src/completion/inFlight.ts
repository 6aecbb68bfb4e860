import type { DocumentWindow } from './documentWindow';

/**
 * How long a generation nobody waits for any more goes on, in case the next keystroke's request
 * still wants it. VS Code cancels the running request on every change to the document and asks
 * again after its own 50 ms debounce (InlineCompletionsDebounce, min = max = 50 ms in
 * inlineCompletionsModel): the next request arrives some 50-100 ms later; 250 ms leaves room for
 * a busy extension host. A request that cannot use the generation stops it at once instead.
 */
export const GRACE_MS = 250;

/** What a caller got from following a generation. */
export type Followed<T> =
  | { kind: 'done'; value: T }
  /** The caller's own completion was decided on the streamed text (`streamed`) before the generation ended. */
  | { kind: 'decided'; streamed: string }
  /** The streamed text contradicts what the caller typed: its output is of no use to it. */
  | { kind: 'diverged' }
  /** The caller's own signal aborted first; the generation goes on for others (or its grace). */
  | { kind: 'cancelled' };

/**
 * The one completion generation in flight, owned apart from any provide() call: it runs while
 * some caller still wants its output, so that a request for the text typed meanwhile can take
 * its rest instead of starting again (Copilot, Tabby and Cody's request manager keep such a
 * request too). It holds the abort controller, the text streamed so far, the promise of its
 * result and the count of callers that follow it; it stops when the last one lets go (after
 * GRACE_MS, or at once when that one knows the output is useless), or when a newer generation
 * replaces it.
 */
export class InFlight<T> {
  readonly done: Promise<T>;
  private readonly controller = new AbortController();
  private streamedText = '';
  private followers = 0;
  private settled = false;
  /** Stopped because nobody wants its output (as against stopped where the completion was decided). */
  private abandoned = false;
  private grace: ReturnType<typeof setTimeout> | undefined;
  private readonly watchers = new Set<() => void>();

  constructor(
    /** The document and window it was started for: what a newer request's typing is judged against. */
    readonly documentId: string,
    readonly window: DocumentWindow,
    readonly multiline: boolean,
    /**
     * The generation itself; it must not reject (errors belong in T). `onText` takes each streamed
     * piece; `stop` ends generation where the completion was decided (its output still serves).
     */
    run: (signal: AbortSignal, onText: (delta: string) => void, stop: () => void) => Promise<T>,
    private readonly graceMs = GRACE_MS,
  ) {
    this.done = run(this.controller.signal, (delta) => {
      // Text after a stop (one step's worth may still arrive) is past what anyone will use.
      if (this.controller.signal.aborted) return;
      this.streamedText += delta;
      for (const watch of this.watchers) watch();
    }, () => this.controller.abort());
    void this.done.then(() => {
      this.settled = true;
      clearTimeout(this.grace);
    });
  }

  /**
   * What was typed since this generation's request, when a request at `window` of the same
   * document only adds text before the cursor (same suffix) and that text agrees with what has
   * streamed so far (one starts with the other); undefined otherwise. The suffix is the window's
   * text from the cursor on, so a character typed in the middle of a line keeps it and an
   * auto-closed bracket changes it. A multi-line generation serves a single-line request (its
   * first line), not the other way round: a single-line generation stops at its line's end.
   */
  typedSince(documentId: string, window: DocumentWindow, multiline: boolean): string | undefined {
    if (this.abandoned || documentId !== this.documentId || (multiline && !this.multiline) || window.suffix !== this.window.suffix) return undefined;
    if (window.prefix.length <= this.window.prefix.length || !window.prefix.startsWith(this.window.prefix)) return undefined;
    const typed = window.prefix.slice(this.window.prefix.length);
    return agrees(this.streamedText, typed) ? typed : undefined;
  }

  /**
   * Waits for the result as one more caller that wants it: 'diverged' as soon as the streamed
   * text contradicts `typed`, 'decided' as soon as `isDecided` says the caller's completion is
   * in the streamed text (the generation then stops if nobody else follows it), 'cancelled' when
   * `signal` aborts first (it then goes on for GRACE_MS if nobody else follows it, unless
   * `keepOnCancel` is false).
   */
  follow(typed: string, signal: AbortSignal, options: { keepOnCancel?: boolean; isDecided?(streamed: string): boolean } = {}): Promise<Followed<T>> {
    const { keepOnCancel = true, isDecided } = options;
    if (signal.aborted) return Promise.resolve({ kind: 'cancelled' });
    this.followers++;
    clearTimeout(this.grace);
    return new Promise((resolve) => {
      let ended = false;
      const end = (followed: Followed<T>, letGo: 'now' | 'after-grace' | 'done') => {
        if (ended) return;
        ended = true;
        signal.removeEventListener('abort', onAbort);
        this.watchers.delete(watch);
        this.letGo(letGo);
        resolve(followed);
      };
      const onAbort = () => end({ kind: 'cancelled' }, keepOnCancel ? 'after-grace' : 'now');
      const watch = () => {
        if (!agrees(this.streamedText, typed)) end({ kind: 'diverged' }, 'now');
        else if (isDecided?.(this.streamedText)) end({ kind: 'decided', streamed: this.streamedText }, 'now');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (typed || isDecided) {
        this.watchers.add(watch);
        watch();
      }
      void this.done.then((value) => end({ kind: 'done', value }, 'done'));
    });
  }

  /** Stops it if nobody follows it (a request that cannot use it arrived). */
  stopIfUnfollowed(): void {
    if (this.followers === 0) this.stop();
  }

  /** Stops generation now, whoever follows it (a newer generation replaces it): its output is of use to nobody. */
  stop(): void {
    clearTimeout(this.grace);
    this.abandoned = true;
    this.controller.abort();
  }

  private letGo(how: 'now' | 'after-grace' | 'done'): void {
    this.followers--;
    if (this.followers > 0 || this.settled || how === 'done') return;
    if (how === 'now') this.stop();
    else this.grace = setTimeout(() => this.stopIfUnfollowed(), this.graceMs);
  }
}

/** Whether streamed model output and typed text can still be the same text: one starts with the other. */
function agrees(streamed: string, typed: string): boolean {
  return streamed.startsWith(typed) || typed.startsWith(streamed);
}
