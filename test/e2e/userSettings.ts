import * as fs from 'node:fs';
import * as path from 'node:path';
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
  await vscode.press('Control+A');
  await vscode.press('Delete');
  await vscode.page.keyboard.insertText(JSON.stringify({ ...settings, ...change }));
  await vscode.save();
}

/** The settings that let updateUserSettings type JSON into the editor unchanged. */
export const TYPED_SETTINGS = { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoSurround': 'never' };
