/**
 * `npm run test:vscode`: the in-host integration tests (test/vscode/*.vscodetest.ts) in a real
 * desktop VS Code, downloaded by @vscode/test-electron into `.vscode-test/` (needs network once;
 * CI here runs the same files inside code-server instead: test/e2e/inHost.test.ts).
 *
 *   npm run test:vscode                      # VS Code stable
 *   SLM_VSCODE_VERSION=1.90.0 npm run test:vscode
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { ensureTestModel } from '../modelgen/testModels';
import { REPO_ROOT } from '../support/tinyModels';
import { bundleInHostTests } from './bundle';

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-test-electron-'));
  try {
    const workspace = path.join(tmp, 'workspace');
    fs.mkdirSync(workspace);
    const code = await runTests({
      version: process.env.SLM_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: await bundleInHostTests(),
      extensionTestsEnv: { SLM_TEST_MODEL_DIR: await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' }) },
      // A fresh profile, no other extensions, no trust prompt.
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', path.join(tmp, 'user-data')],
    });
    process.exitCode = code;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
