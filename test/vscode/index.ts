/**
 * The in-host test runner: the module VS Code loads with `--extensionTestsPath` (from
 * `@vscode/test-electron` in `npm run test:vscode`, from code-server's workbench payload in
 * test/e2e/inHost.test.ts). It runs the bundled `*.vscodetest.js` files beside it with mocha
 * inside the extension host, where `vscode` is the real API, and rejects when one fails. With
 * SLM_VSCODE_TEST_RESULTS set it also writes what ran to that file, for a caller that cannot read
 * the extension host's exit code (code-server).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface InHostResults {
  passed: string[];
  failed: { title: string; error: string }[];
}

export async function run(): Promise<void> {
  // mocha 12 is an ES module: imported, not required, from this CommonJS bundle.
  const { default: Mocha } = (await import('mocha')) as { default: typeof import('mocha') };
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  for (const file of fs.readdirSync(__dirname).filter((f) => f.endsWith('.vscodetest.js')).sort()) mocha.addFile(path.join(__dirname, file));
  await mocha.loadFilesAsync();
  const results: InHostResults = { passed: [], failed: [] };
  await new Promise<void>((resolve) => {
    mocha
      .run(() => resolve())
      .on('pass', (test) => results.passed.push(test.fullTitle()))
      .on('fail', (test, err: Error) => results.failed.push({ title: test.fullTitle(), error: err.stack ?? err.message }));
  });
  const out = process.env.SLM_VSCODE_TEST_RESULTS;
  if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));
  if (results.failed.length) throw new Error(`${results.failed.length} in-host test(s) failed:\n${results.failed.map((f) => `${f.title}\n${f.error}`).join('\n\n')}`);
}
