/**
 * Extension entry: wires settings, the model selection, the backend (the local worker or an
 * inference server, slm.engine), the
 * completion service and the UI. Activation does no model work: the worker starts and loads the model in
 * the background right after (target: activation under 50 ms).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineSwitch } from './backend/engineSwitch';
import { LocalBackend } from './backend/local/localBackend';
import { ServerBackend } from './backend/server/serverBackend';
import { ModelSelection } from './backend/local/modelSelection';
import { RecentInstructions } from './chat/instructions';
import { explainCommand } from './commands/explain';
import { acceptRefactor, refactorCommand, rejectRefactor } from './commands/refactor';
import { askSnooze, showStatusMenu, toggleLanguage } from './commands/statusMenu';
import { chooseModel } from './commands/chooseModel';
import { openWalkthrough, tryCompletion } from './commands/getStarted';
import { downloadModelCommand } from './commands/downloadModel';
import { installGpu } from './commands/installGpu';
import { removeModelCommand } from './commands/removeModel';
import { clearServerApiKey, ServerApiKeys, setServerApiKey } from './commands/serverApiKey';
import { CacheWarmer } from './completion/cacheWarmer';
import { CompletionService, type RequestRecord } from './completion/completionService';
import { formatRecord } from './completion/requestLog';
import { WorkspaceContext } from './context/workspaceContext';
import { languageEnabled, readSettings, type Settings } from './settings/settings';
import { policyFromManifest, ScopedConfiguration } from './settings/settingScopes';
import { errorMessage } from './shared/errors';
import { openDocuments, trackDocuments } from './ui/contextTracker';
import { completionRequest, InlineCompletionProvider } from './ui/inlineCompletionProvider';
import { PauseState } from './ui/pauseState';
import { powerSource } from './ui/powerSource';
import { requestGate } from './ui/requestGate';
import { RefactorPreview } from './ui/refactorPreview';
import { StatusBar } from './ui/statusBar';
import { cpuHardware, probeHardware, type Hardware } from './models/hardware';
import { catalogModel } from './models/catalog';

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Local Code Completion', { log: true });
  const statusBar = new StatusBar();
  let generating = false;
  let last: RequestRecord | undefined;
  const pause = new PauseState(() => refresh());
  context.subscriptions.push(log, statusBar, { dispose: () => pause.dispose() });

  const settingsPolicy = policyFromManifest(context.extension.packageJSON);
  let settings: Settings = loadSettings();
  function loadSettings(): Settings {
    const scoped = new ScopedConfiguration(vscode.workspace.getConfiguration('slm'), settingsPolicy, {
      trusted: vscode.workspace.isTrusted,
      roots: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      storageDir: context.globalStorageUri.fsPath,
      isCatalogId: (value) => catalogModel(value) !== undefined,
    });
    const { settings: read, problems } = readSettings(scoped);
    for (const line of scoped.ignored) log.info(line);
    for (const problem of [...scoped.problems, ...problems]) {
      log.warn(problem);
      void vscode.window.showWarningMessage(`Local Code Completion: ${problem}`);
    }
    return read;
  }

  const modelsDir = path.join(context.globalStorageUri.fsPath, 'models');
  // Sized by CPU and memory until the GPU probe (nvidia-smi) answers, off activation's critical path.
  let hardware: Hardware = cpuHardware();
  // A checkout's generated test model (npm start, the tests); the VSIX ships none.
  const embedded = context.asAbsolutePath(path.join('models', 'default'));
  const selection = new ModelSelection(
    { modelsDir, defaultModelDir: fs.existsSync(embedded) ? embedded : undefined, cacheDir: path.join(context.globalStorageUri.fsPath, 'cache') },
    () => settings,
    () => hardware,
  );
  const backend = new LocalBackend({
    workerPath: context.asAbsolutePath(path.join('dist', 'worker.js')),
    log: (level, line) => log[level](line),
    plan: () => selection.current.plan,
  });
  // slm.engine picks what answers (the local worker or an inference server), switched without a reload.
  const apiKeys = new ServerApiKeys(context.secrets);
  const server = new ServerBackend({ settings: () => settings.server, apiKey: (origin) => apiKeys.get(origin), log: (level, line) => log[level](line) });
  const engines = new EngineSwitch(backend, server, { engine: () => settings.engine, fallbackToLocal: () => settings.server.fallbackToLocal, log: (level, line) => log[level](line) });
  let engine = settings.engine;
  context.subscriptions.push({ dispose: () => void engines.dispose() });
  const logged = new Map<string, string>();
  context.subscriptions.push(
    engines.onDidChangeState(() => {
      for (const role of ['completion', 'chat'] as const) {
        const state = engines.state(role);
        const line = state.kind === 'ready' ? `${role} model ready: ${state.name} (${state.detail})` : state.kind === 'starting' ? `${role}: ${state.detail}` : '';
        if (line && logged.get(role) !== line) log.info(line);
        logged.set(role, line);
      }
      refresh();
    }),
  );

  function refresh(): void {
    const language = vscode.window.activeTextEditor?.document.languageId;
    statusBar.update({
      model: engines.state('completion'),
      paused: pause.isPaused,
      onBattery: pause.onBattery,
      snoozeMinutesLeft: pause.snoozeMinutesLeft,
      disabledLanguage: language && !languageEnabled(settings, language) ? language : undefined,
      generating,
      last,
    });
  }

  /** Said once per missing model: `slm.model` names a catalog model that is not downloaded yet. */
  function offerMissingDownload(): void {
    const missing = selection.missingToOffer();
    if (!missing) return;
    const meanwhile = settings.model !== missing.id ? 'no draft model' : selection.current.plan ? 'the embedded model' : 'no model';
    log.warn(`${missing.label} (${missing.id}) is not downloaded yet; using ${meanwhile} until it is`);
    void vscode.window
      .showWarningMessage(`Local Code Completion: ${missing.label} is not downloaded yet; ${selection.current.plan ? 'completions use the embedded model until it is' : 'completions start once it is'}.`, 'Download Model…')
      .then((pick) => pick && vscode.commands.executeCommand('slm.downloadModel'));
  }

  /** Said once per model: the chat role wants a catalog model that is not downloaded yet. */
  function offerChatDownload(): void {
    const missing = selection.chatToOffer();
    if (!missing) return;
    void vscode.window
      .showInformationMessage(`Local Code Completion: Explain and Refactor need a model that can chat; ${missing.label} suits this machine.`, `Download ${missing.label}`)
      .then((pick) => pick && vscode.commands.executeCommand('slm.downloadModel'));
  }

  /** Loads what the settings ask for; a failure is shown with what to do. */
  function ensureModel(): Promise<boolean> {
    // With a server: connect now (the status bar shows it, or why not); the local model loads only
    // if it has to stand in (slm.server.fallbackToLocal).
    if (settings.engine === 'server') return engines.ready('completion');
    offerMissingDownload();
    void vscode.commands.executeCommand('setContext', 'slm.hasModel', !!selection.current.plan);
    return backend.load().then(
      () => true,
      (err) => {
        if ((err as { code?: string }).code === 'no-model') {
          firstRun();
          return false;
        }
        log.error(`model: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`Local Code Completion: ${errorMessage(err)}`, 'Choose Model…', 'Open Log').then((pick) => {
          if (pick === 'Choose Model…') void vscode.commands.executeCommand('slm.chooseModel');
          if (pick === 'Open Log') log.show();
        });
        return false;
      },
    );
  }

  /** The settings or the downloaded models changed: load what they resolve to now. */
  function selectionChanged(): void {
    if (!selection.refresh()) return;
    service.reset();
    warmer.reset();
    void ensureModel();
  }

  const workspaceContext = new WorkspaceContext({
    roots: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
    documents: openDocuments,
    log: (line) => log.info(line),
  });
  context.subscriptions.push({ dispose: () => workspaceContext.dispose() });

  const service = new CompletionService(
    engines,
    () => settings.completion,
    {
      onGenerating: (active) => {
        generating = active;
        refresh();
      },
      onRecord: (record) => {
        if (record.result) last = record;
        // The walkthrough's "try a completion" step is done once ghost text was shown.
        if (record.outcome === 'shown') void vscode.commands.executeCommand('setContext', 'slm.completionShown', true);
        log.info(formatRecord(record));
        refresh();
      },
    },
    workspaceContext,
  );

  const preview = new RefactorPreview();
  const recent = new RecentInstructions({ get: () => context.globalState.get<string[]>('slm.recentInstructions') ?? [], set: (v) => context.globalState.update('slm.recentInstructions', v) });
  context.subscriptions.push(preview);

  const gate = requestGate(() => settings, pause);
  const warmer = new CacheWarmer({
    service,
    backend: engines,
    canWarm: () => settings.warmUp && !generating && engines.state('completion').kind === 'ready',
    log: (line) => log.info(line),
  });
  context.subscriptions.push({ dispose: () => warmer.cancel() });
  /** The cursor rests somewhere new: its prompt is prefilled, so that the first keystroke there is warm. */
  function cursorMoved(editor: vscode.TextEditor | undefined): void {
    if (!editor || editor.selections.length !== 1 || !editor.selection.isEmpty) return;
    const { document } = editor;
    warmer.cursorAt(document.uri.toString(), editor.selection.active.line, () => {
      const active = vscode.window.activeTextEditor;
      if (active?.document !== document || !active.selection.isEmpty || gate(document, active.selection.active)) return undefined;
      return completionRequest(document, active.selection.active, false);
    });
  }

  let lastSkip = '';
  const provider = new InlineCompletionProvider(
    service,
    gate,
    (token) => {
      const signal = new AbortController();
      token.onCancellationRequested(() => signal.abort());
      return engines.ready('completion', signal.signal);
    },
    (reason) => {
      if (reason !== lastSkip) log.debug(`skipped: ${reason}`);
      lastSkip = reason;
    },
    (err) => log.error(`completion failed: ${errorMessage(err)}`),
    warmer,
  );
  /** No model yet: the status bar says so (a click opens the walkthrough), and the walkthrough opens by itself once. */
  function firstRun(): void {
    log.info('no model installed yet: the walkthrough (Local Completion: Get Started) shows how to download one');
    if (context.globalState.get('slm.walkthroughShown')) return;
    void context.globalState.update('slm.walkthroughShown', true);
    void openWalkthrough();
  }

  /** A fresh worker with the same models: picks up newly installed providers. */
  async function restartWorker(): Promise<void> {
    await backend.unload();
    await ensureModel();
  }

  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, provider),
    vscode.commands.registerCommand('slm.showMenu', () => showStatusMenu(pause)),
    vscode.commands.registerCommand('slm.explain', () => {
      offerChatDownload();
      return explainCommand({ backend: engines, context: workspaceContext, extensionUri: context.extensionUri, maxNewTokens: settings.chatMaxNewTokens, log });
    }),
    vscode.commands.registerCommand('slm.refactor', () => {
      offerChatDownload();
      return refactorCommand({ backend: engines, context: workspaceContext, recent, preview, log });
    }),
    vscode.commands.registerCommand('slm.acceptRefactor', acceptRefactor),
    vscode.commands.registerCommand('slm.rejectRefactor', rejectRefactor),
    vscode.commands.registerCommand('slm.chooseModel', chooseModel),
    vscode.commands.registerCommand('slm.getStarted', openWalkthrough),
    vscode.commands.registerCommand('slm.tryCompletion', tryCompletion),
    vscode.commands.registerCommand('slm.downloadModel', () =>
      downloadModelCommand({ modelsDir, endpoint: settings.huggingFaceEndpoint, log, onInstalled: selectionChanged }),
    ),
    vscode.commands.registerCommand('slm.removeModel', () =>
      removeModelCommand({
        modelsDir,
        log,
        inUse: () => selection.folders(),
        release: () => backend.unload(),
        onRemoved: selectionChanged,
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
    vscode.commands.registerCommand('slm.setServerApiKey', () => setServerApiKey(apiKeys, settings.server.url, () => engines.settingsChanged())),
    vscode.commands.registerCommand('slm.clearServerApiKey', () => clearServerApiKey(apiKeys, settings.server.url, () => engines.settingsChanged())),
    vscode.commands.registerCommand('slm.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:slm-local.slm-complete')),
    vscode.commands.registerCommand('slm.restartWorker', restartWorker),
    vscode.commands.registerCommand('slm.installGpu', () => installGpu(context.globalStorageUri.fsPath, restartWorker, log)),
    // Trust granted: the workspace's restricted settings apply now.
    vscode.workspace.onDidGrantWorkspaceTrust(() => settingsChanged(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('slm')) settingsChanged(e.affectsConfiguration('slm.engine') || e.affectsConfiguration('slm.server'));
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      refresh();
      cursorMoved(editor);
    }),
    vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && cursorMoved(e.textEditor)),
    vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && warmer.edited(e.document.uri.toString())),
  );

  function settingsChanged(engineSettingsChanged: boolean): void {
    settings = loadSettings();
    if (engineSettingsChanged) engineChanged();
    backend.setIdleUnload(settings.idleUnloadMinutes);
    void checkPower();
    selectionChanged();
    refresh();
  }

  /** slm.engine or slm.server.* changed: the next request goes where they say now; the local model is freed while a server answers. */
  function engineChanged(): void {
    engines.settingsChanged();
    service.reset();
    warmer.reset();
    if (settings.engine !== engine) log.info(`engine: ${settings.engine}${settings.engine === 'server' ? ` (${settings.server.url})` : ''}`);
    if (settings.engine === 'server' && engine === 'local') void backend.unload();
    if (settings.engine === 'local' && engine === 'server') void ensureModel();
    // Connect now, so the status bar shows the server (or why it cannot be used) before the next keystroke.
    if (settings.engine === 'server') void engines.ready('completion');
    engine = settings.engine;
  }

  /** Polled once a minute while slm.pauseOnBattery is on; cheap (sysfs, pmset or WMI). */
  async function checkPower(): Promise<void> {
    pause.setOnBattery(settings.pauseOnBattery && (await powerSource()) === 'battery');
  }
  const powerTimer = setInterval(() => settings.pauseOnBattery && void checkPower(), 60_000);
  context.subscriptions.push({ dispose: () => clearInterval(powerTimer) });
  backend.setIdleUnload(settings.idleUnloadMinutes);

  refresh();
  // The model loads in the background, off activation's critical path.
  setTimeout(() => {
    void ensureModel();
    // Open documents are parsed, and the workspace indexed in the background, off activation's critical path too.
    context.subscriptions.push(trackDocuments(workspaceContext));
    if (settings.completion.maxContextTokens > 0) void workspaceContext.indexWorkspace();
    void checkPower();
    void probeHardware().then((probed) => {
      hardware = probed;
      selectionChanged();
    });
  }, 0);
  log.info(`activated in ${(performance.now() - started).toFixed(1)} ms`);
}

export function deactivate(): void {
  // Disposables registered in activate() shut the worker down.
}
