import * as vscode from 'vscode';
import type { OpenDocument, OpenDocuments } from '../context/openDocuments';
import type { WorkspaceContext } from '../context/workspaceContext';
import { SERVED_SCHEMES } from '../languages/servedSchemes';

/** Documents larger than this are not parsed or offered as snippets (minified bundles, data). */
const MAX_CONTEXT_DOCUMENT_CHARS = 2_000_000;

/**
 * Each open document's text by version: getText() joins the document's lines anew on every call,
 * and the context sources read every open document for each prompt.
 */
const texts = new WeakMap<vscode.TextDocument, { version: number; text: string }>();

export function textOf(document: vscode.TextDocument): string {
  const known = texts.get(document);
  if (known?.version === document.version) return known.text;
  const text = document.getText();
  texts.set(document, { version: document.version, text });
  return text;
}

function isCode(document: vscode.TextDocument): boolean {
  return SERVED_SCHEMES.has(document.uri.scheme) && !document.isClosed && textOf(document).length <= MAX_CONTEXT_DOCUMENT_CHARS;
}

/** The open documents as the context sources read them; texts are read when a prompt is built, not per keystroke. */
export const openDocuments: OpenDocuments = {
  list(): OpenDocument[] {
    return vscode.workspace.textDocuments.filter(isCode).map((document) => ({
      uri: document.uri.toString(),
      path: vscode.workspace.asRelativePath(document.uri, false),
      languageId: document.languageId,
      text: textOf(document),
      version: document.version,
    }));
  },
};

/**
 * Forwards VS Code's document and file events to the context engine: opened documents are parsed
 * (off the typing path), edits mark trees for an incremental reparse, shown and edited files feed
 * the recent-snippets source, closed ones are forgotten, and files changed on disk are indexed again.
 */
export function trackDocuments(context: WorkspaceContext): vscode.Disposable {
  const open = (document: vscode.TextDocument) => {
    if (isCode(document)) void context.opened(document.uri.toString(), document.languageId, () => textOf(document));
  };
  vscode.workspace.textDocuments.forEach(open);
  for (const editor of vscode.window.visibleTextEditors) context.viewed(editor.document.uri.toString());
  // Files created, changed or deleted on disk (saves, git checkouts, generators) keep the workspace index current.
  const files = vscode.workspace.createFileSystemWatcher('**/*');
  const onDisk = (uri: vscode.Uri, change: (fsPath: string) => void) => uri.scheme === 'file' && change(uri.fsPath);
  return vscode.Disposable.from(
    files,
    files.onDidCreate((uri) => onDisk(uri, (p) => context.fileChanged(p))),
    files.onDidChange((uri) => onDisk(uri, (p) => context.fileChanged(p))),
    files.onDidDelete((uri) => onDisk(uri, (p) => context.fileDeleted(p))),
    vscode.workspace.onDidOpenTextDocument(open),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length) context.changed(e.document.uri.toString(), e.contentChanges);
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => editor && context.viewed(editor.document.uri.toString())),
    vscode.workspace.onDidCloseTextDocument((document) => context.closed(document.uri.toString())),
  );
}
