/**
 * The frame the extension's end-to-end suites share: skipped, saying why, where it cannot run; a
 * temp folder holding the workspace; code-server + Chromium with the extension (loaded in place
 * from the checkout unless the suite installs it); its activation, and the model when asked,
 * awaited before the first test; a screenshot and the logs of a failed test kept; everything
 * closed and deleted after the last.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/tinyModels';
import { keepEvidence } from './evidence';
import { extensionLogLines, waitForLog } from './extensionLog';
import { launchVsCode, type LaunchOptions, type VsCodeSession } from './vscode';

export const EXTENSION_ID = 'slm-local.slm-complete';

type Check<T> = () => T | undefined | false | Promise<T | undefined | false>;

/** What `prepare` gives: how to launch VS Code, and what the suite's tests need of what it made (models, a server). */
export type Prepared<F> = { launch: Omit<LaunchOptions, 'workspace'> } & (undefined extends F ? { fixture?: F } : { fixture: F });

export interface InVsCodeOptions<F> {
  /** Why the suite cannot run here, beyond SLM_SKIP_E2E=1 (always checked); undefined when it can. */
  cannotRun?: () => string | undefined;
  /**
   * Writes the workspace's files (and anything else the suite needs, under `dir`, deleted after
   * the suite) and gives what to launch VS Code with. The extension is loaded in place from the
   * checkout unless `launch` installs it (`vsixes`, `extensionsToInstall`).
   */
  prepare(where: { dir: string; workspace: string }): Promise<Prepared<F>>;
  /** Before the first test, wait until the extension's log says a model is ready too. */
  modelReady?: boolean;
  /** Each test's limit (default 600 s). */
  timeoutMs?: number;
  /** The limit for preparing and launching, when it is longer than a test's (a first build of a server, say). */
  launchTimeoutMs?: number;
  /** After VS Code has closed: stops what `prepare` started. */
  teardown?: (fixture: F) => Promise<void>;
}

/** What a suite's tests use, from the first test on. */
export interface InVsCode<F> {
  /** Stands for the running session: a suite names it where it declares its tests, and uses it in them. */
  readonly vscode: VsCodeSession;
  /** What `prepare` made. */
  readonly fixture: F;
  /** The folder VS Code has open. */
  readonly workspace: string;
  /** The extension's log output channel, as written so far. */
  logLines(): string[];
  /** Polls `check` until it gives a truthy value; on timeout the error shows the log's last lines. */
  waitFor<T>(what: string, check: Check<T>, timeoutMs?: number): Promise<T>;
}

export function describeInVsCode<F = undefined>(title: string, options: InVsCodeOptions<F>, body: (session: InVsCode<F>) => void): void {
  describe(title, function () {
    const cannot = process.env.SLM_SKIP_E2E === '1' ? 'SLM_SKIP_E2E=1' : options.cannotRun?.();
    if (cannot) {
      it.skip(`skipped: ${cannot}`);
      return;
    }
    let vscode: VsCodeSession | undefined;
    let prepared: Prepared<F> | undefined;
    let dir = '';
    const launched = (): VsCodeSession => vscode ?? assert.fail('VS Code is not running: the suite\'s launch failed');
    const session: InVsCode<F> = {
      // A session's members are closures over it, not methods needing `this`: each is read from the live one.
      vscode: new Proxy({} as VsCodeSession, { get: (_, key) => Reflect.get(launched(), key) }),
      get fixture() {
        return prepared ? (prepared.fixture as F) : assert.fail('the suite was not prepared');
      },
      get workspace() {
        return launched().workspace;
      },
      logLines: () => extensionLogLines(launched().userDataDir),
      waitFor: (what, check, timeoutMs = 60_000) => waitForLog(launched().userDataDir, what, check, timeoutMs),
    };

    this.timeout(options.launchTimeoutMs ?? options.timeoutMs ?? 600_000);
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-e2e-suite-'));
      const workspace = path.join(dir, 'workspace');
      fs.mkdirSync(workspace);
      prepared = await options.prepare({ dir, workspace });
      const { launch } = prepared;
      const installed = launch.vsixes?.length || launch.extensionsToInstall?.length;
      vscode = await launchVsCode({ ...(installed ? {} : { extensionDevelopmentPath: REPO_ROOT }), ...launch, workspace });
      await vscode.waitForExtensionActivated(EXTENSION_ID);
      if (options.modelReady) await session.waitFor('the model to load', () => session.logLines().some((l) => l.includes('model ready')));
    });
    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await keepEvidence(vscode, `${title} ${this.currentTest.title}`);
    });
    after(async () => {
      await vscode?.close();
      if (prepared) await options.teardown?.(prepared.fixture as F);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });
    this.timeout(options.timeoutMs ?? 600_000);

    body(session);
  });
}
