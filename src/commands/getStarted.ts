import * as vscode from 'vscode';

/** The walkthrough in package.json (`contributes.walkthroughs`), as `publisher.name#id`. */
const WALKTHROUGH = 'slm-local.slm-complete#slm.setup';

/** Opens the walkthrough: choose and download a model, GPU acceleration, try a completion, try Explain. */
export function openWalkthrough(): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
}

/** A function whose body the model can complete: the walkthrough's "try a completion" step. */
const SAMPLE = `def average(values: list[float]) -> float:
    """The arithmetic mean of values; 0.0 for an empty list."""
    if not values:
        return 0.0
    return `;

/** Opens an untitled Python file with a function to finish, the cursor where ghost text appears, and asks for a completion. */
export async function tryCompletion(): Promise<void> {
  const document = await vscode.workspace.openTextDocument({ language: 'python', content: SAMPLE });
  const editor = await vscode.window.showTextDocument(document);
  const end = document.lineAt(document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
}
