export interface KeystrokeTiming {
  /** The configured base delay. */
  baseMs: number;
  /** Gap between this keystroke and the one before it. */
  gapMs: number;
  /** Mean gap over the last few keystrokes. */
  recentGapMs: number;
  atLineEnd: boolean;
  explicit: boolean;
}

/** Someone typing faster than ~8 characters a second is mid-word: a suggestion now would be stale at once. */
const FAST_TYPING_GAP_MS = 120;
/** After a second without typing, the user is likely waiting for a suggestion. */
const PAUSE_GAP_MS = 1000;

/**
 * How long to wait before asking the model: shorter at the end of a line and after a pause,
 * longer while typing fast, none for an explicit trigger.
 */
export function debounceDelay(t: KeystrokeTiming): number {
  if (t.explicit) return 0;
  let delay = t.baseMs;
  if (t.recentGapMs < FAST_TYPING_GAP_MS) delay *= 2;
  if (t.atLineEnd) delay /= 2;
  if (t.gapMs > PAUSE_GAP_MS) delay /= 2;
  return Math.round(delay);
}

/** Remembers recent keystroke times per document to feed debounceDelay. */
export class KeystrokeClock {
  private times: number[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records a keystroke; returns the gap to the previous one and the recent mean gap. */
  tick(): { gapMs: number; recentGapMs: number } {
    const t = this.now();
    this.times.push(t);
    if (this.times.length > 4) this.times.shift();
    if (this.times.length < 2) return { gapMs: Infinity, recentGapMs: Infinity };
    const gaps = this.times.slice(1).map((x, i) => x - this.times[i]);
    return { gapMs: gaps[gaps.length - 1], recentGapMs: gaps.reduce((a, b) => a + b, 0) / gaps.length };
  }
}
