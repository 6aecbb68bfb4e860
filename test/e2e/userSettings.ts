import * as fs from 'node:fs';
import * as path from 'node:path';
import type { VsCodeSession } from './vscode';

/**
 * Edits user settings as a user would: settings.json in the editor, then save (VS Code does not
 * always notice the file changing under it). Needs `editor.autoClosingBrackets`, `autoClosingQuotes`
 * and `autoSurround` off in the session: the text is inserted as typed.
 */
export async function updateUserSettings(vscode: VsCodeSession, change: Record<string, unknown>): Promise<void> {
  const file = path.join(vscode.userDataDir, 'User', 'settings.json');
  const text = fs.readFileSync(file, 'utf8');
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

/** What the editor needs so that updateUserSettings's inserted text stays as it is. */
export const PLAIN_TYPING = { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoSurround': 'never' };
