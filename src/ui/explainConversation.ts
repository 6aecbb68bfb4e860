// What the explain panel shows, owned on the extension side: the subject and each turn's Markdown,
// state and figures. The webview only mirrors it (a `reset` rebuilds it from here whenever the
// webview reloads), so nothing is lost when the panel is hidden. Pure: no vscode; ExplainPanel
// gives it a function that posts to the webview.
import { renderCode, renderMarkdown } from './markdownView';
import type { SubjectView, ToWebview, TurnState, TurnView } from './explainProtocol';

/** How an answer went, as the backend's chat figures give it. */
export interface AnswerFigures {
  timeToFirstTokenMs?: number;
  tokensPerSecond: number;
  newTokens: number;
  totalMs: number;
}

/** What is explained. Lines are 1-based, as the editor's gutter shows them (a vscode Range's line + 1). */
export interface ExplainSubject {
  path: string;
  startLine: number;
  endLine: number;
  languageId: string;
  code: string;
}

/**
 * The streaming answer is rendered again in full as text arrives, on the extension host, which
 * also serves completions. Rendering costs ~0.15-0.4 ms per KB of prose and ~0.8 ms per KB of
 * code still being highlighted (closed code blocks are cached, markdownView.ts): a 10 KB answer
 * re-renders in ~2-4 ms on a 2-core AVX-512 machine. So renders come at most every
 * MIN_INTERVAL_MS (80 ms: ~12 updates a second, 2 tokens apart at 24 tok/s, smooth to the eye),
 * and after a render that took R ms the next waits at least RENDER_SHARE * R (capped at
 * MAX_INTERVAL_MS): rendering takes at most ~1/9 of the host's time however long the answer grows.
 */
export const MIN_INTERVAL_MS = 80;
const MAX_INTERVAL_MS = 1000;
const RENDER_SHARE = 8;

interface Turn extends TurnView {
  markdown: string;
}

export class ExplainConversation {
  private subject: SubjectView | undefined;
  private languageId: string | undefined;
  private turns: Turn[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastRenderAt = -Infinity;
  private intervalMs: number;
  private answers = 0;

  constructor(
    private readonly post: (message: ToWebview) => void,
    private readonly minIntervalMs = MIN_INTERVAL_MS,
  ) {
    this.intervalMs = minIntervalMs;
  }

  /** An answer is streaming (started, not yet finished or failed). */
  get answering(): boolean {
    return this.current?.state === 'streaming';
  }

  /** Counts the answers started, so a listener can tell one answer from the next. */
  get answerSerial(): number {
    return this.answers;
  }

  /** A new conversation: clears earlier turns. */
  begin(subject: ExplainSubject): void {
    this.cancelRender();
    this.languageId = subject.languageId;
    this.subject = { path: subject.path, lines: lineRange(subject.startLine, subject.endLine), languageId: subject.languageId, codeHtml: renderCode(subject.code, subject.languageId) };
    this.turns = [];
    this.post(this.snapshot());
  }

  /** A new answer turn. An answer still streaming ends as stopped (its caller moved on). */
  startAnswer(question?: string): void {
    if (this.answering) this.end('stopped', '');
    this.answers++;
    this.turns.push({ question, markdown: '', html: '', state: 'streaming', figures: '' });
    this.intervalMs = this.minIntervalMs;
    this.post({ type: 'turn', question });
  }

  /** More of the current answer's Markdown; ignored when no answer streams. */
  append(delta: string): void {
    const turn = this.current;
    if (!delta || turn?.state !== 'streaming') return;
    turn.markdown += delta;
    this.timer ??= setTimeout(() => this.render(), Math.max(0, this.lastRenderAt + this.intervalMs - performance.now()));
  }

  finish(figures: AnswerFigures, stopped: boolean): void {
    if (!this.answering) return;
    this.end(stopped ? 'stopped' : 'done', describeFigures(figures, stopped));
  }

  /** The answer failed; with no answer streaming, the failure gets a turn of its own. */
  fail(message: string): void {
    if (!this.answering) this.startAnswer();
    this.end('failed', '', message);
  }

  /** The whole conversation, for a webview that (re)loaded. */
  snapshot(): ToWebview {
    const turn = this.current;
    if (this.timer && turn) {
      // the render due goes out with the reset instead
      this.cancelRender();
      turn.html = this.renderTurn(turn, true);
    }
    return { type: 'reset', subject: this.subject, turns: this.turns.map(({ markdown: _, ...view }) => view) };
  }

  /** The raw Markdown of turn `index` (what Copy copies). */
  markdownOf(index: number): string | undefined {
    return this.turns[index]?.markdown;
  }

  dispose(): void {
    this.cancelRender();
  }

  private get current(): Turn | undefined {
    return this.turns.at(-1);
  }

  private end(state: Exclude<TurnState, 'streaming'>, figures: string, error?: string): void {
    const turn = this.current!;
    this.cancelRender();
    turn.html = this.renderTurn(turn, false);
    Object.assign(turn, { state, figures, error });
    this.post({ type: 'answer', html: turn.html });
    this.post({ type: 'end', state, figures, error });
  }

  private render(): void {
    this.timer = undefined;
    const turn = this.current;
    if (turn?.state !== 'streaming') return;
    const started = performance.now();
    turn.html = this.renderTurn(turn, true);
    this.lastRenderAt = performance.now();
    this.intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(this.minIntervalMs, RENDER_SHARE * (this.lastRenderAt - started)));
    this.post({ type: 'answer', html: turn.html });
  }

  private renderTurn(turn: Turn, streaming: boolean): string {
    return renderMarkdown(turn.markdown, { defaultLanguage: this.languageId, streaming });
  }

  private cancelRender(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** "time to first token 310 ms · 24 tok/s · 182 tokens in 7.9 s", "stopped · ..." when stopped. */
export function describeFigures(figures: AnswerFigures, stopped: boolean): string {
  const parts = stopped ? ['stopped'] : [];
  if (figures.timeToFirstTokenMs !== undefined) parts.push(`time to first token ${Math.round(figures.timeToFirstTokenMs)} ms`);
  if (figures.newTokens > 0) {
    const rate = figures.tokensPerSecond;
    parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)} tok/s`);
    parts.push(`${figures.newTokens} ${figures.newTokens === 1 ? 'token' : 'tokens'} in ${(figures.totalMs / 1000).toFixed(1)} s`);
  } else parts.push('no tokens');
  return parts.join(' · ');
}

function lineRange(start: number, end: number): string {
  return start === end ? `line ${start}` : `lines ${start}–${end}`;
}
