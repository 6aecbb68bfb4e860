import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/tinyModels';

interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  format?: string;
  scope?: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  capabilities: { untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations?: string[] } };
  contributes: { configuration: { properties: Record<string, SettingSchema> } | { properties: Record<string, SettingSchema> }[] };
};
const settings = Object.fromEntries([manifest.contributes.configuration].flat().flatMap((c) => Object.entries(c.properties)));
const restricted = new Set(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations ?? []);

const isString = (s: SettingSchema) => [s.type ?? []].flat().includes('string');
const lastPart = (key: string) => key.split('.').pop()!;
/** A setting whose value is a host: by its name, its format or its default. */
const namesHost = (key: string, s: SettingSchema) =>
  isString(s) && (/(url|endpoint|host|address|mirror|proxy)$/i.test(lastPart(key)) || s.format === 'uri' || /^https?:\/\//.test(String(s.default ?? '')));
/** A setting whose value is a file or folder (a model is one), or a program to run. */
const namesFile = (key: string, s: SettingSchema) => isString(s) && /(model|path|folder|dir|directory|file|command|executable|binary)$/i.test(lastPart(key));

/**
 * Over every setting package.json declares, present and future (the server settings included
 * once merged): what names a file or host is never read from an untrusted workspace, and what
 * names a host is never read from any workspace.
 */
describe('package.json: settings that name files or hosts', () => {
  const hosts = Object.entries(settings).filter(([k, s]) => namesHost(k, s)).map(([k]) => k);
  const files = Object.entries(settings).filter(([k, s]) => namesFile(k, s) && !namesHost(k, s)).map(([k]) => k);

  it('finds the ones the issue names (the classification itself)', () => {
    assert.ok(hosts.includes('slm.huggingFaceEndpoint'), hosts.join());
    for (const key of ['slm.model', 'slm.draftModel', 'slm.chatModel']) assert.ok(files.includes(key), key);
    assert.ok(!files.includes('slm.precision') && !files.includes('slm.maxFileSizeKB') && !hosts.includes('slm.device'));
  });

  it('the extension runs in untrusted workspaces with limited support', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('every setting naming a file or host is restricted in untrusted workspaces', () => {
    assert.deepEqual([...hosts, ...files].filter((k) => !restricted.has(k)), []);
  });

  it('every setting naming a host has application or machine scope', () => {
    assert.deepEqual(hosts.filter((k) => settings[k].scope !== 'application' && settings[k].scope !== 'machine'), []);
  });

  it('restrictedConfigurations names only declared settings', () => {
    assert.deepEqual([...restricted].filter((k) => !(k in settings)), []);
  });
});
