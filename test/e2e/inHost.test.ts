import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { REPO_ROOT } from '../support/tinyModels';
import { bundleInHostTests } from '../vscode/bundle';
import type { InHostResults } from '../vscode/index';
import { extensionLogLines } from './extensionLog';
import { launchVsCode, type VsCodeSession } from './vscode';

/**
 * The in-host integration tests (test/vscode/*.vscodetest.ts, the files `npm run test:vscode`
 * runs under @vscode/test-electron) run here inside code-server's extension host, where VS Code
 * cannot be downloaded: the workbench payload names the runner as `extensionTestsPath`, and the
 * runner writes what passed and failed to a file this test reads.
 */
describe('in-host integration tests, in code-server', function () {
  if (process.env.SLM_SKIP_E2E === '1') {
    it.skip('skipped: SLM_SKIP_E2E=1');
    return;
  }
  this.timeout(600_000);
  let vscode: VsCodeSession | undefined;
  let tmp: string;
  after(async () => {
    await vscode?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('all pass', async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-inhost-'));
    const resultsFile = path.join(tmp, 'results.json');
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    vscode = await launchVsCode({
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: await bundleInHostTests(),
      workspace,
      env: { SLM_TEST_MODEL_DIR: await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' }), SLM_VSCODE_TEST_RESULTS: resultsFile },
    });
    const deadline = Date.now() + 300_000;
    while (!fs.existsSync(resultsFile)) {
      if (Date.now() > deadline) throw new Error(`the in-host tests wrote no results within 300 s\n${vscode.logs().slice(-6000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as InHostResults;
    const log = () => extensionLogLines(vscode!.userDataDir).slice(-40).join('\n');
    assert.deepEqual(results.failed, [], `${results.failed.map((f) => `${f.title}\n${f.error}`).join('\n\n')}\n--- the extension's log ---\n${log()}`);
    assert.ok(results.passed.length >= 5, `passed: ${results.passed.join('; ')}`);
  });
});
