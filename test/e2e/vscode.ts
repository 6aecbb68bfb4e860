/**
 * A real VS Code (code-server, = VS Code of the same version with a web UI) driven in headless Chromium.
 *
 * How it works
 * - setup.ts installs chromium (apt), Node 24 and code-server (npm) into `.cache/e2e/` once.
 * - Each session gets a temp dir holding a fresh `--user-data-dir` (with `User/settings.json`), a fresh
 *   `--extensions-dir` and a fresh Chromium profile; code-server runs on 127.0.0.1, port 0 (the port is
 *   read from its "HTTP server listening on" line), `--auth none`, in its own process group.
 * - `workspaceTrust` turns VS Code's workspace trust on (Restricted Mode, no startup prompt);
 *   `isolatedNetwork` runs code-server in a loopback-only network namespace (test/support/networkTrace.ts),
 *   listening on a unix socket that a proxy serves on the harness's 127.0.0.1 for Chromium.
 * - Extensions: `extensionsToInstall` folders are copied into the extensions dir as
 *   `publisher.name-version` (read from their package.json); `vsixes` are installed with
 *   `--install-extension` before the server starts; `extensionDevelopmentPath` is loaded in place
 *   (like F5) through the workbench's `payload` URL parameter, which code-server only honours with
 *   `--vscode-option enable-smoke-test-driver`.
 *
 * Gotchas
 * - Extensions run in a *remote* extension host: plain Node 24, not Electron. Native modules must be
 *   N-API; `vscode.env.uiKind` is Web; `process.versions.electron` is undefined.
 * - End the whole process group (`kill -pid`): killing code-server alone orphans its extension host.
 * - The editor's view text includes ghost text; check the saved file on disk, not the DOM.
 * - Ghost text is `.ghost-text-decoration` spans (inline part) and `.ghost-text` view zones (further
 *   lines); spaces are rendered as U+00A0.
 * - A provider registered after typing is not asked until the next edit: wait for activation
 *   (`waitForExtensionActivated`) before typing.
 * - VS Code creates an editor's inline completions controller lazily, in an idle callback up to 5 s
 *   after the editor opens: keys typed before that trigger nothing (about 1 in 4 runs here when typing
 *   right away). `openFile` waits for the page to go idle twice (`waitForIdle`) for that reason.
 * - Default settings turn the suggest widget's automatic popups off (they would take Tab); override them
 *   with `userSettings` to test the interplay.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { isolatedCommand, unixSocketProxy } from '../support/networkTrace';
import { cleanEnv, ensureCodeServer } from './setup';

export interface LaunchOptions {
  /** An extension folder loaded in place, as with F5 (needs its built `main`). */
  extensionDevelopmentPath?: string;
  /** With extensionDevelopmentPath: a test runner module (`run(): Promise<void>`) the extension host runs once started. */
  extensionTestsPath?: string;
  /** Extension folders copied into the extensions dir (each needs package.json and its built files). */
  extensionsToInstall?: string[];
  /** .vsix files installed with `code-server --install-extension` before start. */
  vsixes?: string[];
  /** Folder opened as the workspace. */
  workspace: string;
  /** Merged over the harness's defaults. */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
  /** How long to wait for the workbench (default 120 s). */
  readyTimeoutMs?: number;
  /** VS Code's workspace trust on (off by default: `--disable-workspace-trust`); the workspace then opens
   *  in Restricted Mode, without the startup prompt. */
  workspaceTrust?: boolean;
  /** Runs code-server, its extension host and all they start in a network namespace with only loopback,
   *  every connection attempt logged to `connectionLog` (test/support/networkTrace.ts). */
  isolatedNetwork?: { connectionLog: string };
}

export interface VsCodeSession {
  page: Page;
  context: BrowserContext;
  url: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** Milliseconds from starting code-server to a ready workbench and extension host (install excluded). */
  startupMs: number;
  /** The process code-server was started as (inside the isolated network namespace, when there is one). */
  serverPid: number;
  /** Opens a workspace file with quick open (Ctrl+P); waits until its editor has focus and is idle. */
  openFile(relPath: string): Promise<void>;
  /** Waits for the page to be idle (lazily created editor parts exist then). openFile does this. */
  waitForIdle(): Promise<void>;
  /** Real key presses, one per character (`\n` is Enter). */
  typeText(text: string, delayMs?: number): Promise<void>;
  /** A Playwright key name: 'Tab', 'Escape', 'Control+S', ... */
  press(key: string): Promise<void>;
  /** Waits for ghost text and returns it (lines joined by \n); throws on timeout. */
  waitForGhostText(timeoutMs?: number): Promise<string>;
  /** Waits until no ghost text is shown; throws on timeout. */
  waitForNoGhostText(timeoutMs?: number): Promise<void>;
  ghostTextVisible(): Promise<boolean>;
  /** The ghost text now ('' if none). */
  ghostText(): Promise<string>;
  /** Runs a command by its palette title (e.g. 'View: Toggle Zen Mode'). */
  runCommand(title: string): Promise<void>;
  /** In an open quick pick, filters by `text` and picks the first row whose label contains it. */
  pickQuickItem(text: string, timeoutMs?: number): Promise<void>;
  /** Ctrl+S, then waits until the active tab is no longer dirty. */
  save(): Promise<void>;
  /** Text of a status bar item (by element id, id suffix or CSS selector), or of the whole status bar. */
  statusBarText(idOrSelector?: string): Promise<string>;
  /** Waits until the extension host log says it activates the extension (publisher.name): activate() has
   *  been called then, not necessarily finished; wait for an effect of it (status bar, log) as well. */
  waitForExtensionActivated(extensionId: string, timeoutMs?: number): Promise<void>;
  screenshot(file: string): Promise<void>;
  /** code-server output, browser console, and the extension host logs. */
  logs(): string;
  /** Ends browser and the whole code-server process group; deletes the temp dirs. */
  close(): Promise<void>;
}

export const DEFAULT_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  // An empty secondary side bar opens at startup otherwise and takes focus from Quick Open.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'editor.inlineSuggest.enabled': true,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.parameterHints.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
};

const live = new Set<() => void>();
process.on('exit', () => {
  for (const kill of live) kill();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond` to return a truthy value. */
async function poll<T>(what: string, timeoutMs: number, cond: () => Promise<T | undefined | false | null | ''>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

function readManifest(dir: string): { id: string; folder: string } {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  return { id: `${m.publisher}.${m.name}`, folder: `${m.publisher}.${m.name}-${m.version}`.toLowerCase() };
}

/** The extension host's log files (remoteexthost.log, extensions' output channels) under a user data dir. */
function extHostLogs(userDataDir: string): string[] {
  const dir = path.join(userDataDir, 'logs');
  return fs.existsSync(dir) ? findFiles(dir, (p) => /exthost/i.test(path.relative(dir, p)) && p.endsWith('.log')) : [];
}

function logsContain(userDataDir: string, re: RegExp): boolean {
  return extHostLogs(userDataDir).some((f) => re.test(fs.readFileSync(f, 'utf8')));
}

function findFiles(dir: string, test: (file: string) => boolean, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, test, out);
    else if (test(p)) out.push(p);
  }
  return out;
}

/** Starts code-server and Chromium on `options.workspace`; see the top of this file. */
export async function launchVsCode(options: LaunchOptions): Promise<VsCodeSession> {
  const install = await ensureCodeServer();
  const t0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-e2e-'));
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  const profileDir = path.join(tmp, 'chromium');
  const configFile = path.join(tmp, 'config.yaml');
  const workspace = path.resolve(options.workspace);
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(configFile, 'auth: none\n'); // else code-server writes ~/.config/code-server/config.yaml
  const trust = options.workspaceTrust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  const settings = { ...DEFAULT_SETTINGS, ...trust, ...options.userSettings };
  fs.writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  for (const dir of options.extensionsToInstall ?? []) {
    fs.cpSync(dir, path.join(extensionsDir, readManifest(dir).folder), { recursive: true, dereference: true });
  }
  // TMPDIR and XDG dirs inside the session's temp dir: VS Code's IPC sockets and code-server's own
  // logs/heartbeat (~/.local/share/code-server) would otherwise pile up outside it.
  const home = (d: string): string => {
    fs.mkdirSync(path.join(tmp, d), { recursive: true });
    return path.join(tmp, d);
  };
  const env = cleanEnv({
    PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}`,
    TMPDIR: home('tmp'),
    XDG_DATA_HOME: home('xdg-data'),
    XDG_CONFIG_HOME: home('xdg-config'),
    XDG_CACHE_HOME: home('xdg-cache'),
    // code-server's own extension gallery (open-vsx.org) is queried at start: not the extension's
    // traffic, and turned off where the test counts every connection attempt.
    ...(options.isolatedNetwork ? { EXTENSIONS_GALLERY: '{}' } : {}),
    ...options.env,
  });
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of options.vsixes ?? []) {
    const r = spawnSync(install.nodeBin, [install.codeServerBin, ...common, '--force', '--install-extension', path.resolve(vsix)], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}\n${r.stderr}`);
  }

  const output: string[] = [];
  // An isolated namespace has a 127.0.0.1 of its own: code-server listens on a unix socket there.
  const socket = options.isolatedNetwork ? path.join(tmp, 'code-server.sock') : undefined;
  const serverArgs = [
    install.codeServerBin,
    ...common,
    ...(socket ? ['--socket', socket] : ['--bind-addr', '127.0.0.1:0']),
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.extensionDevelopmentPath ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  const [command, args] = options.isolatedNetwork ? isolatedCommand(install.nodeBin, serverArgs, options.isolatedNetwork.connectionLog) : [install.nodeBin, serverArgs];
  const child: ChildProcess = spawn(command, args, { env, cwd: workspace, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid!;
  let exited = false;
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  const emergency = (): void => {
    killGroup('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  live.add(emergency);
  child.on('exit', (code, sig) => {
    exited = true;
    output.push(`[code-server exited ${code ?? sig}]`);
  });
  const listening = new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      const s = d.toString();
      output.push(s);
      buf += s;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+|\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => reject(new Error('code-server exited before listening')));
  });
  listening.catch(() => undefined); // a late rejection, after the race below has settled, is not an error

  // Chromium starts while code-server does; close() waits for it either way.
  let context: BrowserContext | undefined;
  let proxy: { url: string; close(): Promise<void> } | undefined;
  const browserStarting = launchChromium(install.chromium, profileDir).then((b) => {
    context = b.context;
    return b;
  });
  browserStarting.catch(() => undefined);
  const close = async (): Promise<void> => {
    live.delete(emergency);
    await browserStarting.catch(() => undefined);
    await context?.close().catch(() => undefined);
    killGroup('SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    killGroup('SIGKILL'); // the extension host and anything else left in the group
    await proxy?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  try {
    let timer: NodeJS.Timeout | undefined;
    const tooLate = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('code-server did not listen within 60 s')), 60_000);
    });
    const address = await Promise.race([listening, tooLate]).finally(() => clearTimeout(timer));
    if (socket) proxy = await unixSocketProxy(address);
    const base = proxy?.url ?? address;
    const at = (): string => ((Date.now() - t0) / 1000).toFixed(2);
    const stages = [`listening +${at()}s`];
    const query = new URLSearchParams({ folder: workspace });
    if (options.extensionDevelopmentPath) {
      const authority = new URL(base).host;
      const dev = `vscode-remote://${authority}${path.resolve(options.extensionDevelopmentPath)}`;
      const tests = options.extensionTestsPath ? [['extensionTestsPath', `vscode-remote://${authority}${path.resolve(options.extensionTestsPath)}`]] : [];
      query.set('payload', JSON.stringify([['extensionDevelopmentPath', dev], ...tests]));
    }
    const url = `${base}/?${query}`;
    const { page } = await browserStarting;
    page.on('console', (m) => output.push(`[browser ${m.type()} +${at()}s] ${m.text().replace(/%c/g, '')}\n`));
    page.on('pageerror', (e) => output.push(`[browser pageerror +${at()}s] ${e.message}\n`));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const readyMs = options.readyTimeoutMs ?? 120_000;
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: readyMs });
    stages.push(`workbench +${at()}s`);
    // ready = the remote extension host is up and has activated its startup ('*') extensions
    await poll('the extension host to start', readyMs, async () => logsContain(userDataDir, /Eager extensions activated/));
    stages.push(`extension host ready +${at()}s`);
    output.push(`[harness] ${stages.join(', ')}\n`);
    return makeSession({ page, context: context!, url, workspace, userDataDir, extensionsDir, startupMs: Date.now() - t0, serverPid: pid, output, close });
  } catch (e) {
    const log = output.join('');
    await close();
    throw new Error(`${(e as Error).message}\n--- code-server / browser output ---\n${log}`);
  }
}

type SessionParts = Pick<VsCodeSession, 'page' | 'context' | 'url' | 'workspace' | 'userDataDir' | 'extensionsDir' | 'startupMs' | 'serverPid' | 'close'> & {
  output: string[];
};

// The few browser globals used inside page.evaluate (tsconfig has no DOM lib; these stay module-local).
declare const document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };
declare function requestIdleCallback(cb: () => void, opts: { timeout: number }): number;

const GHOST = '.monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text';

function makeSession(s: SessionParts): VsCodeSession {
  const { page } = s;
  const ghostText = (): Promise<string> =>
    page.evaluate(() => {
      const inline = [...document.querySelectorAll('.monaco-editor .ghost-text-decoration')].map((e) => e.textContent ?? '').join('');
      const lines = [...document.querySelectorAll('.monaco-editor .ghost-text .view-line, .monaco-editor .ghost-text-decoration-preview')].map(
        (e) => e.textContent ?? '',
      );
      return [inline, ...lines].join('\n').replace(/\u00a0/g, ' ').replace(/\n+$/, '');
    });
  const quickInput = page.locator('.quick-input-widget');
  const quickInputBox = quickInput.locator('.quick-input-box input');

  const session: VsCodeSession = {
    page,
    context: s.context,
    url: s.url,
    workspace: s.workspace,
    userDataDir: s.userDataDir,
    extensionsDir: s.extensionsDir,
    startupMs: s.startupMs,
    serverPid: s.serverPid,

    async openFile(relPath) {
      const base = path.basename(relPath);
      // wait for a result whose label is the file name (file search starts cold)
      const row = quickInput.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: base }) }).first();
      // The workbench can move focus while Quick Open is up (an editor just closed, a view part opening at
      // startup), which closes it: seen in CI both before and after the box showed. Start over once.
      for (let attempt = 1; ; attempt++) {
        try {
          await page.keyboard.press('Control+P');
          await quickInputBox.waitFor({ state: 'visible', timeout: 5_000 });
          await quickInputBox.fill(relPath, { timeout: 10_000 });
          await row.waitFor({ timeout: 30_000 });
          break;
        } catch (e) {
          if (attempt === 2) throw e;
          await page.keyboard.press('Escape');
        }
      }
      await page.keyboard.press('Enter');
      await page.locator(`.tabs-container .tab.active[data-resource-name="${base}"]`).waitFor({ timeout: 30_000 });
      await page.locator('.editor-instance .monaco-editor.focused').waitFor({ timeout: 10_000 });
      await session.waitForIdle();
    },
    async waitForIdle() {
      // Two idle periods of the page: VS Code creates its "Eventually" editor contributions (the inline
      // completions controller among them) in an idle callback registered when the editor was made;
      // idle callbacks run in order, so by the time ours runs, theirs has.
      for (let i = 0; i < 2; i++) {
        await page.evaluate(() => new Promise<void>((r) => requestIdleCallback(() => r(), { timeout: 10_000 })));
      }
    },
    async typeText(text, delayMs = 25) {
      await page.keyboard.type(text, { delay: delayMs });
    },
    async press(key) {
      await page.keyboard.press(key);
    },
    ghostText,
    async ghostTextVisible() {
      return (await page.locator(GHOST).count()) > 0 && (await ghostText()).length > 0;
    },
    async waitForGhostText(timeoutMs = 10_000) {
      return poll('ghost text', timeoutMs, ghostText);
    },
    async waitForNoGhostText(timeoutMs = 5_000) {
      await poll('ghost text to go away', timeoutMs, async () => (await page.locator(GHOST).count()) === 0);
    },
    async runCommand(title) {
      await page.keyboard.press('F1');
      await quickInputBox.waitFor({ state: 'visible', timeout: 10_000 });
      await quickInputBox.fill(`>${title}`);
      const want = title.toLowerCase();
      const index = await poll(`command "${title}" in the palette`, 10_000, () =>
        quickInput
          .locator('.monaco-list-row .label-name')
          .allTextContents()
          .then((labels) => {
            const i = labels.findIndex((l) => l.replace(/\u00a0/g, ' ').trim().toLowerCase() === want);
            return i >= 0 ? String(i) : undefined;
          }),
      );
      await quickInput.locator('.monaco-list-row').nth(Number(index)).click();
      await quickInput.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    },
    async pickQuickItem(text, timeoutMs = 10_000) {
      await quickInputBox.waitFor({ state: 'visible', timeout: timeoutMs });
      await quickInputBox.fill(text);
      const want = text.toLowerCase();
      const index = await poll(`"${text}" in the quick pick`, timeoutMs, () =>
        quickInput
          .locator('.monaco-list-row .label-name')
          .allTextContents()
          .then((labels) => {
            const i = labels.findIndex((l) => l.replace(/\u00a0/g, ' ').toLowerCase().includes(want));
            return i >= 0 ? String(i) : undefined;
          }),
      );
      await quickInput.locator('.monaco-list-row').nth(Number(index)).click();
      await quickInput.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    },
    async save() {
      await page.keyboard.press('Control+S');
      await poll('the active tab to be saved', 10_000, async () => (await page.locator('.tabs-container .tab.active.dirty').count()) === 0);
    },
    async statusBarText(idOrSelector) {
      let sel = '.part.statusbar';
      if (idOrSelector) {
        sel = /^[.#[]/.test(idOrSelector)
          ? idOrSelector
          : `.part.statusbar [id="${idOrSelector}"], .part.statusbar [id$=".${idOrSelector}"]`;
      }
      const texts = await page.locator(sel).allInnerTexts();
      return texts.join(' | ').replace(/\s+/g, ' ').trim();
    },
    async waitForExtensionActivated(extensionId, timeoutMs = 30_000) {
      const needle = new RegExp(`(ExtensionService#_doActivateExtension|Activating extension) ${extensionId.replace(/\./g, '\\.')}[,\\s]`, 'i');
      await poll(`extension ${extensionId} to activate`, timeoutMs, async () => logsContain(s.userDataDir, needle));
    },
    async screenshot(file) {
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      await page.screenshot({ path: file });
    },
    logs() {
      const parts = [s.output.join('')];
      for (const f of extHostLogs(s.userDataDir)) parts.push(`--- ${path.relative(s.userDataDir, f)} ---\n${fs.readFileSync(f, 'utf8')}`);
      return parts.join('\n');
    },
    close: s.close,
  };
  return session;
}
