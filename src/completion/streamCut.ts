/**
 * Stops generation once a multi-line completion is decided, on any backend that streams its text
 * (StreamOptions.onText) and stops when its signal aborts: small models write on past the end of
 * the block until slm.maxNewTokens, and the post-processing cuts that text away anyway (Continue's
 * stream transforms stop the model the same way). `isCut` judges the text streamed so far (see
 * CompletionService.cutOnStream) after every piece, each well under a millisecond against ~30 ms a
 * decode step.
 */
export class StreamCut {
  private streamed = '';
  private judgedTo = 0;
  private stopped = false;

  constructor(
    /** `newLines`: whether a line became whole with the last piece (rules that read whole lines only need not run again otherwise). */
    private readonly isCut: (streamed: string, newLines: boolean) => boolean,
    private readonly stop: () => void,
  ) {}

  /** Takes the next piece of text; stops generation when the completion is decided with it. */
  readonly onText = (delta: string): void => {
    if (this.stopped) return;
    this.streamed += delta;
    const lineEnd = this.streamed.lastIndexOf('\n') + 1;
    const newLines = lineEnd > this.judgedTo;
    this.judgedTo = lineEnd;
    if (!this.isCut(this.streamed, newLines)) return;
    this.stopped = true;
    this.stop();
  };

  /** The text streamed up to the decision, or undefined while generation is undecided. */
  get decided(): string | undefined {
    return this.stopped ? this.streamed : undefined;
  }
}
