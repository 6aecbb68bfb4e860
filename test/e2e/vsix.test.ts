import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageVsixes } from '../packaging/package';
import { targetById } from '../packaging/targets';
import { ensureTestModel } from '../modelgen/testModels';
import { NODE_LLAMA_CPP_ENV } from '../../src/engine/gguf/llamaCpp';
import { ensureTestGguf } from '../support/gguf';
import { describeInVsCode, EXTENSION_ID } from './describeInVsCode';
import { TYPED_SETTINGS, updateUserSettings } from './userSettings';

/**
 * The product as a user installs it: `npm run package`'s linux-x64 VSIX installed with
 * `code-server --install-extension`. It ships no model: first the status bar says so and no ghost
 * text appears; then `slm.model` names a generated model and completions come; then a GGUF file
 * written from the same weights, run by the node-llama-cpp the VSIX carries.
 */
describeInVsCode('the VSIX installed in VS Code', {
  cannotRun: () => (`${process.platform}-${process.arch}` !== 'linux-x64' ? 'not on linux-x64' : undefined),
  async prepare({ dir, workspace }) {
    const { built } = await packageVsixes({ targets: [targetById('linux-x64')], outDir: dir, strict: true, log: () => undefined });
    for (const name of ['first.py', 'second.ts', 'third.py']) fs.writeFileSync(path.join(workspace, name), '');
    return {
      launch: {
        vsixes: [built[0].file],
        // The generated model's noise seldom parses; this is about installing, not the syntax cut.
        userSettings: { 'slm.device': 'cpu', 'slm.threads': 1, 'slm.debounceMs': 10, 'slm.syntaxCheck': false, ...TYPED_SETTINGS },
        env: { [NODE_LLAMA_CPP_ENV]: '' }, // empty: not set, whatever other tests in this process set
      },
    };
  },
}, (session) => {
  const { vscode, logLines, waitFor } = session;

  it('installs the VSIX layout: this platform\'s onnxruntime and llama.cpp binaries only, no model', () => {
    const installed = path.join(vscode.extensionsDir, fs.readdirSync(vscode.extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`))!);
    const bin = path.join(installed, 'dist', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    assert.deepEqual(fs.readdirSync(bin), ['linux']);
    assert.deepEqual(fs.readdirSync(path.join(bin, 'linux')), ['x64']);
    assert.deepEqual(fs.readdirSync(path.join(installed, 'dist', 'node_modules', '@node-llama-cpp')), ['linux-x64']);
    assert.equal(fs.existsSync(path.join(installed, 'models')), false);
  });

  it('with no model: the walkthrough opens, the status bar says so, and typing gives no ghost text and asks no model', async () => {
    await waitFor('the no-model line', () => logLines().some((l) => l.includes('no model installed yet')));
    await vscode.page.getByText('Download the model suggested for this machine').first().waitFor({ timeout: 20_000 });
    await waitFor('the status bar', async () => (await vscode.statusBarText('slm.status')).includes('SLM: no model'), 10_000);
    await vscode.openFile('first.py');
    await vscode.typeText('def add(a, b):\n    return ');
    await assert.rejects(vscode.waitForGhostText(4_000), /timed out/);
    assert.equal(logLines().filter((l) => l.includes('request model')).length, 0);
    await vscode.save();
  });

  it('with slm.model set to a generated model: the model loads from the VSIX\'s onnxruntime, is called a test model, and ghost text appears', async () => {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    await updateUserSettings(vscode, { 'slm.model': modelDir });
    const ready = await waitFor('the model to load', () => logLines().find((l) => l.includes('completion model ready')));
    assert.match(ready, /\(test model\)/);
    await waitFor('the status bar', async () => (await vscode.statusBarText('slm.status')).includes('(test model)'), 10_000);
    await vscode.press('Escape'); // settings.json opens as a modal editor over the others
    await vscode.openFile('second.ts');
    await vscode.typeText('function add(a: number, b: number) {\n  return ');
    const ghost = await vscode.waitForGhostText(30_000);
    assert.ok(ghost.trim().length > 0);
  });

  it('with slm.model set to a GGUF file: llama.cpp from the VSIX loads it and ghost text appears', async () => {
    const gguf = ensureTestGguf('tiny', 'Q4_0', await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' }));
    await vscode.press('Escape'); // the last test's ghost text
    await vscode.save();
    await updateUserSettings(vscode, { 'slm.model': gguf });
    // The GGUF names itself by its metadata (general.name), not by the file.
    await waitFor('the GGUF model to load', () => {
      const lines = logLines();
      const loading = lines.findIndex((l) => l.includes(`completion: loading model ${gguf}`));
      return loading >= 0 && lines.slice(loading).some((l) => l.includes('completion model ready: tiny (random weights)'));
    });
    await vscode.press('Escape');
    await vscode.openFile('third.py');
    await vscode.typeText('def mul(a, b):\n    return ');
    const ghost = await vscode.waitForGhostText(30_000);
    assert.ok(ghost.trim().length > 0);
    assert.deepEqual(logLines().filter((l) => /node-llama-cpp|provider-unavailable/.test(l)), []);
  });
});
