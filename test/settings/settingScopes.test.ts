import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MODEL_FOLDER_SETTINGS, policyFromManifest, ScopedConfiguration, type SettingLevels, type WorkspaceScope } from '../../src/settings/settingScopes';
import { readSettings } from '../../src/settings/settings';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { REPO_ROOT } from '../support/tinyModels';

const MANIFEST = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

/** A configuration with values per level, resolved as VS Code does (folder > workspace > user > default). */
function levels(values: Record<string, SettingLevels<unknown>>) {
  return {
    inspect: <T>(key: string) => values[key] as SettingLevels<T> | undefined,
    get: <T>(key: string) => {
      const v = values[key];
      return (v && (v.workspaceFolderValue ?? v.workspaceValue ?? v.globalValue ?? v.defaultValue)) as T | undefined;
    },
  };
}

describe('setting scopes: where each setting may come from', () => {
  const folders = tempWorkspaces('slm-scopes-');
  let workspace: string;
  let storage: string;
  let outside: string;
  const scope = (over: Partial<WorkspaceScope> = {}): WorkspaceScope => ({
    trusted: true,
    roots: [workspace],
    storageDir: storage,
    isCatalogId: (v) => v === 'qwen2.5-coder-0.5b',
    ...over,
  });
  const policy = policyFromManifest(MANIFEST);

  before(() => {
    workspace = folders.create({ 'models/mine/config.json': '{}' });
    storage = folders.create({ 'models/qwen/config.json': '{}' });
    outside = folders.create({ 'model/config.json': '{}' });
    fs.symlinkSync(path.join(outside, 'model'), path.join(workspace, 'escape'));
  });
  after(() => folders.removeAll());

  it('reads the policy package.json declares', () => {
    for (const key of MODEL_FOLDER_SETTINGS) assert.ok(policy.restricted.has(key), key);
    assert.ok(policy.restricted.has('huggingFaceEndpoint'));
    assert.ok(policy.userOnly.has('huggingFaceEndpoint'));
    assert.ok(!policy.restricted.has('debounceMs') && !policy.userOnly.has('model'));
    const arrayForm = policyFromManifest({ contributes: { configuration: [{ properties: { 'x.a': { scope: 'machine' } } }, { properties: { 'x.b': { scope: 'application' }, 'x.c': {} } }] } }, 'x');
    assert.deepEqual([...arrayForm.userOnly], ['a', 'b']);
  });

  it('an untrusted workspace gives no restricted setting; the user\'s values and the rest still apply', () => {
    const config = new ScopedConfiguration(
      levels({
        model: { defaultValue: '', globalValue: '/home/me/model', workspaceValue: path.join(workspace, 'models/mine') },
        draftModel: { defaultValue: '', workspaceFolderValue: 'models/mine' },
        debounceMs: { defaultValue: 75, workspaceValue: 20 },
      }),
      policy,
      scope({ trusted: false }),
    );
    const { settings } = readSettings(config);
    assert.equal(settings.model, '/home/me/model');
    assert.equal(settings.draftModel, '');
    assert.equal(settings.completion.debounceMs, 20, 'a setting naming no file or host is the workspace\'s');
    assert.deepEqual(config.ignored, [
      "slm.model in this workspace's settings is ignored: the workspace is not trusted.",
      "slm.draftModel in this workspace's settings is ignored: the workspace is not trusted.",
    ]);
    assert.deepEqual(config.problems, []);
  });

  it('a host setting comes from the user\'s settings only, even in a trusted workspace', () => {
    const config = new ScopedConfiguration(levels({ huggingFaceEndpoint: { defaultValue: 'https://huggingface.co', workspaceValue: 'https://evil.example' } }), policy, scope());
    assert.equal(readSettings(config).settings.huggingFaceEndpoint, 'https://huggingface.co');
    assert.match(config.ignored.join('\n'), /huggingFaceEndpoint .* user settings only/);
    const user = new ScopedConfiguration(levels({ huggingFaceEndpoint: { defaultValue: 'https://huggingface.co', globalValue: 'http://mirror.lan' } }), policy, scope());
    assert.equal(readSettings(user).settings.huggingFaceEndpoint, 'http://mirror.lan');
  });

  it('a trusted workspace\'s model folder inside it is used (a relative one from its folder), a catalog id too', () => {
    const read = (value: string, at: 'workspaceValue' | 'workspaceFolderValue' = 'workspaceValue') =>
      new ScopedConfiguration(levels({ model: { defaultValue: '', [at]: value } }), policy, scope()).get<string>('model');
    assert.equal(read('models/mine'), path.join(workspace, 'models/mine'));
    assert.equal(read(path.join(workspace, 'models/mine'), 'workspaceFolderValue'), path.join(workspace, 'models/mine'));
    assert.equal(read(path.join(storage, 'models/qwen')), path.join(storage, 'models/qwen'));
    assert.equal(read('qwen2.5-coder-0.5b'), 'qwen2.5-coder-0.5b');
  });

  it('a trusted workspace\'s model folder outside it and the storage is refused with a message; the user\'s value stays', () => {
    for (const value of [path.join(outside, 'model'), '../../somewhere', 'escape']) {
      const config = new ScopedConfiguration(levels({ chatModel: { defaultValue: '', globalValue: 'qwen2.5-coder-0.5b', workspaceValue: value } }), policy, scope());
      assert.equal(readSettings(config).settings.chatModel, 'qwen2.5-coder-0.5b', value);
      assert.equal(config.problems.length, 1, value);
      assert.match(config.problems[0], /slm\.chatModel in this workspace's settings names .* outside the workspace and the extension's storage; it is ignored/);
    }
  });

  it('values from the user\'s settings are used as they are', () => {
    const config = new ScopedConfiguration(levels({ model: { defaultValue: '', globalValue: path.join(outside, 'model') } }), policy, scope({ trusted: false }));
    assert.equal(config.get('model'), path.join(outside, 'model'));
    assert.deepEqual([config.ignored, config.problems], [[], []]);
  });
});
