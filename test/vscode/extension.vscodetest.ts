/**
 * In-host integration tests: they run inside the extension host with the real `vscode` API
 * (test/vscode/index.ts loads them), against the extension under development and the real
 * worker on a generated model (SLM_TEST_MODEL_DIR). The same file runs under
 * `@vscode/test-electron` (npm run test:vscode) and inside code-server (test/e2e/inHost.test.ts).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'slm-local.slm-complete';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks for ghost text at the cursor and accepts it, until the document grows or `ms` pass; returns what was added ('' if nothing). */
async function acceptCompletion(editor: vscode.TextEditor, ms: number): Promise<string> {
  const before = editor.document.getText();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    // An edit, as typing makes one: VS Code does not ask again at an unchanged position after an
    // empty or failed answer (a request can fail while the settings above reload the model).
    await vscode.commands.executeCommand('type', { text: ' ' });
    await vscode.commands.executeCommand('deleteLeft');
    await vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
    // Asking again cancels the request in flight: give each one up to 15 s (the first may load the
    // model, on a machine busy with other work).
    for (const askedAt = Date.now(); Date.now() - askedAt < 15_000 && Date.now() < deadline; ) {
      await sleep(200);
      await vscode.commands.executeCommand('editor.action.inlineSuggest.commit');
      const after = editor.document.getText();
      if (after !== before) return after.slice(before.length);
    }
  }
  return '';
}

/** A new untitled document with `text`, focused, the cursor at its end. */
async function editorWith(language: string, text: string): Promise<vscode.TextEditor> {
  const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language, content: text }));
  const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
  editor.selection = new vscode.Selection(end, end);
  return editor;
}

describe('the extension in VS Code (in-host)', function () {
  this.timeout(120_000);
  const config = () => vscode.workspace.getConfiguration('slm');

  before(async () => {
    const modelDir = process.env.SLM_TEST_MODEL_DIR;
    assert.ok(modelDir, 'SLM_TEST_MODEL_DIR names the generated model');
    // The generated model's noise seldom parses: the syntax cut has tests of its own.
    for (const [key, value] of Object.entries({ device: 'cpu', threads: 1, debounceMs: 10, syntaxCheck: false, model: modelDir })) {
      await config().update(key, value, vscode.ConfigurationTarget.Global);
    }
  });

  it('activates', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is installed`);
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers every command its manifest contributes', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('completes through its inline completion provider and the real worker', async function () {
    this.timeout(180_000);
    const editor = await editorWith('typescript', 'function add(a: number, b: number) {\n  return ');
    const added = await acceptCompletion(editor, 120_000);
    assert.ok(added.length > 0, 'a completion was accepted into the document');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('follows a settings change without a reload: slm.enabled off gives no completion, on again gives one', async () => {
    await config().update('enabled', false, vscode.ConfigurationTarget.Global);
    try {
      const off = await editorWith('python', 'def square(x):\n    return ');
      assert.equal(await acceptCompletion(off, 5_000), '');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      await config().update('enabled', true, vscode.ConfigurationTarget.Global);
    }
    const on = await editorWith('python', 'def square(x):\n    return ');
    assert.ok((await acceptCompletion(on, 60_000)).length > 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('runs its commands: Pause stops completions, Resume brings them back', async () => {
    await vscode.commands.executeCommand('slm.pause');
    try {
      const paused = await editorWith('typescript', 'const total = ');
      assert.equal(await acceptCompletion(paused, 5_000), '');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    } finally {
      await vscode.commands.executeCommand('slm.resume');
    }
    const resumed = await editorWith('typescript', 'const total = ');
    assert.ok((await acceptCompletion(resumed, 60_000)).length > 0);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
