import * as vscode from 'vscode';
import { DownloadError, formatBytes } from '../downloads/download';
import { errorMessage } from '../shared/errors';
import type { Precision } from '../modelFormat/precision';
import { CATALOG, catalogModel, type CatalogModel } from '../models/catalog';
import { precisionFor, probeHardware, recommendModel } from '../models/hardware';
import { installedModelDir, listInstalledModels } from '../models/installedModels';
import { withDownloadProgress } from './downloadProgress';

export interface DownloadModelDeps {
  /** The extension's models folder (global storage). */
  modelsDir: string;
  /** The Hugging Face endpoint (slm.huggingFaceEndpoint). */
  endpoint: string;
  log: vscode.LogOutputChannel;
  /** A model landed: load it if the settings now point at it (or pair it as a draft). */
  onInstalled(): void;
}

/**
 * "Download Model…": the catalog with the model suggested for this machine first, sizes, and
 * what is installed; downloads the pick (resumable, verified), then makes it `slm.model`. On a
 * GPU it offers the draft model the catalog pairs with the pick.
 */
export async function downloadModelCommand(deps: DownloadModelDeps): Promise<void> {
  const hardware = await probeHardware();
  const suggestion = recommendModel(hardware);
  const installed = listInstalledModels(deps.modelsDir);
  type Item = vscode.QuickPickItem & ({ model: CatalogModel; precision: Precision } | { installGpu: true });
  const gpuFirst: Item[] = hardware.gpu && !hardware.gpu.usable
    ? [{ label: '$(zap) Install GPU Acceleration first', detail: `${hardware.gpu.name} is not used until onnxruntime's CUDA provider is installed; the suggestion below is sized for the CPU.`, installGpu: true }]
    : [];
  const models: Item[] = [...CATALOG]
    .sort((a, b) => Number(b === suggestion.model) - Number(a === suggestion.model) || a.billions - b.billions)
    .map((model) => {
      const precision = model === suggestion.model ? suggestion.precision : precisionFor(model, hardware);
      const bytes = model.bytes[precision] ?? 0;
      const have = installed.some((m) => m.model === model && m.precision === precision);
      const tight = bytes * 1.25 > hardware.memoryBytes / 2 ? ` · needs about ${formatBytes(bytes * 1.25)} of this machine's ${formatBytes(hardware.memoryBytes)}` : '';
      return {
        label: `${model === suggestion.model ? '$(star-full) ' : ''}${model.label}`,
        description: `${precision} · ${formatBytes(bytes)}${have ? ' · installed' : ''}`,
        detail: model === suggestion.model ? `Suggested: ${suggestion.why}.` : `${model.note ?? ''}${tight}`,
        model,
        precision,
      };
    });
  const pick = await vscode.window.showQuickPick([...gpuFirst, ...models], { title: 'Download a completion model (from Hugging Face)', matchOnDetail: true });
  if (!pick) return;
  if ('installGpu' in pick) {
    await vscode.commands.executeCommand('slm.installGpu');
    return;
  }
  if (!(await fetchModel(deps, pick.model, pick.precision))) return;
  await vscode.workspace.getConfiguration('slm').update('model', pick.model.id, vscode.ConfigurationTarget.Global);
  deps.onInstalled();
  void vscode.window.showInformationMessage(`Local Code Completion: completions now use ${pick.model.label} (${pick.precision}).`);

  const draft = pick.model.draft && catalogModel(pick.model.draft.id);
  const draftPrecision = draft && (draft.bytes[pick.precision] ? pick.precision : 'q4');
  if (!draft || !draftPrecision || !hardware.gpu?.usable || installed.some((m) => m.model === draft)) return;
  const size = formatBytes(draft.bytes[draftPrecision] ?? 0);
  const answer = await vscode.window.showInformationMessage(
    `Also download ${draft.label} (${size})? On your GPU it drafts tokens that ${pick.model.label} verifies in one pass: the same completions, sooner.`,
    'Download Draft',
  );
  if (answer === 'Download Draft' && (await fetchModel(deps, draft, draftPrecision))) deps.onInstalled();
}

/** Downloads with progress; says what happened. True when the model is in place. */
async function fetchModel(deps: DownloadModelDeps, model: CatalogModel, precision: Precision): Promise<boolean> {
  const dest = installedModelDir(deps.modelsDir, model, precision);
  try {
    // Loaded on first use: @huggingface/hub is not needed to activate the extension.
    const { downloadModel } = await import('../downloads/huggingFace');
    const result = await withDownloadProgress(`Downloading ${model.label} (${precision})`, (signal, onBytes) =>
      downloadModel({ repo: model.repo, precision }, dest, { endpoint: deps.endpoint, signal, onProgress: onBytes }),
    );
    deps.log.info(`model ${model.repo} (${precision}) ${result.reused ? 'already downloaded' : `downloaded: ${formatBytes(result.bytes)}`} at commit ${result.commit} in ${result.dir}`);
    return true;
  } catch (err) {
    const cancelled = err instanceof DownloadError && err.cancelled;
    deps.log[cancelled ? 'info' : 'error'](`model download ${model.repo} (${precision}): ${errorMessage(err)}`);
    if (cancelled) {
      void vscode.window.showInformationMessage(`Local Code Completion: download of ${model.label} cancelled. What was downloaded is kept; the next try resumes.`);
      return false;
    }
    const retry = await vscode.window.showErrorMessage(`Local Code Completion: ${errorMessage(err)}`, 'Retry', 'Open Log');
    if (retry === 'Open Log') deps.log.show();
    return retry === 'Retry' ? fetchModel(deps, model, precision) : false;
  }
}
