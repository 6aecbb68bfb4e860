import { StopStrings } from '../../shared/stopStrings';

/**
 * The text of a streamed answer with stop strings applied on our side too (servers differ in
 * whether they hold back a partial stop string): text is passed on once it can no longer become
 * part of one, and the stream is stopped at the first one.
 */
export class StreamedText {
  private readonly stops: StopStrings;
  private text = '';
  private passed = 0;
  stopped = false;

  constructor(stopStrings: readonly string[] = [], private readonly onText?: (delta: string) => void) {
    this.stops = new StopStrings(stopStrings);
  }

  /** Takes a piece; true once a stop string was found (the text ends before it). */
  push(piece: string): boolean {
    if (this.stopped || !piece) return this.stopped;
    const from = this.text.length;
    this.text += piece;
    const at = this.stops.find(this.text, from);
    if (at >= 0) {
      this.text = this.text.slice(0, at);
      this.stopped = true;
    }
    this.pass(this.stopped ? this.text.length : this.stops.safeLength(this.text));
    return this.stopped;
  }

  /** The whole text, held-back tail included (the stream ended without a stop string). */
  finish(): string {
    this.pass(this.text.length);
    return this.text;
  }

  private pass(upTo: number): void {
    if (upTo <= this.passed) return;
    this.onText?.(this.text.slice(this.passed, upTo));
    this.passed = upTo;
  }
}
