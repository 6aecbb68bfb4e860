import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { describeInVsCode } from './describeInVsCode';

/**
 * A cloned repository's `.vscode/settings.json` names a model inside it and a download host. With
 * VS Code's workspace trust on, the workspace opens in Restricted Mode: the model comes from the
 * user's settings. Once the workspace is trusted its model applies (it lies inside it), and the
 * host still does not (application scope).
 */
describeInVsCode(
  'workspace trust in VS Code',
  {
    async prepare({ workspace }) {
      const userModel = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
      const otherModel = await ensureTestModel({ size: 'tiny', style: 'standard', precision: 'q4' });
      fs.cpSync(otherModel, path.join(workspace, 'models', 'workspace-model'), { recursive: true });
      fs.mkdirSync(path.join(workspace, '.vscode'));
      fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'slm.model': 'models/workspace-model', 'slm.huggingFaceEndpoint': 'http://downloads.example' }));
      fs.writeFileSync(path.join(workspace, 'main.ts'), '');
      return {
        launch: { workspaceTrust: true, userSettings: { 'slm.model': userModel, 'slm.device': 'cpu', 'slm.threads': 1, 'slm.debounceMs': 10, 'slm.syntaxCheck': false } },
        fixture: { userModel },
      };
    },
  },
  (session) => {
    const { vscode, logLines, waitFor } = session;
    const loads = () => logLines().filter((l) => l.includes('loading model'));

    it('Restricted Mode: the workspace\'s slm.model is ignored, the user\'s model loads and completes', async () => {
      const { userModel } = session.fixture;
      await waitFor('the model to load', () => logLines().some((l) => l.includes('model ready')));
      assert.ok(await vscode.page.locator('.part.statusbar [id$="status.workspaceTrust"], .part.statusbar [aria-label*="Restricted Mode"]').count() > 0, 'VS Code shows Restricted Mode');
      const loaded = loads();
      assert.ok(loaded.length > 0 && loaded.every((l) => l.includes(userModel) && !l.includes('workspace-model')), loaded.join('\n'));
      assert.match(await vscode.statusBarText('slm.status'), new RegExp(path.basename(userModel)));
      await vscode.openFile('main.ts');
      await vscode.typeText('const restricted = ');
      await vscode.waitForGhostText(30_000);
      await vscode.press('Escape');
    });

    it('trusting the workspace applies its model folder (inside it); its download host stays ignored', async () => {
      const { workspace } = session;
      await vscode.runCommand('Workspaces: Manage Workspace Trust');
      await vscode.page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click({ timeout: 30_000 });
      await waitFor('the workspace model to load', async () => (await vscode.statusBarText('slm.status')).includes('workspace-model') || undefined, 120_000);
      assert.ok(loads().some((l) => l.includes(path.join(workspace, 'models', 'workspace-model'))), 'the relative folder was taken from the workspace');
      // Application scope: VS Code does not hand the workspace's value out, or ScopedConfiguration drops it and says so.
      assert.ok(!logLines().some((l) => l.includes('downloads.example')), 'the workspace\'s host is nowhere in the log');
      console.log(`      what the log says was ignored:\n${logLines().filter((l) => l.includes('is ignored')).map((l) => `        ${l}`).join('\n') || '        (nothing: VS Code kept those values from the extension)'}`);
    });
  },
);
