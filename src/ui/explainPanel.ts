import * as vscode from 'vscode';
import { ExplainConversation, type AnswerFigures, type ExplainSubject } from './explainConversation';
import { explainHtml, newNonce } from './explainHtml';
import { isFromWebview, type FromWebview } from './explainProtocol';

export type { AnswerFigures, ExplainSubject };

const VIEW_TYPE = 'slm.explain';

/**
 * The Explain panel: one webview beside the editor, one conversation at a time. Each `show()`
 * starts a conversation and returns a new ExplainPanel for it; the webview itself is reused. The
 * conversation it replaces ends as if its panel had closed: `onStop` if an answer was streaming,
 * then `onDidDispose`; its methods do nothing from then on and its `dispose()` leaves the panel to
 * its successor. So a caller never hears of another caller's Stop or follow-up.
 *
 * What it shows lives in ExplainConversation; the webview mirrors it and is rebuilt from it each
 * time it loads, so it does not need `retainContextWhenHidden` (and its memory) to survive being
 * hidden. Streaming continues while hidden; the answer so far appears when the panel shows again.
 */
export class ExplainPanel implements vscode.Disposable {
  private static current: ExplainPanel | undefined;

  private readonly stopEmitter = new vscode.EventEmitter<void>();
  private readonly followUpEmitter = new vscode.EventEmitter<string>();
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  /** The user pressed Stop, or the panel closed (or was taken over) mid-answer. */
  readonly onStop = this.stopEmitter.event;
  /** The user asked a follow-up question (never while an answer streams). */
  readonly onFollowUp = this.followUpEmitter.event;
  /** This conversation ended: the panel closed, was disposed, or the next show() took it over. */
  readonly onDidDispose = this.disposeEmitter.event;

  private readonly conversation: ExplainConversation;
  private readonly subscriptions: vscode.Disposable[];
  private detached = false;
  /** The answer (ExplainConversation.answerSerial) onStop last fired for: once per answer. */
  private stopFiredFor = 0;

  /** Reveals the panel (keeping the editor's focus) for a new conversation, or creates it beside the editor. */
  static show(extensionUri: vscode.Uri, title: string): ExplainPanel {
    const previous = ExplainPanel.current;
    let panel: vscode.WebviewPanel;
    if (previous) {
      panel = previous.release();
      panel.title = title;
      panel.reveal(undefined, true);
    } else {
      const media = vscode.Uri.joinPath(extensionUri, 'media');
      panel = vscode.window.createWebviewPanel(
        VIEW_TYPE,
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false },
      );
      const webview = panel.webview;
      webview.html = explainHtml({
        cspSource: webview.cspSource,
        nonce: newNonce(),
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'explain.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'explain.css')).toString(),
        title,
      });
    }
    ExplainPanel.current = new ExplainPanel(panel);
    return ExplainPanel.current;
  }

  private constructor(private readonly panel: vscode.WebviewPanel) {
    this.conversation = new ExplainConversation((message) => void this.panel.webview.postMessage(message));
    this.subscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (isFromWebview(message)) this.receive(message);
      }),
      panel.onDidDispose(() => this.detach()),
    ];
    // A reused webview still shows the previous conversation.
    void panel.webview.postMessage(this.conversation.snapshot());
  }

  /** A new conversation: what is explained (path, lines) as a header; clears earlier turns. */
  begin(subject: ExplainSubject): void {
    if (!this.detached) this.conversation.begin(subject);
  }

  /** A new answer turn; `question` is shown above it for follow-ups. */
  startAnswer(question?: string): void {
    if (!this.detached) this.conversation.startAnswer(question);
  }

  /** Streamed Markdown text of the current answer. */
  append(delta: string): void {
    if (!this.detached) this.conversation.append(delta);
  }

  /** The answer ended: shows its figures ("time to first token 310 ms · 24 tok/s"), or that it was stopped. */
  finish(figures: AnswerFigures, stopped: boolean): void {
    if (!this.detached) this.conversation.finish(figures, stopped);
  }

  /** The answer failed: the message is shown, and the follow-up box stays open to ask again. */
  fail(message: string): void {
    if (!this.detached) this.conversation.fail(message);
  }

  /** Ends this conversation and closes the panel (unless a newer conversation has it). */
  dispose(): void {
    if (this.detached) return;
    this.detach();
    this.panel.dispose();
  }

  private receive(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        void this.panel.webview.postMessage(this.conversation.snapshot());
        break;
      case 'stop':
        this.fireStop();
        break;
      case 'followUp': {
        const question = message.text.trim();
        if (question && !this.conversation.answering) this.followUpEmitter.fire(question);
        break;
      }
      case 'copyAnswer': {
        const markdown = this.conversation.markdownOf(message.turn);
        if (markdown !== undefined) void vscode.env.clipboard.writeText(markdown);
        break;
      }
      case 'copyCode':
        void vscode.env.clipboard.writeText(message.text);
        break;
    }
  }

  /** Hands the webview to the next conversation. */
  private release(): vscode.WebviewPanel {
    this.detach();
    return this.panel;
  }

  private fireStop(): void {
    if (!this.conversation.answering || this.stopFiredFor === this.conversation.answerSerial) return;
    this.stopFiredFor = this.conversation.answerSerial;
    this.stopEmitter.fire();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    if (ExplainPanel.current === this) ExplainPanel.current = undefined;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.fireStop();
    this.conversation.dispose();
    this.disposeEmitter.fire();
    this.stopEmitter.dispose();
    this.followUpEmitter.dispose();
    this.disposeEmitter.dispose();
  }
}
