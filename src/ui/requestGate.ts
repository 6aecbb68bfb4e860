import * as vscode from 'vscode';
import type { PauseState } from './pauseState';
import type { Settings } from '../settings/settings';
import { skipReason } from './skipReason';

/**
 * Decides per keystroke whether a request is served. Never reads the whole document: its size
 * comes from the last line's offset.
 */
export function requestGate(settings: () => Settings, pause: PauseState) {
  return (document: vscode.TextDocument, position: vscode.Position): string | undefined =>
    skipReason(
      {
        scheme: document.uri.scheme,
        writable: vscode.workspace.fs.isWritableFileSystem(document.uri.scheme) !== false,
        languageId: document.languageId,
        sizeBytes: document.offsetAt(document.lineAt(document.lineCount - 1).range.end),
        line: document.lineAt(position.line).text,
      },
      settings(),
      pause.active,
    );
}
