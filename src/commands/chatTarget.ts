import * as vscode from 'vscode';
import type { BackendRole, InferenceBackend } from '../backend/inferenceBackend';
import { promptContext } from '../chat/chatContext';
import type { PromptContext } from '../chat/chatPrompts';
import { codeTarget, type CodeTarget } from '../chat/codeTarget';
import { dedent } from '../chat/dedent';
import type { IndentOptions } from '../shared/indentation';
import type { ContextBuilder } from '../context/contextEngine';
import { CHARS_PER_TOKEN, estimateTokens } from '../prompt/promptBudget';

/** A selection longer than this does not fit a small model's prompt with room for its answer. */
const MAX_TARGET_TOKENS = 6000;

/** What Explain and Refactor work on in the active editor, with the prompt's context. */
export interface EditorTarget {
  editor: vscode.TextEditor;
  document: vscode.TextDocument;
  version: number;
  target: CodeTarget;
  /** The target's lines dedented, as the prompt shows them. */
  code: string;
  indent: IndentOptions;
  context: PromptContext;
}

/**
 * The active editor's target (the selection as whole lines, or the scope at the cursor) and its
 * context, or undefined after telling the user why not (no editor, no chat model, too long).
 */
export async function editorTarget(backend: InferenceBackend, context: ContextBuilder | undefined, what: string): Promise<EditorTarget | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(`Local Code Completion: open a file and select the code to ${what}.`);
    return undefined;
  }
  if (!(await chatReady(backend))) return undefined;
  const { document } = editor;
  const version = document.version;
  const text = document.getText();
  const path = document.uri.scheme === 'file' ? vscode.workspace.asRelativePath(document.uri, false) : document.uri.path.split('/').pop() ?? 'untitled';
  const target = await codeTarget({ path, languageId: document.languageId, text }, editor.selection);
  if (estimateTokens(target.text) > MAX_TARGET_TOKENS) {
    void vscode.window.showWarningMessage(`Local Code Completion: ${target.endLine - target.startLine + 1} lines are too many for the local model to ${what} at once; select fewer (about ${MAX_TARGET_TOKENS * CHARS_PER_TOKEN} characters at most).`);
    return undefined;
  }
  const indent = indentOf(editor);
  editor.selection = new vscode.Selection(target.startLine, 0, target.endLine, document.lineAt(target.endLine).text.length);
  const diagnostics = vscode.languages.getDiagnostics(document.uri).map((d) => ({
    line: d.range.start.line,
    severity: d.severity === vscode.DiagnosticSeverity.Error ? ('error' as const) : d.severity === vscode.DiagnosticSeverity.Warning ? ('warning' as const) : ('info' as const),
    message: d.message,
  }));
  return { editor, document, version, target, code: dedent(target.text, indent.tabSize), indent, context: await promptContext(context, target, { uri: document.uri.toString(), text }, diagnostics) };
}

/** Whether the chat role can answer; says why not, with what to do. */
export async function chatReady(backend: InferenceBackend, role: BackendRole = 'chat'): Promise<boolean> {
  if (await backend.ready(role)) return true;
  const state = backend.state(role);
  const why = state.kind === 'error' ? state.message : state.kind === 'noModel' ? state.detail : 'the chat model is not ready';
  const pick = await vscode.window.showErrorMessage(`Local Code Completion: Explain and Refactor need a model that can chat: ${why}`, 'Download Model…', 'Open Settings');
  if (pick === 'Download Model…') void vscode.commands.executeCommand('slm.downloadModel');
  if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'slm.chatModel');
  return false;
}

function indentOf(editor: vscode.TextEditor): IndentOptions {
  const { insertSpaces, tabSize } = editor.options;
  return { insertSpaces: insertSpaces !== false, tabSize: typeof tabSize === 'number' ? tabSize : 4 };
}
