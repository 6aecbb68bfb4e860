import type { InferenceBackend } from '../backend/inferenceBackend';
import { errorMessage } from '../shared/errors';
import type { CompletionRequest, CompletionService } from './completionService';

/** How long the cursor rests at a new line before its prompt is prefilled. */
export const WARM_UP_IDLE_MS = 600;
/** Idle times a warm-up waits for the model to be free before it gives up. */
const MAX_TRIES = 10;

export interface CacheWarmerOptions {
  service: Pick<CompletionService, 'plan' | 'addContext'>;
  backend: Pick<InferenceBackend, 'infill'>;
  /** Whether a warm-up may run now: enabled, a model ready, nothing generating (else it is tried again later). */
  canWarm(): boolean;
  log?(line: string): void;
  idleMs?: number;
}

/**
 * Prefills the prompt of the place the cursor rests at, so that the first keystroke there is
 * answered from a warm cache (the engine's prefix reuse, or an inference server's prompt cache)
 * instead of prefilling ~1,000 tokens cold: after the cursor moved to another line or file and
 * stayed there for WARM_UP_IDLE_MS. The prompt is the one a completion there would send (same
 * window and context), with one new token. A real request cancels a warm-up at once (the engine
 * stops within a prefill chunk, and keeps what it has prefilled); at a line a completion or a
 * warm-up already covered, nothing is sent.
 */
export class CacheWarmer {
  /** The warm-up waiting for the cursor to rest, and the line it is for. */
  private pending: { timer: NodeJS.Timeout; spot: string } | undefined;
  private running: AbortController | undefined;
  /** The line the model's cache was last filled for (by a warm-up or a request). */
  private warmAt: string | undefined;

  constructor(private readonly options: CacheWarmerOptions) {}

  /**
   * The cursor moved to `line` of `documentId`: after the idle time, warm the place `request()`
   * then describes (undefined: the cursor left, or the document may not be served), unless that
   * line is warm already.
   */
  cursorAt(documentId: string, line: number, request: () => CompletionRequest | undefined): void {
    const spot = spotOf({ documentId, position: { line } });
    if (spot === this.warmAt) return;
    this.cancel();
    this.arm(spot, request, MAX_TRIES);
  }

  /**
   * A completion request takes the model: a running warm-up stops, and the request's prompt warms
   * its own line. A warm-up pending for another line stays: the request may be for the place the
   * cursor just left (VS Code asks ~50 ms after the last keystroke).
   */
  requested(request: CompletionRequest): void {
    this.running?.abort();
    this.running = undefined;
    this.warmAt = spotOf(request);
    if (this.pending?.spot === this.warmAt) this.clearPending();
  }

  /** `documentId` was edited: the prompt warmed there is not the one a request would send now. */
  edited(documentId: string): void {
    if (this.warmAt?.startsWith(`${documentId}\u0000`)) this.warmAt = undefined;
  }

  /** The model changed or completions stopped: whatever was warm is not any more. */
  reset(): void {
    this.cancel();
    this.warmAt = undefined;
  }

  cancel(): void {
    this.clearPending();
    this.running?.abort();
    this.running = undefined;
  }

  private arm(spot: string, at: () => CompletionRequest | undefined, tries: number): void {
    const timer = setTimeout(() => {
      this.pending = undefined;
      // Busy (a completion generating, the model loading): try again after another idle time.
      if (!this.options.canWarm()) return tries > 1 ? this.arm(spot, at, tries - 1) : undefined;
      void this.warm(at);
    }, this.options.idleMs ?? WARM_UP_IDLE_MS);
    this.pending = { timer, spot };
  }

  private clearPending(): void {
    clearTimeout(this.pending?.timer);
    this.pending = undefined;
  }

  private async warm(at: () => CompletionRequest | undefined): Promise<void> {
    const request = at();
    if (!request) return;
    const spot = spotOf(request);
    if (spot === this.warmAt) return;
    const controller = new AbortController();
    this.running = controller;
    const started = performance.now();
    try {
      const plan = this.options.service.plan(request);
      // A failing context engine costs the warm-up its snippets, as it costs a completion.
      await this.options.service.addContext(request, plan).catch(() => undefined);
      if (controller.signal.aborted) return;
      this.warmAt = spot;
      const result = await this.options.backend.infill({ ...plan.params, maxNewTokens: 1, stopStrings: [] }, { signal: controller.signal });
      if (result.finishReason === 'cancelled') return this.cold(spot);
      const { promptTokens, reusedPromptTokens } = result.figures;
      this.options.log?.(`warm-up at line ${request.position.line + 1}: ${promptTokens} prompt tokens, ${reusedPromptTokens} reused, ${(performance.now() - started).toFixed(0)} ms`);
    } catch (err) {
      this.cold(spot);
      if (!controller.signal.aborted) this.options.log?.(`warm-up failed: ${errorMessage(err)}`);
    } finally {
      if (this.running === controller) this.running = undefined;
    }
  }

  /** The warm-up at `spot` did not fill the cache (unless a request has since taken its place). */
  private cold(spot: string): void {
    if (this.warmAt === spot) this.warmAt = undefined;
  }
}

function spotOf(request: Pick<CompletionRequest, 'documentId'> & { position: { line: number } }): string {
  return `${request.documentId}\u0000${request.position.line}`;
}
