import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFakeHub } from '../support/fakeHub';
import { canIsolateNetwork, readConnections, tracedCommand } from '../support/networkTrace';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { REPO_ROOT, tinyModel } from '../support/tinyModels';

/**
 * Downloads are the one part that may use the network, and only towards the host the user set:
 * `slm download` (the same code as Download Model…) against a Hub on a configured endpoint, with
 * every connection attempt of the process traced.
 */
describe('downloads reach only the configured host', function () {
  const cannot = canIsolateNetwork();
  if (cannot) {
    it.skip(`skipped: ${cannot}`);
    return;
  }
  this.timeout(180_000);
  const folders = tempWorkspaces('slm-download-trace-');
  after(() => folders.removeAll());

  it('every connection of a download goes to the endpoint, none elsewhere (no DNS either)', async () => {
    const hub = await startFakeHub({ repos: { 'onnx-community/Qwen2.5-Coder-0.5B-Instruct': await tinyModel('gqa', 'q4') } });
    const dir = folders.folder();
    const log = path.join(dir, 'connections.log');
    const port = Number(new URL(hub.endpoint).port);
    try {
      const [cmd, args] = tracedCommand(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), 'download', 'qwen2.5-coder-0.5b', '--precision', 'q4', '--dest', path.join(dir, 'model'), '--endpoint', hub.endpoint], log);
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, output);
    } finally {
      await hub.close();
    }
    assert.ok(fs.existsSync(path.join(dir, 'model', 'config.json')), 'the model was downloaded');
    const inet = readConnections(log).filter((c) => c.family !== 'unix');
    console.log(`      ${inet.length} connection attempts, to ${[...new Set(inet.map((c) => `${c.address}:${c.port}`))].join(', ')}; ${hub.requests.length} requests served`);
    assert.ok(inet.length > 0, 'the trace saw the download');
    assert.deepEqual(inet.filter((c) => c.address !== '127.0.0.1' || c.port !== port), [], 'connections to any other host or port');
  });
});
