import * as vscode from 'vscode';
import { DownloadError, formatBytes } from '../downloads/download';
import { errorMessage } from '../shared/errors';
import type { Precision } from '../modelFormat/precision';
import { CATALOG, catalogModel, type CatalogModel } from '../models/catalog';
import { memoryNeeded, precisionFor, probeHardware, recommendChatModel, recommendModel } from '../models/hardware';
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
 * "Download Model…": the catalog with the model suggested for this machine first (then the chat
 * model suggested beside the completion model, where that is another), each model's roles,
 * sizes, and what is installed; downloads the pick (resumable, verified), then makes it
 * `slm.model`. On a GPU it offers the draft model the catalog pairs with the pick. A model that
 * chats, downloaded while the completion model cannot, is offered for Explain and Refactor first.
 */
export async function downloadModelCommand(deps: DownloadModelDeps): Promise<void> {
  const hardware = await probeHardware();
  const suggestion = recommendModel(hardware);
  const config = vscode.workspace.getConfiguration('slm');
  // The catalog model completions use now, if any: the chat suggestion is the one beside it, as ModelSelection has it.
  const completion = catalogModel(config.get<string>('model') ?? '');
  const chat = recommendChatModel(hardware, completion ?? suggestion.model);
  const installed = listInstalledModels(deps.modelsDir);
  type Item = vscode.QuickPickItem & ({ model: CatalogModel; precision: Precision } | { installGpu: true });
  const gpuFirst: Item[] = hardware.gpu && !hardware.gpu.usable
    ? [{ label: '$(zap) Install GPU Acceleration first', detail: `${hardware.gpu.name} is not used until onnxruntime's CUDA provider is installed; the suggestion below is sized for the CPU.`, installGpu: true }]
    : [];
  // The completion suggestion first, then the chat one (where it is another).
  const rank = (model: CatalogModel) => (model === suggestion.model ? 0 : model === chat.model ? 1 : 2);
  const models: Item[] = [...CATALOG]
    .sort((a, b) => rank(a) - rank(b) || a.billions - b.billions)
    .map((model) => {
      const precision = model === suggestion.model ? suggestion.precision : model === chat.model ? chat.precision : precisionFor(model, hardware);
      const bytes = model.bytes[precision] ?? 0;
      const have = installed.some((m) => m.model === model && m.precision === precision);
      const need = memoryNeeded(model, precision);
      const tight = need > hardware.memoryBytes / 2 ? ` · needs about ${formatBytes(need)} of this machine's ${formatBytes(hardware.memoryBytes)}` : '';
      const mark = model === suggestion.model ? '$(star-full) ' : model === chat.model ? '$(comment-discussion) ' : '';
      const detail = model === suggestion.model ? `Suggested: ${suggestion.why}.` : model === chat.model ? `Suggested for Explain and Refactor: ${chat.why}.` : `${model.note ?? ''}${tight}`;
      return {
        label: `${mark}${model.label}`,
        description: `${model.roles.join(' · ')} — ${precision} · ${formatBytes(bytes)}${have ? ' · installed' : ''}`,
        detail,
        model,
        precision,
      };
    });
  const pick = await vscode.window.showQuickPick([...gpuFirst, ...models], { title: 'Download a model (from Hugging Face)', matchOnDetail: true });
  if (!pick) return;
  if ('installGpu' in pick) {
    await vscode.commands.executeCommand('slm.installGpu');
    return;
  }
  if (!(await fetchModel(deps, pick.model, pick.precision))) return;
  if (!(await forCompletions(config, pick.model, completion, deps))) return;
  await config.update('model', pick.model.id, vscode.ConfigurationTarget.Global);
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

/**
 * Whether the downloaded model becomes `slm.model`. A model that chats, downloaded while the
 * completion model is a catalog build that cannot (the 1.5B Base) and `slm.chatModel` is empty,
 * was likely fetched for Explain and Refactor: the user says whether it answers them beside the
 * completion model (`slm.chatModel`) or replaces it; a dismissed question changes neither.
 */
async function forCompletions(config: vscode.WorkspaceConfiguration, model: CatalogModel, completion: CatalogModel | undefined, deps: DownloadModelDeps): Promise<boolean> {
  if (!model.roles.includes('chat') || config.get<string>('chatModel') || !completion || completion.roles.includes('chat')) return true;
  // Seen at once: with slm.chatModel empty, the suggested chat model answers as soon as it is installed.
  deps.onInstalled();
  const answer = await vscode.window.showInformationMessage(
    `Local Code Completion: use ${model.label} for Explain and Refactor, beside ${completion.label} for completions (it has no chat template), or for completions too?`,
    'Explain and Refactor',
    'Completions Too',
  );
  if (answer === 'Explain and Refactor') await config.update('chatModel', model.id, vscode.ConfigurationTarget.Global);
  return answer === 'Completions Too';
}

/** Downloads with progress; says what happened. True when the model is in place. */
async function fetchModel(deps: DownloadModelDeps, model: CatalogModel, precision: Precision): Promise<boolean> {
  const dest = installedModelDir(deps.modelsDir, model, precision);
  try {
    // Loaded on first use: @huggingface/hub is not needed to activate the extension.
    const { downloadModel } = await import('../downloads/huggingFace');
    const result = await withDownloadProgress(`Downloading ${model.label} (${precision})`, (signal, onBytes) =>
      downloadModel({ repo: model.repo, format: model.format, precision }, dest, { endpoint: deps.endpoint, signal, onProgress: onBytes }),
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
