/**
 * `npm start`: the product in a real VS Code. Starts code-server on 127.0.0.1 with the built
 * extension installed, the embedded default model, and a sample workspace, then prints the
 * address to open in a browser. Ctrl+C stops it. The first run installs code-server (minutes).
 *
 *   SLM_PORT=8737 (default) npm start
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanEnv, ensureCodeServer, REPO_ROOT } from './setup';
import { stageWithTestModel } from './stageExtension';

async function main(): Promise<void> {
  const port = Number(process.env.SLM_PORT) || 8737;
  const install = await ensureCodeServer();
  const home = path.join(REPO_ROOT, '.cache', 'product');
  const extensionsDir = path.join(home, 'extensions');
  const userDataDir = path.join(home, 'user-data');
  const workspace = path.join(home, 'workspace');
  stageWithTestModel(extensionsDir);
  if (!fs.existsSync(workspace)) fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'sample-workspace'), workspace, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    // The embedded model's noise seldom parses, so the syntax check is off here to show ghost text.
    const settings = { 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'update.mode': 'none', 'extensions.autoUpdate': false, 'telemetry.telemetryLevel': 'off', 'slm.syntaxCheck': false };
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  }
  const configFile = path.join(home, 'config.yaml');
  fs.writeFileSync(configFile, 'auth: none\n');
  const child = spawn(
    install.nodeBin,
    [install.codeServerBin, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
      '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', workspace],
    { env: cleanEnv({ PATH: `${path.dirname(install.nodeBin)}${path.delimiter}${process.env.PATH ?? ''}` }), stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM'); // the whole group: code-server's extension host and our worker too
    } catch {
      // already gone
    }
  };
  process.on('SIGINT', () => (stop(), process.exit(0)));
  process.on('SIGTERM', () => (stop(), process.exit(0)));
  child.stdout!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (/HTTP server listening/.test(text)) {
      process.stdout.write(`\nLocal Code Completion is running in VS Code: open http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}\n(Ctrl+C to stop)\n\n`);
    }
  });
  child.on('exit', (code) => process.exit(code ?? 0));
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
