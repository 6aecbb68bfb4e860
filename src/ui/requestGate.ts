import * as vscode from 'vscode';
import { languageEnabled, type Settings } from './settings';
import type { PauseState } from './pauseState';

/** Documents that are code the user edits; output panes, diffs, git and search views are not. */
const SCHEMES = new Set(['file', 'untitled', 'vscode-notebook-cell', 'vscode-remote', 'vscode-userdata']);
/** Minified code: longer lines are not completed (the prompt would be one unreadable line). */
const MAX_LINE_CHARS = 10_000;

/**
 * Decides cheaply, per keystroke, whether a request is served; the reason when not.
 * Never reads the whole document: size comes from the last line's offset.
 */
export function requestGate(settings: () => Settings, pause: PauseState) {
  return (document: vscode.TextDocument, position: vscode.Position): string | undefined => {
    const s = settings();
    if (!s.enabled) return 'disabled in settings';
    if (pause.active) return 'paused';
    if (!languageEnabled(s, document.languageId)) return `disabled for ${document.languageId}`;
    if (!SCHEMES.has(document.uri.scheme)) return `not a code document (${document.uri.scheme})`;
    if (vscode.workspace.fs.isWritableFileSystem(document.uri.scheme) === false) return 'read-only document';
    const size = document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
    if (size > s.maxFileSizeKB * 1024) return `file larger than ${s.maxFileSizeKB} KB`;
    const line = document.lineAt(position.line).text;
    if (line.length > MAX_LINE_CHARS) return `line longer than ${MAX_LINE_CHARS} characters (minified?)`;
    if (line.includes('\u0000')) return 'binary content';
    return undefined;
  };
}
