import * as vscode from 'vscode';
import type { CacheWarmer } from '../completion/cacheWarmer';
import type { CompletionRequest, CompletionService } from '../completion/completionService';
import { textOf } from './contextTracker';

/** Why a request is not served (paused, disabled language, huge file...), or undefined to serve it. */
export type Gate = (document: vscode.TextDocument, position: vscode.Position) => string | undefined;

/** The thin VS Code adapter over the editor-agnostic CompletionService. */
export class InlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly service: CompletionService,
    private readonly gate: Gate,
    private readonly ready: (token: vscode.CancellationToken) => Promise<boolean>,
    private readonly onSkip: (reason: string) => void,
    private readonly onError: (err: unknown) => void,
    private readonly warmer?: Pick<CacheWarmer, 'requested'>,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    const skip = this.gate(document, position);
    if (skip) {
      this.onSkip(skip);
      return undefined;
    }
    if (!(await this.ready(token)) || token.isCancellationRequested) return undefined;
    const controller = new AbortController();
    const subscription = token.onCancellationRequested(() => controller.abort());
    try {
      const request = completionRequest(document, position, context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke);
      this.warmer?.requested(request);
      const completion = await this.service.provide(request, controller.signal);
      if (!completion || token.isCancellationRequested) return undefined;
      return [new vscode.InlineCompletionItem(completion.text, new vscode.Range(position, position))];
    } catch (err) {
      this.onError(err);
      return undefined;
    } finally {
      subscription.dispose();
    }
  }
}

/** What the completion pipeline is told of a place in a document (it reads the lines it needs). */
export function completionRequest(document: vscode.TextDocument, position: vscode.Position, explicit: boolean): CompletionRequest {
  return {
    documentId: document.uri.toString(),
    document: { lineCount: document.lineCount, lineText: (line) => document.lineAt(line).text },
    languageId: document.languageId,
    position: { line: position.line, character: position.character },
    explicit,
    filePath: document.uri.scheme === 'file' ? vscode.workspace.asRelativePath(document.uri, false) : undefined,
    repoName: vscode.workspace.name,
    fullText: () => ({ text: textOf(document), cursorOffset: document.offsetAt(position) }),
  };
}
