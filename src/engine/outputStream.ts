import type { FinishReason } from '../shared/generation';
import { StopStrings } from '../shared/stopStrings';
import { StreamDecoder, type ModelTokenizer } from './tokenizer';

/** Receives each piece of generated text once it is final, with the token that completed it. */
export type TokenListener = (textDelta: string, tokenId: number) => void;

/**
 * The generated tokens and their text: applies the stop tokens, stop strings and the token
 * limit to each token, and streams text once it can no longer become part of a stop string.
 */
export class OutputStream {
  readonly tokenIds: number[] = [];
  private readonly decoder: StreamDecoder;
  private readonly stops: StopStrings;
  private textSoFar = '';
  private streamed = 0;

  constructor(
    tokenizer: ModelTokenizer,
    private readonly stopIds: ReadonlySet<number>,
    stopStrings: readonly string[],
    private readonly maxNewTokens: number,
    private readonly onToken?: TokenListener,
  ) {
    this.decoder = new StreamDecoder(tokenizer);
    this.stops = new StopStrings(stopStrings);
  }

  get text(): string {
    return this.textSoFar;
  }

  get remaining(): number {
    return this.maxNewTokens - this.tokenIds.length;
  }

  /** Takes the next token; returns why generation ends with it, if it does. */
  push(id: number): FinishReason | undefined {
    if (this.stopIds.has(id)) return 'stop-token';
    this.tokenIds.push(id);
    this.decoder.push(id);
    const stopAt = this.stops.find(this.decoder.text, this.textSoFar.length);
    this.textSoFar = stopAt >= 0 ? this.decoder.text.slice(0, stopAt) : this.decoder.text;
    const safe = stopAt >= 0 ? this.textSoFar.length : this.stops.safeLength(this.textSoFar);
    if (safe > this.streamed) {
      this.onToken?.(this.textSoFar.slice(this.streamed, safe), id);
      this.streamed = safe;
    }
    if (stopAt >= 0) return 'stop-string';
    return this.tokenIds.length >= this.maxNewTokens ? 'max-tokens' : undefined;
  }

  /** Streams a held-back tail that never became a stop string. */
  finish(reason: FinishReason): void {
    if (reason !== 'stop-string' && this.streamed < this.textSoFar.length) {
      this.onToken?.(this.textSoFar.slice(this.streamed), this.tokenIds[this.tokenIds.length - 1]);
      this.streamed = this.textSoFar.length;
    }
  }
}
