/**
 * Stop strings over streamed text. A stop string may span tokens, so the check runs on the
 * accumulated text, and a tail that could still become a stop string is held back from the
 * stream until the next token decides it.
 */
export class StopStrings {
  private readonly maxLength: number;

  constructor(private readonly stops: readonly string[]) {
    this.maxLength = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** Index where the earliest stop string starts in `text`, searching from `from`; -1 if none. */
  find(text: string, from = 0): number {
    let first = -1;
    const start = Math.max(0, from - this.maxLength + 1);
    for (const stop of this.stops) {
      if (!stop) continue;
      const at = text.indexOf(stop, start);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }

  /** How much of `text` can be streamed: all but a tail that is a prefix of some stop string. */
  safeLength(text: string): number {
    for (let tail = Math.min(this.maxLength - 1, text.length); tail > 0; tail--) {
      const suffix = text.slice(text.length - tail);
      if (this.stops.some((s) => s.startsWith(suffix))) return text.length - tail;
    }
    return text.length;
  }
}
