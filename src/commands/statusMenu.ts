import * as vscode from 'vscode';
import type { PauseState } from '../ui/pauseState';

/** The status bar menu: pause, snooze, per-language switch, log, model, settings. */
export async function showStatusMenu(pause: PauseState): Promise<void> {
  const language = vscode.window.activeTextEditor?.document.languageId;
  type Item = vscode.QuickPickItem & { run?: () => unknown };
  const items: Item[] = [
    pause.active
      ? { label: '$(debug-start) Resume completions', run: () => pause.resume() }
      : { label: '$(debug-pause) Pause completions', run: () => pause.pause() },
    ...[5, 15, 60].map((m) => ({ label: `$(clock) Snooze for ${m} minutes`, run: () => pause.snooze(m) })),
    ...(language ? [{ label: `$(symbol-namespace) Enable or disable for ${language}`, run: () => toggleLanguage(language) }] : []),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(comment-discussion) Explain selection', run: () => vscode.commands.executeCommand('slm.explain') },
    { label: '$(wand) Refactor selection…', run: () => vscode.commands.executeCommand('slm.refactor') },
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(output) Open log', run: () => vscode.commands.executeCommand('slm.openLog') },
    { label: '$(cloud-download) Download model…', run: () => vscode.commands.executeCommand('slm.downloadModel') },
    { label: '$(folder-opened) Choose model folder…', run: () => vscode.commands.executeCommand('slm.chooseModel') },
    { label: '$(gear) Open settings', run: () => vscode.commands.executeCommand('slm.openSettings') },
  ];
  const choice = await vscode.window.showQuickPick(items, { title: 'Local Code Completion' });
  await choice?.run?.();
}

/** Flips `slm.enabledLanguages[language]`, keeping the other entries. */
export async function toggleLanguage(language: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('slm');
  const current = { ...(config.get<Record<string, boolean>>('enabledLanguages') ?? {}) };
  const enabled = current[language] ?? current['*'] ?? true;
  current[language] = !enabled;
  await config.update('enabledLanguages', current, vscode.ConfigurationTarget.Global);
  vscode.window.setStatusBarMessage(`Local Code Completion ${enabled ? 'disabled' : 'enabled'} for ${language}`, 3000);
}

export async function askSnooze(pause: PauseState): Promise<void> {
  const pick = await vscode.window.showQuickPick(['5', '15', '60'], { title: 'Snooze completions for how many minutes?' });
  if (pick) pause.snooze(Number(pick));
}
