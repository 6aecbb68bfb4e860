import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureTestModel } from '../modelgen/testModels';
import { canIsolateNetwork, isLoopback, namespaceCounters, readConnections } from '../support/networkTrace';
import { describeInVsCode } from './describeInVsCode';
import { TYPED_SETTINGS, updateUserSettings } from './userSettings';
/** No grammar ships for Ruby, so the generated model's noise passes the refactor's syntax check. */
const RUBY = 'def area(r)\n  3.14 * r * r\nend\n';

/**
 * The offline promise, proven: a whole session (start, completions, Explain, Refactor, a settings
 * change, the model picker) with code-server, its extension host and the inference worker in a
 * network namespace that has only loopback (Chromium stays outside, through a unix socket). Every
 * connect/send of that process tree is traced: none may aim beyond loopback, none at a DNS server.
 */
describeInVsCode<{ otherModel: string; connectionLog: string }>('offline: a whole session with no network', {
  cannotRun: canIsolateNetwork,
  async prepare({ dir, workspace }) {
    const model = await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' });
    const otherModel = await ensureTestModel({ size: 'tiny', style: 'standard', precision: 'q4' });
    const connectionLog = path.join(dir, 'connections.log');
    fs.writeFileSync(path.join(workspace, 'main.ts'), '');
    fs.writeFileSync(path.join(workspace, 'shape.rb'), RUBY);
    return {
      launch: {
        isolatedNetwork: { connectionLog },
        userSettings: { 'slm.model': model, 'slm.device': 'cpu', 'slm.threads': 1, 'slm.debounceMs': 10, 'slm.syntaxCheck': false, 'slm.chatMaxNewTokens': 48, ...TYPED_SETTINGS },
      },
      fixture: { otherModel, connectionLog },
    };
  },
}, (session) => {
  const { vscode, logLines, waitFor } = session;
  const count = (needle: string) => logLines().filter((l) => l.includes(needle)).length;

  it('starts, completes, explains, refactors, takes a settings change and opens the model picker', async () => {
    const { otherModel } = session.fixture;
    await waitFor('the model to load', () => logLines().some((l) => l.includes('model ready')));

    await vscode.openFile('main.ts');
    await vscode.typeText('function area(r: number) {\n  return ');
    await vscode.waitForGhostText(30_000);
    await vscode.press('Tab');
    await vscode.save();

    await vscode.press('Control+A');
    await vscode.runCommand('Local Completion: Explain Selection');
    await waitFor('the explanation', () => count('explain:') > 0);
    assert.ok(!logLines().some((l) => /explain:.*(failed|error)/i.test(l)), 'the explanation finished');

    await vscode.runCommand('View: Focus First Editor Group');
    await vscode.openFile('shape.rb');
    await vscode.press('Control+A');
    await vscode.runCommand('Local Completion: Refactor Selection…');
    await vscode.pickQuickItem('Simplify', 60_000);
    await waitFor('the proposal', () => count('proposal ready') > 0);
    await vscode.runCommand('Local Completion: Reject Refactor');

    await vscode.runCommand('Local Completion: Download Model…');
    await vscode.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Qwen2.5-Coder' }).first().waitFor({ timeout: 30_000 });
    await vscode.press('Escape');

    await updateUserSettings(vscode, { 'slm.model': otherModel });
    await waitFor('the changed model', async () => (await vscode.statusBarText('slm.status')).includes(path.basename(otherModel)) || undefined);
    assert.deepEqual(logLines().filter((l) => /\[error\]/.test(l)), [], 'no error in the extension log');
  });

  it('nothing in the server\'s process tree tried to reach beyond loopback', () => {
    const counters = namespaceCounters(vscode.serverPid);
    const connections = readConnections(session.fixture.connectionLog);
    const outside = connections.filter((c) => !isLoopback(c));
    const dns = connections.filter((c) => c.port === 53);
    const byKind = new Map<string, number>();
    for (const c of connections) byKind.set(`${c.family} ${c.call}`, (byKind.get(`${c.family} ${c.call}`) ?? 0) + 1);
    console.log(`      traced: ${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}; processes ${new Set(connections.map((c) => c.pid)).size}`);
    console.log(`      namespace: interfaces ${counters.interfaces.join(', ')}; tcp opens ${counters.tcpActiveOpens}, udp datagrams out ${counters.udpOutDatagrams}, no-route packets ${counters.outNoRoutes}, bytes out beyond lo ${counters.bytesOut}`);
    const attempts = new Map<string, number>();
    for (const c of outside) attempts.set(`${c.address}:${c.port} from ${c.program}`, (attempts.get(`${c.address}:${c.port} from ${c.program}`) ?? 0) + 1);
    for (const [what, n] of attempts) console.log(`      beyond loopback: ${n}x ${what}`);
    assert.ok(connections.length > 0, 'the trace saw the session\'s own (loopback/unix) connections');
    assert.deepEqual(counters.interfaces, ['lo']);
    assert.deepEqual(outside, [], 'connections beyond loopback');
    assert.deepEqual(dns, [], 'DNS lookups');
    assert.equal(counters.outNoRoutes, 0, 'packets with no route (an attempt to reach an outside address)');
  });
});
