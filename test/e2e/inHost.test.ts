import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { bundleInHostTests } from '../vscode/bundle';
import type { InHostResults } from '../vscode/index';
import { describeInVsCode } from './describeInVsCode';

/**
 * The in-host integration tests (test/vscode/*.vscodetest.ts, the files `npm run test:vscode`
 * runs under @vscode/test-electron) run here inside code-server's extension host, where VS Code
 * cannot be downloaded: the workbench payload names the runner as `extensionTestsPath`, and the
 * runner writes what passed and failed to a file this test reads.
 */
describeInVsCode<{ resultsFile: string }>('in-host integration tests, in code-server', {
  async prepare({ dir }) {
    const resultsFile = path.join(dir, 'results.json');
    const env = { SLM_TEST_MODEL_DIR: await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' }), SLM_VSCODE_TEST_RESULTS: resultsFile };
    return { launch: { extensionTestsPath: await bundleInHostTests(), env }, fixture: { resultsFile } };
  },
}, (session) => {
  const { vscode, logLines } = session;

  it('all pass', async () => {
    const { resultsFile } = session.fixture;
    const deadline = Date.now() + 300_000;
    while (!fs.existsSync(resultsFile)) {
      if (Date.now() > deadline) throw new Error(`the in-host tests wrote no results within 300 s\n${vscode.logs().slice(-6000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as InHostResults;
    const log = () => logLines().slice(-40).join('\n');
    assert.deepEqual(results.failed, [], `${results.failed.map((f) => `${f.title}\n${f.error}`).join('\n\n')}\n--- the extension's log ---\n${log()}`);
    assert.ok(results.passed.length >= 5, `passed: ${results.passed.join('; ')}`);
  });
});
