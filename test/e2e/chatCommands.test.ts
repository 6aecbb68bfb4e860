import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { describeInVsCode } from './describeInVsCode';
/** No grammar ships for Ruby, so the generated model's noise passes the syntax check and a proposal can be accepted. */
const RUBY = 'def area(r)\n  3.14 * r * r\nend\n\ndef perimeter(r)\n  2 * 3.14 * r\nend\n';
const TS = 'export function total(prices: number[], rate: number): number {\n  let sum = 0;\n  for (const p of prices) sum += p;\n  return sum * (1 + rate);\n}\n';

/**
 * Explain and Refactor in a real VS Code (code-server + Chromium) with the generated tiny model,
 * which serves completions and chat from one copy of its weights. Its answers are noise; what is
 * tested is the streaming, Stop, the preview, Accept, Undo, Reject and the edit guard.
 */
describeInVsCode('Explain and Refactor in VS Code', {
  async prepare({ workspace }) {
    const modelDir = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    for (const name of ['accept.rb', 'reject.rb', 'guard.rb']) fs.writeFileSync(path.join(workspace, name), RUBY);
    fs.writeFileSync(path.join(workspace, 'total.ts'), TS);
    fs.writeFileSync(path.join(workspace, 'typing.ts'), '');
    const userSettings = {
      'slm.model': modelDir, 'slm.device': 'cpu', 'slm.threads': 1, 'slm.debounceMs': 10, 'slm.syntaxCheck': false,
      // Long answers, so that Stop and a completion meet an answer still streaming.
      'slm.chatMaxNewTokens': 6000,
    };
    return { launch: { userSettings } };
  },
  modelReady: true,
}, (session) => {
  const { vscode, logLines, waitFor } = session;
  const fileText = (name: string) => fs.readFileSync(path.join(session.workspace, name), 'utf8');
  /** The Explain panel's document: a webview iframe holding the content iframe. */
  const panel = () => vscode.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  const diffTab = () => vscode.page.locator('.tabs-container .tab', { hasText: '(proposal)' });
  /** Starts Refactor with a preset on all of `file`, and waits until the proposal asks to be accepted. */
  async function refactorAll(file: string): Promise<void> {
    const ready = logLines().filter((l) => l.includes('proposal ready')).length;
    await vscode.runCommand('Notifications: Clear All Notifications');
    await vscode.runCommand('View: Focus First Editor Group');
    await vscode.openFile(file);
    await vscode.press('Control+A');
    await vscode.runCommand('Local Completion: Refactor Selection…');
    await vscode.pickQuickItem('Simplify', 60_000);
    await diffTab().waitFor({ timeout: 60_000 });
    await waitFor('the proposal', () => logLines().filter((l) => l.includes('proposal ready')).length > ready);
  }

  it('Explain opens the panel and the answer streams in; Stop stops it', async () => {
    await vscode.openFile('total.ts');
    await vscode.press('Control+A');
    await vscode.runCommand('Local Completion: Explain Selection');
    await panel().locator('#subject').filter({ hasText: 'total.ts' }).waitFor({ timeout: 60_000 });
    await waitFor('streamed text', async () => ((await panel().locator('#answer').textContent()) ?? '').length > 20);
    await panel().locator('#stop').click();
    await panel().locator('.turn[data-state="stopped"]').waitFor({ timeout: 10_000 });
    assert.match((await panel().locator('#figures').textContent()) ?? '', /stopped/);
    const line = await waitFor('the explain log line', () => logLines().find((l) => l.includes('explain:') && l.includes('cancelled')));
    assert.match(line, /first token \d+ ms/);
  });

  it('ghost text still appears while an explanation streams', async () => {
    // Stop's click left the focus in the panel's editor group.
    await vscode.runCommand('View: Focus First Editor Group');
    await vscode.openFile('total.ts');
    await vscode.press('Control+A');
    await vscode.runCommand('Local Completion: Explain Selection');
    await waitFor('streamed text', async () => ((await panel().locator('#answer').textContent()) ?? '').length > 20);
    const explained = logLines().filter((l) => l.includes('explain:')).length;
    await vscode.openFile('typing.ts');
    await vscode.typeText('const value = ');
    await vscode.waitForGhostText(30_000);
    assert.equal(logLines().filter((l) => l.includes('explain:')).length, explained, 'the explanation was still streaming when the ghost text came');
    await vscode.press('Escape');
  });

  it('Refactor shows the proposal; Accept applies it as one edit (not saved) and one Undo restores the file', async () => {
    await refactorAll('accept.rb');
    await vscode.runCommand('Local Completion: Accept Refactor');
    await waitFor('the preview to close', async () => (await diffTab().count()) === 0);
    assert.equal(fileText('accept.rb'), RUBY, 'the extension never saves the file');
    await vscode.openFile('accept.rb');
    await vscode.save();
    const changed = fileText('accept.rb');
    assert.notEqual(changed, RUBY);
    await vscode.press('Control+Z');
    await vscode.save();
    assert.equal(fileText('accept.rb'), RUBY, 'one undo step restores the original');
  });

  it('Reject leaves the file as it was', async () => {
    await refactorAll('reject.rb');
    await vscode.runCommand('Local Completion: Reject Refactor');
    await waitFor('the preview to close', async () => (await diffTab().count()) === 0);
    await vscode.openFile('reject.rb');
    assert.equal(await vscode.page.locator('.tabs-container .tab.active.dirty').count(), 0, 'not even modified in the editor');
    assert.equal(fileText('reject.rb'), RUBY);
  });

  it('lines edited while the model wrote: nothing is applied, and a message says why', async () => {
    await refactorAll('guard.rb');
    // The document kept the focus: a character typed inside the lines being refactored.
    await vscode.press('Control+Home');
    await vscode.typeText('#');
    await vscode.runCommand('Local Completion: Accept Refactor');
    await waitFor('the refusal', () => logLines().some((l) => l.includes('edited while the model wrote')));
    await vscode.openFile('guard.rb');
    await vscode.save();
    assert.equal(fileText('guard.rb'), `#${RUBY}`, 'only what the user typed');
  });
});
