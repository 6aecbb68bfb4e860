import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSettings } from '../../src/settings/settings';
import { REPO_ROOT } from '../support/tinyModels';

const read = (values: Record<string, unknown>) => readSettings({ get: <T>(k: string) => values[k] as T });

describe('server settings', () => {
  it('default to the local engine', () => {
    const { settings, problems } = read({});
    assert.equal(settings.engine, 'local');
    assert.deepEqual(settings.server, { url: '', protocol: 'auto', model: '', fimTemplate: 'auto', allowInsecureHttp: false, fallbackToLocal: false });
    assert.deepEqual(problems, []);
  });

  it('reads the server, trims the URL and reports bad values', () => {
    const { settings, problems } = read({ engine: 'server', 'server.url': ' http://127.0.0.1:8080/ ', 'server.protocol': 'tgi', 'server.fimTemplate': 'starcoder2', 'server.model': 'm' });
    assert.equal(settings.server.url, 'http://127.0.0.1:8080');
    assert.equal(settings.server.protocol, 'auto');
    assert.equal(settings.server.fimTemplate, 'starcoder2');
    assert.match(problems.join('\n'), /slm\.server\.protocol must be one of auto, llama\.cpp, ollama, openai/);
  });

  it('says so when the server engine has no URL', () => {
    assert.match(read({ engine: 'server' }).problems.join('\n'), /slm\.server\.url is empty/);
  });

  it('are application-scoped and restricted in untrusted workspaces (a workspace can never point them elsewhere)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const props = pkg.contributes.configuration.properties as Record<string, { scope?: string }>;
    const serverKeys = Object.keys(props).filter((k) => k === 'slm.engine' || k.startsWith('slm.server.'));
    assert.equal(serverKeys.length, 7);
    for (const key of serverKeys) assert.equal(props[key]!.scope, 'application', key);
    const restricted: string[] = pkg.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of serverKeys) assert.ok(restricted.includes(key), key);
  });
});
