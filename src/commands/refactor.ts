import * as vscode from 'vscode';
import type { InferenceBackend } from '../backend/inferenceBackend';
import { refactorPrompt, refactorWarmup } from '../chat/chatPrompts';
import { PRESETS, presetFor, type Preset, type RecentInstructions } from '../chat/instructions';
import { RangeTracker } from '../chat/rangeTracker';
import { extractCode } from '../chat/extractCode';
import { reindent } from '../chat/reindent';
import { handleRefactorOutput } from '../chat/refactorOutput';
import { refactorMaxTokens, refactorTarget } from '../chat/refactorTarget';
import type { ContextBuilder } from '../context/contextEngine';
import { errorMessage } from '../shared/errors';
import type { RefactorPreview } from '../ui/refactorPreview';
import { editorTarget, type EditorTarget } from './chatTarget';

export interface RefactorDeps {
  backend: InferenceBackend;
  context?: ContextBuilder;
  recent: RecentInstructions;
  preview: RefactorPreview;
  log: vscode.LogOutputChannel;
}

/** The proposal on screen, waiting for Accept or Reject (commands, buttons, keys). */
let decide: ((accepted: boolean) => void) | undefined;

export function acceptRefactor(): void {
  decide?.(true);
}

export function rejectRefactor(): void {
  decide?.(false);
}

/**
 * "Refactor…": the selection's whole lines (or the scope at the cursor) rewritten by an
 * instruction. The prompt without the instruction is prefilled while the instruction is typed;
 * the proposal streams into a diff preview; it is checked (code, changed, no new syntax errors);
 * Accept applies it as one edit, only if the lines were not edited meanwhile. Nothing else ever
 * touches the document, and it is never saved.
 */
export async function refactorCommand(deps: RefactorDeps): Promise<void> {
  const found = await editorTarget(deps.backend, deps.context, 'refactor');
  if (!found) return;
  // The prompt's beginning is prefilled in the chat slot while the user types the instruction.
  const warmup = new AbortController();
  void deps.backend.chat({ ...refactorWarmup(found.target, found.code, found.context), maxNewTokens: 0 }, { signal: warmup.signal }).catch(() => undefined);
  const preset = await askInstruction(deps.recent, found.context.diagnostics.some((d) => d.line >= found.target.startLine && d.line <= found.target.endLine));
  if (!preset) {
    warmup.abort();
    return;
  }
  if (!PRESETS.includes(preset)) deps.recent.remember(preset.instruction);
  await propose(deps, found, preset);
}

/** One proposal for `preset` on the target; Retry runs another. */
async function propose(deps: RefactorDeps, found: EditorTarget, preset: Preset): Promise<void> {
  const { document, target } = found;
  const tracker = new RangeTracker(target.startLine, target.endLine);
  const watch = vscode.workspace.onDidChangeTextDocument((e) => e.document.uri.toString() === document.uri.toString() && tracker.apply(e.contentChanges));
  const prompt = refactorPrompt(target, found.code, preset.instruction, found.context);
  const edit = refactorTarget(document.getText(), target, found.indent, { prefilled: true, insertOnly: preset.insertOnly, instruction: preset.instruction });
  const preview = await deps.preview.open(document, target, `Refactor: ${preset.label} (proposal)`);
  let raw = '';
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Refactoring: ${preset.label}`, cancellable: true }, (_, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return deps.backend.chat(
        { messages: prompt.messages, prefill: prompt.prefill, stopStrings: prompt.stopStrings, maxNewTokens: refactorMaxTokens(target.text), speculation: { promptLookup: true } },
        {
          signal: controller.signal,
          onText: (delta) => {
            raw += delta;
            preview.show(() => {
              const partial = extractCode(raw, { prefilled: true, languageId: target.languageId, instruction: preset.instruction, selection: edit.original });
              return partial.kind === 'code' ? reindent(partial.code, edit.original, found.indent, edit.eol) : undefined;
            });
          },
        },
      );
    });
    deps.log.info(`refactor ${preset.label}: ${result.figures.promptTokens} prompt tokens (${result.figures.reusedPromptTokens} reused), ${result.figures.newTokens} new, ${result.figures.tokensPerSecond.toFixed(0)} tok/s${result.figures.speculation ? `, drafts ${result.figures.speculation.accepted}/${result.figures.speculation.drafted} accepted` : ''}, ${result.finishReason}`);
    if (result.finishReason === 'cancelled') return void (await preview.close());
    const outcome = await handleRefactorOutput(result.text, edit);
    if (!outcome.ok) {
      deps.log.info(`refactor ${preset.label}: not applied: ${outcome.reason}`);
      await preview.close();
      const pick = await vscode.window.showWarningMessage(`Local Code Completion: nothing applied. ${outcome.reason}`, 'Retry');
      if (pick === 'Retry') await propose(deps, found, preset);
      return;
    }
    const replacement = outcome.replacement.replace(/\r?\n$/, '');
    preview.show(() => replacement, true);
    deps.log.info(`refactor ${preset.label}: proposal ready, waiting for Accept or Reject`);
    const accepted = await decision(preview.isOpen);
    await preview.close();
    if (!accepted) return;
    const lines = tracker.current;
    if ('changed' in lines) {
      deps.log.warn(`refactor ${preset.label}: not applied: ${lines.changed}`);
      void vscode.window.showWarningMessage(`Local Code Completion: ${lines.changed}`);
      return;
    }
    // One edit, one undo step; the whole lines, their last line end included, as handleRefactorOutput planned it.
    const end = lines.endLine + 1 < document.lineCount ? new vscode.Position(lines.endLine + 1, 0) : document.lineAt(lines.endLine).range.end;
    const change = new vscode.WorkspaceEdit();
    change.replace(document.uri, new vscode.Range(lines.startLine, 0, end.line, end.character), outcome.replacement);
    if (!(await vscode.workspace.applyEdit(change))) void vscode.window.showErrorMessage('Local Code Completion: the edit could not be applied; the file is unchanged.');
  } catch (err) {
    await preview.close();
    deps.log.error(`refactor: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`Local Code Completion: refactor failed: ${errorMessage(err)}`);
  } finally {
    watch.dispose();
  }
}

/** Waits for Accept or Reject; closing the preview rejects. */
function decision(previewOpen: () => boolean): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const closed = vscode.window.tabGroups.onDidChangeTabs(() => !previewOpen() && done(false));
    const done = (accepted: boolean) => {
      decide = undefined;
      closed.dispose();
      resolve(accepted);
    };
    decide = done;
    void vscode.window.showInformationMessage('Local Code Completion: apply the proposed change?', 'Accept', 'Reject').then((pick) => pick && decide === done && done(pick === 'Accept'));
  });
}

/** The instruction: a preset, a recent one, or free text typed into the box. */
async function askInstruction(recent: RecentInstructions, hasProblems: boolean): Promise<Preset | undefined> {
  type Item = vscode.QuickPickItem & { preset?: Preset };
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = 'Refactor: what should change?';
  quickPick.placeholder = 'Type an instruction, or pick one';
  const fixed: Item[] = [
    ...PRESETS.filter((p) => hasProblems || p.label !== 'Fix the reported problems').map((p) => ({ label: p.label, detail: p.instruction, preset: p })),
    ...(recent.list().length ? [{ label: 'recent', kind: vscode.QuickPickItemKind.Separator } as Item] : []),
    ...recent.list().map((instruction) => ({ label: instruction, preset: presetFor(instruction) })),
  ];
  quickPick.items = fixed;
  quickPick.onDidChangeValue((value) => {
    const typed = value.trim();
    quickPick.items = typed ? [{ label: typed, description: 'your instruction', alwaysShow: true, preset: presetFor(typed) }, ...fixed] : fixed;
  });
  return new Promise<Preset | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.preset);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}
