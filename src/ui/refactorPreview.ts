import * as vscode from 'vscode';

/** Proposed documents are served under this scheme: read-only, never on disk. */
const SCHEME = 'slm-refactor';
/** Streaming redraws the proposal at most this often: a diff recomputed per token would stall the editor. */
const REDRAW_MS = 100;

/**
 * The refactor preview: VS Code's diff editor between the document and a virtual copy of it with
 * the target lines replaced by the proposal, which streams in as the model writes. It shows; it
 * never edits the document (the command applies the accepted proposal as one edit).
 */
export class RefactorPreview implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly contents = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private serial = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      onDidChange: this.changed.event,
      provideTextDocumentContent: (uri) => this.contents.get(uri.toString()) ?? '',
    });
  }

  /** Opens the diff beside the document, which keeps the focus: the user sees both, and Accept/Reject work from either. */
  async open(document: vscode.TextDocument, lines: { startLine: number; endLine: number }, title: string): Promise<PreviewHandle> {
    const name = document.uri.path.split('/').pop() ?? 'document';
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}`, query: String(++this.serial) });
    const key = uri.toString();
    const original = document.getText();
    const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
    const documentLines = original.split(/\r?\n/);
    const compose = (replacement: string) => [...documentLines.slice(0, lines.startLine), replacement, ...documentLines.slice(lines.endLine + 1)].join(eol);
    this.contents.set(key, original);
    let pending: (() => string | undefined) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const replacement = pending?.();
      pending = undefined;
      if (replacement === undefined || !this.contents.has(key)) return;
      this.contents.set(key, compose(replacement));
      this.changed.fire(uri);
    };
    await vscode.commands.executeCommand('vscode.diff', document.uri, uri, title, { preview: false, preserveFocus: true, viewColumn: vscode.ViewColumn.Beside });
    await vscode.commands.executeCommand('setContext', 'slm.refactorPreview', true);
    return {
      uri,
      show: (replacement, now = false) => {
        pending = replacement;
        if (now) {
          clearTimeout(timer);
          flush();
        } else timer ??= setTimeout(flush, REDRAW_MS);
      },
      close: async () => {
        clearTimeout(timer);
        this.contents.delete(key);
        await vscode.commands.executeCommand('setContext', 'slm.refactorPreview', false);
        const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === key);
        if (tabs.length) await vscode.window.tabGroups.close(tabs);
      },
      isOpen: () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === key)),
    };
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

export interface PreviewHandle {
  uri: vscode.Uri;
  /**
   * Shows what `replacement` gives (undefined: nothing new) in place of the target lines, redrawn
   * at most every REDRAW_MS unless `now`; it runs only at a redraw, so a stream can pass the work
   * of turning its text so far into code without doing it per token.
   */
  show(replacement: () => string | undefined, now?: boolean): void;
  /** Closes the diff; the document is untouched. */
  close(): Promise<void>;
  /** Whether the diff tab is still open (the user may close it: that rejects). */
  isOpen(): boolean;
}
