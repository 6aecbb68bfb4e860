// The messages between the explain panel (explainPanel.ts, in the extension host) and its webview
// (media/explain.js, plain browser JS with no build step: it cannot import this file, so the two
// are kept in step by hand, and test/ui/explainWebview.test.ts drives one with the other).

/** What is explained, as the header shows it. */
export interface SubjectView {
  path: string;
  /** "line 12" or "lines 12–40". */
  lines: string;
  languageId: string;
  /** The code, highlighted (markdownView.renderCode). */
  codeHtml: string;
}

export type TurnState = 'streaming' | 'done' | 'stopped' | 'failed';

/** One question and its answer. */
export interface TurnView {
  /** The follow-up question; none for the first answer. */
  question?: string;
  /** The answer's Markdown rendered so far. */
  html: string;
  state: TurnState;
  /** "time to first token 310 ms · 24 tok/s · ..." once the answer ended; '' before. */
  figures: string;
  error?: string;
}

//#region To the webview (sent by ExplainConversation)
export type ToWebview =
  /** The whole conversation: on begin() (a new one), when a conversation takes the panel over, and
   *  whenever the webview (re)loads (after being hidden, or a reload) and says `ready`. */
  | { type: 'reset'; subject?: SubjectView; turns: TurnView[] }
  /** A new answer turn starts streaming; it becomes the current turn (#answer). */
  | { type: 'turn'; question?: string }
  /** The current answer's HTML so far: replaces what #answer shows. Throttled. */
  | { type: 'answer'; html: string }
  /** The current answer ended (after a last `answer` with its final HTML). */
  | { type: 'end'; state: Exclude<TurnState, 'streaming'>; figures: string; error?: string };
//#endregion

//#region From the webview (handled by ExplainPanel)
export type FromWebview =
  /** The script loaded: send it the conversation (`reset`). */
  | { type: 'ready' }
  /** The user pressed Stop. */
  | { type: 'stop' }
  /** The user sent a question from the follow-up box. */
  | { type: 'followUp'; text: string }
  /** Copy turn number `turn` (0 = the first) as its raw Markdown. */
  | { type: 'copyAnswer'; turn: number }
  /** Copy one code block's text. */
  | { type: 'copyCode'; text: string };
//#endregion

/** Whether a message from the webview has one of the shapes above (anything else is ignored). */
export function isFromWebview(value: unknown): value is FromWebview {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'stop':
      return true;
    case 'followUp':
    case 'copyCode':
      return typeof m.text === 'string';
    case 'copyAnswer':
      return Number.isInteger(m.turn);
    default:
      return false;
  }
}
