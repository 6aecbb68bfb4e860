import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { ensureLlamaServer, startLlamaServer, tinyGguf, type RunningLlamaServer } from '../support/llamaServer';
import { describeInVsCode } from './describeInVsCode';
import { updateUserSettings } from './userSettings';

/** What the server has done so far: prompt tokens processed and tokens generated (its /metrics). */
async function serverWork(server: RunningLlamaServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^llamacpp:${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return value('prompt_tokens_total') + value('tokens_predicted_total');
}

/**
 * The extension in code-server with slm.engine = server against a real llama-server (the tiny
 * generated model as a GGUF), then switched back to the local engine without a reload.
 */
describeInVsCode<{ server: RunningLlamaServer; modelDir: string }>('the server engine in VS Code', {
  async prepare({ workspace }) {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    const server = await startLlamaServer(await ensureLlamaServer(), await tinyGguf(), ['-c', '2048', '-np', '1', '-b', '512', '--metrics']);
    for (const name of ['served.ts', 'local.ts']) fs.writeFileSync(path.join(workspace, name), '');
    const userSettings = {
      'slm.engine': 'server', 'slm.server.url': server.url,
      'slm.model': modelDir, 'slm.device': 'cpu', 'slm.threads': 1, 'slm.debounceMs': 10, 'slm.syntaxCheck': false,
      'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoSurround': 'never',
    };
    return { launch: { userSettings }, fixture: { server, modelDir } };
  },
  teardown: ({ server }) => server.stop(),
  launchTimeoutMs: 45 * 60_000, // a first llama-server build on a fresh machine
  timeoutMs: 300_000,
}, (session) => {
  const { vscode, logLines, waitFor } = session;

  it('connects to llama-server: the status bar names its model', async () => {
    const { server, modelDir } = session.fixture;
    const ggufName = path.basename(await tinyGguf());
    await waitFor('the server connection', () => logLines().some((l) => l.includes(`completion model ready: ${ggufName} (llama.cpp server at ${server.url}`)));
    const shown = await waitFor('the server model in the status bar', async () => {
      const text = await vscode.statusBarText('slm.status');
      return text.includes(ggufName) && text;
    }, 10_000);
    assert.match(shown, /SLM: /);
    assert.ok(!logLines().some((l) => l.includes(`model ready: ${path.basename(modelDir)}`)), 'the local model was not loaded');
  });

  it('shows ghost text from the server engine', async () => {
    const { server } = session.fixture;
    const before = await serverWork(server);
    await vscode.openFile('served.ts');
    await vscode.typeText('function add(a: number, b: number) {\n  return ');
    const ghost = await vscode.waitForGhostText(30_000);
    assert.ok(ghost.trim().length > 0);
    assert.ok((await serverWork(server)) > before, 'llama-server did the work');
    await vscode.press('Escape');
  });

  it('switching slm.engine back to local works without a reload', async () => {
    const { server, modelDir } = session.fixture;
    await updateUserSettings(vscode, { 'slm.engine': 'local' });
    await waitFor('the switch', () => logLines().some((l) => l.includes('engine: local')));
    await waitFor('the local model', () => logLines().some((l) => l.includes('model ready') && l.includes(path.basename(modelDir))));
    await new Promise((r) => setTimeout(r, 500));
    const before = await serverWork(server);
    await vscode.openFile('local.ts');
    await vscode.typeText('const total = ');
    const ghost = await vscode.waitForGhostText(30_000);
    assert.ok(ghost.trim().length > 0);
    assert.equal(await serverWork(server), before, 'llama-server was not asked');
    await vscode.press('Escape');
  });
});
