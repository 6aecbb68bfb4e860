/**
 * Extension entry: wires settings, the worker client, the model controller, the completion
 * service and the UI. Activation does no model work: the worker starts and loads the model in
 * the background right after (target: activation under 50 ms).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { askSnooze, showStatusMenu, toggleLanguage } from './commands/statusMenu';
import { chooseModel } from './commands/chooseModel';
import { downloadModelCommand } from './commands/downloadModel';
import { installGpu } from './commands/installGpu';
import { removeModelCommand } from './commands/removeModel';
import { CompletionService, type RequestRecord } from './completion/completionService';
import { formatRecord } from './completion/requestLog';
import { WorkspaceContext } from './context/workspaceContext';
import { errorMessage } from './shared/errors';
import type { CatalogModel } from './models/catalog';
import { catalogDraft, resolveModelChoice } from './models/installedModels';
import { ModelController } from './models/modelController';
import type { LoadParams } from './worker/protocol';
import { WorkerClient } from './workerClient/workerClient';
import { openDocuments, trackDocuments } from './ui/contextTracker';
import { InlineCompletionProvider } from './ui/inlineCompletionProvider';
import { PauseState } from './ui/pauseState';
import { powerSource } from './ui/powerSource';
import { requestGate } from './ui/requestGate';
import { languageEnabled, readSettings, type Settings } from './settings/settings';
import { StatusBar } from './ui/statusBar';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Local Code Completion', { log: true });
  const statusBar = new StatusBar();
  let generating = false;
  let last: RequestRecord | undefined;
  const pause = new PauseState(() => refresh());
  context.subscriptions.push(log, statusBar, { dispose: () => pause.dispose() });

  let settings: Settings = loadSettings();
  function loadSettings(): Settings {
    const { settings: read, problems } = readSettings(vscode.workspace.getConfiguration('slm'));
    for (const problem of problems) {
      log.warn(problem);
      void vscode.window.showWarningMessage(`Local Code Completion: ${problem}`);
    }
    return read;
  }

  const client = new WorkerClient({
    workerPath: context.asAbsolutePath(path.join('dist', 'worker.js')),
    log: (level, line) => log[level](line),
  });
  context.subscriptions.push({ dispose: () => void client.dispose() });
  context.subscriptions.push({ dispose: () => models.dispose() });
  const models = new ModelController(client, (state) => {
    if (state.kind === 'loading') log.info(`loading model ${state.modelDir}`);
    if (state.kind === 'ready') {
      const { model } = state;
      const draft = model.draft ? `; draft ${model.draft.name} (${model.draft.precision} on ${model.draft.provider})` : model.draftSkipped ? `; no draft: ${model.draftSkipped}` : '';
      log.info(`model ready: ${model.name} (${model.precision} on ${model.provider}, ${model.threads} threads)${draft}`);
    }
    refresh();
  });

  function refresh(): void {
    const language = vscode.window.activeTextEditor?.document.languageId;
    statusBar.update({
      model: models.current,
      paused: pause.isPaused,
      onBattery: pause.onBattery,
      snoozeMinutesLeft: pause.snoozeMinutesLeft,
      disabledLanguage: language && !languageEnabled(settings, language) ? language : undefined,
      generating,
      last,
    });
  }

  const modelsDir = path.join(context.globalStorageUri.fsPath, 'models');
  const defaultModelDir = context.asAbsolutePath(path.join('models', 'default'));

  /** `slm.model` as a folder: a catalog id resolves to its download, or to the default model until it is downloaded. */
  function modelFolderOf(value: string): { dir?: string; missing?: CatalogModel } {
    const choice = resolveModelChoice(value, modelsDir, settings.precision, settings.device === 'gpu' ? 'gpu' : 'cpu');
    if (choice.kind === 'folder') return { dir: choice.dir };
    if (choice.kind === 'catalog') return choice.installed ? { dir: choice.installed.dir } : { missing: choice.model };
    return {};
  }

  /** What the settings resolve to, and a catalog model they name that is not downloaded yet. */
  function resolveSelection(): { params: LoadParams; missing?: CatalogModel } {
    const model = modelFolderOf(settings.model);
    const modelDir = model.dir ?? defaultModelDir;
    // An explicit draft is always loaded; the catalog's pairing only where it pays (on a GPU).
    const draft = settings.draftModel ? modelFolderOf(settings.draftModel) : {};
    const paired = !settings.draftModel && settings.completion.speculation.draftModel ? catalogDraft(modelDir, modelsDir) : undefined;
    const params: LoadParams = {
      modelDir,
      ...(draft.dir ? { draftModelDir: draft.dir } : {}),
      ...(paired ? { draftModelDir: paired.dir, draftWhen: paired.when } : {}),
      device: settings.device,
      precision: settings.precision,
      threads: settings.threads,
      cacheDir: path.join(context.globalStorageUri.fsPath, 'cache'),
    };
    return { params, missing: model.missing ?? draft.missing };
  }

  // Resolving reads the models folder: done on first use (after activation), when the settings
  // change, or when a model is downloaded or removed; not per request.
  let resolved: ReturnType<typeof resolveSelection> | undefined;
  const selection = () => (resolved ??= resolveSelection());
  const loadParams = (): LoadParams => selection().params;
  /** Resolves the settings again; true when the model to load changed. */
  function reselect(): boolean {
    const before = JSON.stringify(resolved?.params);
    resolved = resolveSelection();
    return JSON.stringify(resolved.params) !== before;
  }

  /** Said once per missing model: `slm.model` names a catalog model that is not downloaded yet. */
  let toldMissing = '';
  function offerMissingDownload(): void {
    const { missing } = selection();
    if (!missing || toldMissing === missing.id) return;
    toldMissing = missing.id;
    log.warn(`${missing.label} (${missing.id}) is not downloaded yet; using ${settings.model === missing.id ? 'the embedded model' : 'no draft model'} until it is`);
    void vscode.window
      .showWarningMessage(`Local Code Completion: ${missing.label} is not downloaded yet; completions use the embedded model until it is.`, 'Download Model…')
      .then((pick) => pick && vscode.commands.executeCommand('slm.downloadModel'));
  }

  /** A model was downloaded or removed: load what the settings resolve to now. */
  function modelsChanged(): void {
    if (reselect()) service.reset();
    void ensureModel();
  }

  function ensureModel(): Promise<boolean> {
    offerMissingDownload();
    return models.ensure(loadParams()).then(
      () => true,
      (err) => {
        log.error(`model: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`Local Code Completion: ${errorMessage(err)}`, 'Choose Model…', 'Open Log').then((pick) => {
          if (pick === 'Choose Model…') void vscode.commands.executeCommand('slm.chooseModel');
          if (pick === 'Open Log') log.show();
        });
        return false;
      },
    );
  }

  const workspaceContext = new WorkspaceContext({
    roots: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    documents: openDocuments,
    log: (line) => log.info(line),
  });
  context.subscriptions.push({ dispose: () => workspaceContext.dispose() });

  const service = new CompletionService(
    { complete: (params, signal) => client.request('complete', params, { signal }) },
    () => settings.completion,
    {
      onGenerating: (active) => {
        generating = active;
        refresh();
      },
      onRecord: (record) => {
        if (record.result) last = record;
        log.info(formatRecord(record));
        refresh();
      },
    },
    workspaceContext,
  );

  let lastSkip = '';
  const provider = new InlineCompletionProvider(
    service,
    requestGate(() => settings, pause),
    async (token) => {
      models.touch();
      if (models.current.kind === 'ready') return true;
      const loaded = ensureModelQuietly();
      const cancelled = new Promise<boolean>((r) => token.onCancellationRequested(() => r(false)));
      return Promise.race([loaded, cancelled]);
    },
    (reason) => {
      if (reason !== lastSkip) log.debug(`skipped: ${reason}`);
      lastSkip = reason;
    },
    (err) => log.error(`completion failed: ${errorMessage(err)}`),
  );
  /** A fresh worker with the same model: picks up newly installed providers. */
  async function restartWorker(): Promise<void> {
    await models.unload();
    await ensureModel();
  }

  /** While typing, a failed load is reported once by its own path, not per keystroke. */
  function ensureModelQuietly(): Promise<boolean> {
    return models.ensure(loadParams()).then(() => true, () => false);
  }

  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
    vscode.commands.registerCommand('slm.showMenu', () => showStatusMenu(pause)),
    vscode.commands.registerCommand('slm.chooseModel', chooseModel),
    vscode.commands.registerCommand('slm.downloadModel', () =>
      downloadModelCommand({ modelsDir, endpoint: settings.huggingFaceEndpoint, log, onInstalled: modelsChanged }),
    ),
    vscode.commands.registerCommand('slm.removeModel', () =>
      removeModelCommand({
        modelsDir,
        log,
        inUse: () => [loadParams().modelDir, loadParams().draftModelDir ?? ''].filter((dir) => dir),
        release: () => models.unload(),
        onRemoved: modelsChanged,
      }),
    ),
    vscode.commands.registerCommand('slm.pause', () => pause.pause()),
    vscode.commands.registerCommand('slm.resume', () => pause.resume()),
    vscode.commands.registerCommand('slm.snooze', () => askSnooze(pause)),
    vscode.commands.registerCommand('slm.toggleLanguage', () => {
      const language = vscode.window.activeTextEditor?.document.languageId;
      return language ? toggleLanguage(language) : undefined;
    }),
    vscode.commands.registerCommand('slm.openLog', () => log.show()),
    vscode.commands.registerCommand('slm.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:slm-local.slm-complete')),
    vscode.commands.registerCommand('slm.restartWorker', restartWorker),
    vscode.commands.registerCommand('slm.installGpu', () => installGpu(context.globalStorageUri.fsPath, restartWorker, log)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('slm')) return;
      settings = loadSettings();
      models.setIdleUnload(settings.idleUnloadMinutes);
      void checkPower();
      if (reselect()) {
        service.reset();
        void ensureModel();
      }
      refresh();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => refresh()),
  );

  /** Polled once a minute while slm.pauseOnBattery is on; cheap (sysfs, pmset or WMI). */
  async function checkPower(): Promise<void> {
    pause.setOnBattery(settings.pauseOnBattery && (await powerSource()) === 'battery');
  }
  const powerTimer = setInterval(() => settings.pauseOnBattery && void checkPower(), 60_000);
  context.subscriptions.push({ dispose: () => clearInterval(powerTimer) });
  models.setIdleUnload(settings.idleUnloadMinutes);

  refresh();
  // The model loads in the background, off activation's critical path.
  setTimeout(() => {
    void ensureModel();
    // Open documents are parsed, and the workspace indexed in the background, off activation's critical path too.
    context.subscriptions.push(trackDocuments(workspaceContext));
    if (settings.completion.maxContextTokens > 0) void workspaceContext.indexWorkspace();
    void checkPower();
  }, 0);
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {
  // Disposables registered in activate() shut the worker down.
}
