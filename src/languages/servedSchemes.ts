/**
 * URI schemes of the documents the user edits as their own: files on disk, remote (`vscode-remote`:
 * SSH, WSL, containers) and in virtual workspaces (`vscode-vfs`: GitHub Repositories), untitled
 * ones, notebook cells. They get completions and serve as context; output panes, diffs, git and
 * search views do not.
 */
// Both `vscode-userdata` (settings.json, keybindings, user snippets) and `vscode-vfs`: users type in them like in any file.
export const SERVED_SCHEMES: ReadonlySet<string> = new Set(['file', 'untitled', 'vscode-remote', 'vscode-vfs', 'vscode-notebook-cell', 'vscode-userdata']);
