import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { VsCodeSession } from './vscode';

/** Where a session's user settings live. */
export const settingsFileOf = (vscode: VsCodeSession): string => path.join(vscode.userDataDir, 'User', 'settings.json');

/**
 * Edits user settings as a user would: settings.json in the editor, then save (a write to the
 * file behind VS Code's back is not always noticed). Needs the editor's automatic closing of
 * brackets and quotes off (`editor.autoClosingBrackets` etc. 'never'), since the text is typed in.
 */
export async function updateUserSettings(vscode: VsCodeSession, change: Record<string, unknown>): Promise<void> {
  const text = fs.readFileSync(settingsFileOf(vscode), 'utf8');
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(text);
  } catch {
    throw new Error(`settings.json is not JSON: ${JSON.stringify(text)}`);
  }
  await vscode.runCommand('Preferences: Open User Settings (JSON)');
  // The palette closes before settings.json has the focus (right after it closed, the editor
  // before it still had it, 2 of 2 probes here): keys sent in between edit that editor and leave
  // settings.json unchanged, and the test waits for a settings change that never happened (the
  // likely cause of a CI flake in offline.test.ts). It may open as a modal editor, without a tab:
  // wait for the focused editor's document. The saved file is checked too.
  await vscode.page.locator('.monaco-editor.focused[data-uri$="/User/settings.json"]').waitFor({ timeout: 30_000 });
  const wanted = { ...settings, ...change };
  await vscode.press('Control+A');
  await vscode.press('Delete');
  await vscode.page.keyboard.insertText(JSON.stringify(wanted));
  await vscode.save();
  for (let tries = 0; ; tries++) {
    const written = fs.readFileSync(settingsFileOf(vscode), 'utf8');
    if (sameJson(written, wanted)) return;
    if (tries === 25) throw new Error(`settings.json was not saved as typed: ${JSON.stringify(written)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function sameJson(text: string, wanted: unknown): boolean {
  try {
    return isDeepStrictEqual(JSON.parse(text), wanted);
  } catch {
    return false;
  }
}

/** The settings that let updateUserSettings type JSON into the editor unchanged. */
export const TYPED_SETTINGS = { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoSurround': 'never' };
