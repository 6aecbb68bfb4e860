/**
 * Self-test of the end-to-end harness: a throwaway extension whose inline completion provider always
 * offers `HARNESS_OK()`, in a real VS Code (code-server) driven by headless Chromium.
 * Runs unless SLM_SKIP_E2E=1. The first run installs chromium, Node 24 and code-server (minutes).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keepEvidence } from './evidence';
import { launchVsCode, type LaunchOptions, type VsCodeSession } from './vscode';

export const SKIP_E2E = process.env.SLM_SKIP_E2E === '1';

const EXTENSION_ID = 'slm-e2e.harness';

/** Writes the throwaway extension and a workspace holding an empty `a.ts`. */
function makeFixture(root: string): { ext: string; workspace: string } {
  const ext = path.join(root, 'harness-ext');
  const workspace = path.join(root, 'workspace');
  fs.mkdirSync(ext, { recursive: true });
  fs.mkdirSync(workspace, { recursive: true });
  const manifest = {
    name: 'harness',
    publisher: 'slm-e2e',
    version: '0.0.1',
    engines: { vscode: '^1.90.0' },
    activationEvents: ['onStartupFinished'],
    main: './extension.js',
    contributes: {},
  };
  fs.writeFileSync(path.join(ext, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(
    path.join(ext, 'extension.js'),
    `const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, {
      provideInlineCompletionItems: () => [{ insertText: 'HARNESS_OK()' }],
    }),
  );
  const item = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Left, 100);
  item.text = 'HARNESS_STATUS';
  item.show();
  context.subscriptions.push(item);
};
`,
  );
  fs.writeFileSync(path.join(workspace, 'a.ts'), '');
  return { ext, workspace };
}

function e2eSuite(title: string, load: (ext: string) => Partial<LaunchOptions>, body: (ctx: { vs: () => VsCodeSession; workspace: () => string }) => void): void {
  describe(title, function () {
    this.timeout(20 * 60_000); // the first run installs chromium, Node 24 and code-server
    let vs: VsCodeSession | undefined;
    let root = '';
    let workspace = '';

    before(async function () {
      if (SKIP_E2E) {
        console.log('    (skipped: SLM_SKIP_E2E=1)');
        this.skip();
      }
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-e2e-fixture-'));
      const f = makeFixture(root);
      workspace = f.workspace;
      vs = await launchVsCode({ workspace, ...load(f.ext) });
      console.log(`    (VS Code ready in ${(vs.startupMs / 1000).toFixed(1)} s)`);
      await vs.waitForExtensionActivated(EXTENSION_ID);
      await vs.openFile('a.ts');
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await keepEvidence(vs, `${title} ${this.currentTest.title}`);
    });

    after(async () => {
      await vs?.close();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    body({ vs: () => vs!, workspace: () => workspace });
  });
}

e2eSuite('e2e harness: extension copied into the extensions dir', (ext) => ({ extensionsToInstall: [ext] }), ({ vs, workspace }) => {
  it('typing shows ghost text; Tab accepts it; save writes it to disk', async () => {
    await vs().typeText('const x = ');
    assert.match(await vs().waitForGhostText(15_000), /HARNESS_OK/);
    await vs().press('Tab');
    await vs().save();
    assert.equal(fs.readFileSync(path.join(workspace(), 'a.ts'), 'utf8'), 'const x = HARNESS_OK()');
  });

  it('Escape dismisses ghost text; the palette command brings it back', async () => {
    await vs().press('Enter');
    await vs().typeText('const y = ');
    assert.match(await vs().waitForGhostText(15_000), /HARNESS_OK/);
    await vs().press('Escape');
    await vs().waitForNoGhostText();
    assert.equal(await vs().ghostTextVisible(), false);
    await vs().save();
    assert.equal(fs.readFileSync(path.join(workspace(), 'a.ts'), 'utf8'), 'const x = HARNESS_OK()\nconst y = ');
    await vs().runCommand('Trigger Inline Suggestion');
    assert.match(await vs().waitForGhostText(15_000), /HARNESS_OK/);
  });

  it("reads the extension's status bar item", async () => {
    assert.equal(await vs().statusBarText('status'), 'HARNESS_STATUS');
    assert.match(await vs().statusBarText(), /HARNESS_STATUS/);
  });
});

e2eSuite('e2e harness: extension loaded in place (extensionDevelopmentPath)', (ext) => ({ extensionDevelopmentPath: ext }), ({ vs, workspace }) => {
  it('typing shows ghost text and Tab accepts it', async () => {
    await vs().typeText('let z = ');
    assert.match(await vs().waitForGhostText(15_000), /HARNESS_OK/);
    await vs().press('Tab');
    await vs().save();
    assert.equal(fs.readFileSync(path.join(workspace(), 'a.ts'), 'utf8'), 'let z = HARNESS_OK()');
  });
});
