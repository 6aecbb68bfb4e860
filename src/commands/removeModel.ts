import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../shared/errors';
import { formatBytes } from '../downloads/download';
import { catalogModel, type CatalogModel } from '../models/catalog';
import { folderBytes, listIncompleteDownloads, listInstalledModels, removeModelFolder } from '../models/installedModels';

export interface RemoveModelDeps {
  modelsDir: string;
  log: vscode.LogOutputChannel;
  /** The folders the worker has loaded (model and draft): they are released before deletion. */
  inUse(): string[];
  /** Stops the worker so that no file of a loaded model stays open (Windows cannot delete those). */
  release(): Promise<void>;
  /** After a deletion: load what the settings now resolve to. */
  onRemoved(): void;
}

/** "Remove Downloaded Model…": frees the disk space of downloaded models and unfinished downloads. */
export async function removeModelCommand(deps: RemoveModelDeps): Promise<void> {
  type Item = vscode.QuickPickItem & { dir: string; bytes: number; model?: CatalogModel };
  const inUse = deps.inUse();
  const items: Item[] = [
    ...listInstalledModels(deps.modelsDir).map((m) => {
      const bytes = folderBytes(m.dir);
      return { label: m.model.label, description: `${m.precision} · ${formatBytes(bytes)}${inUse.includes(m.dir) ? ' · in use' : ''}`, dir: m.dir, bytes, model: m.model };
    }),
    ...listIncompleteDownloads(deps.modelsDir)
      .filter((d) => !d.inProgress)
      .map((d) => ({ label: path.basename(d.dir), description: `unfinished download · ${formatBytes(d.bytes)}`, dir: d.dir, bytes: d.bytes })),
  ];
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Local Code Completion: no downloaded models to remove.');
    return;
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Remove a downloaded model' });
  if (!pick) return;
  const confirm = await vscode.window.showWarningMessage(`Delete ${pick.label} (${formatBytes(pick.bytes)}) from this computer?`, { modal: true }, 'Delete');
  if (confirm !== 'Delete') return;
  try {
    if (inUse.includes(pick.dir)) await deps.release();
    removeModelFolder(pick.dir);
  } catch (err) {
    deps.log.error(`removing ${pick.dir}: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`Local Code Completion: could not delete ${pick.dir}: ${errorMessage(err)}`);
    deps.onRemoved();
    return;
  }
  deps.log.info(`removed ${pick.dir} (${formatBytes(pick.bytes)})`);
  const config = vscode.workspace.getConfiguration('slm');
  const named = pick.model && catalogModel(config.get<string>('model') ?? '') === pick.model;
  if (named && !listInstalledModels(deps.modelsDir).some((m) => m.model === pick.model)) {
    await config.update('model', '', vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(`Local Code Completion: ${pick.label} deleted, and slm.model reset.`);
  }
  deps.onRemoved();
}
