import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelSelection } from '../../../src/backend/local/modelSelection';
import type { Hardware } from '../../../src/models/hardware';
import type { Precision } from '../../../src/modelFormat/precision';
import { readSettings, type Settings } from '../../../src/settings/settings';
import { installCatalogModel } from '../../support/installedModel';

/** What the settings ask the local worker to load, resolved outside activate(). */
describe('ModelSelection', () => {
  let modelsDir: string;
  let values: Record<string, unknown>;
  let selection: ModelSelection;
  let hardware: Hardware;
  const settings = (): Settings => readSettings({ get: <T>(key: string) => values[key] as T }).settings;
  const paths = () => ({ modelsDir, defaultModelDir: '/ext/models/default', cacheDir: '/storage/cache' });

  beforeEach(() => {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-selection-'));
    values = {};
    hardware = { platform: 'linux', arch: 'x64', memoryBytes: 16e9, cores: 8 };
    selection = new ModelSelection(paths(), settings, () => hardware);
  });
  afterEach(() => fs.rmSync(modelsDir, { recursive: true, force: true }));

  const install = (id: string, precision: Precision) => installCatalogModel(modelsDir, id, precision);

  it('with nothing set: the embedded model, on the device and precision the settings give', () => {
    values = { device: 'cpu', threads: 2 };
    assert.deepEqual(selection.current.plan, {
      completion: { role: 'completion', modelDir: '/ext/models/default', device: 'cpu', precision: 'auto', threads: 2, cacheDir: '/storage/cache' },
    });
    assert.equal(selection.current.missing, undefined);
  });

  it('a catalog id not downloaded yet: the embedded model meanwhile, and the download offered once', () => {
    values = { model: 'qwen2.5-coder-1.5b' };
    assert.equal(selection.current.plan!.completion.modelDir, '/ext/models/default');
    assert.equal(selection.missingToOffer()?.id, 'qwen2.5-coder-1.5b');
    assert.equal(selection.missingToOffer(), undefined, 'offered once');
  });

  it('without an embedded model (the VSIX ships none): nothing to load until a model is set or downloaded', () => {
    const vsix = new ModelSelection({ modelsDir, cacheDir: '/storage/cache' }, settings, () => hardware);
    const plan = () => vsix.current.plan;
    assert.equal(plan(), undefined);
    assert.equal(vsix.missingToOffer(), undefined, 'nothing named, nothing to offer');
    values = { model: 'qwen2.5-coder-0.5b' };
    assert.equal(vsix.refresh(), false, 'still nothing to load');
    assert.equal(plan(), undefined);
    assert.equal(vsix.missingToOffer()?.id, 'qwen2.5-coder-0.5b');
    const model = install('qwen2.5-coder-0.5b', 'q4');
    assert.equal(vsix.refresh(), true);
    assert.equal(plan()?.completion.modelDir, model);
    assert.deepEqual(vsix.folders(), [model]);
  });

  it('once downloaded, the download with the catalog\'s draft paired for a GPU; refresh says the plan changed', () => {
    values = { model: 'qwen2.5-coder-1.5b' };
    assert.equal(selection.current.plan!.completion.modelDir, '/ext/models/default');
    const model = install('qwen2.5-coder-1.5b', 'q4');
    const draft = install('qwen2.5-coder-0.5b', 'q4');
    assert.equal(selection.refresh(), true);
    const { completion } = selection.current.plan!;
    assert.equal(completion.modelDir, model);
    assert.equal(completion.draftModelDir, draft);
    assert.equal(completion.draftWhen, 'gpu');
    assert.deepEqual(selection.folders(), [model, draft]);
    assert.equal(selection.refresh(), false, 'nothing changed since');
  });

  it('an explicit draft is always loaded; speculation off leaves every draft out', () => {
    values = { model: '/models/big', draftModel: '/models/small' };
    assert.equal(selection.current.plan!.completion.draftModelDir, '/models/small');
    assert.equal(selection.current.plan!.completion.draftWhen, undefined);
    values = { ...values, speculation: 'off' };
    selection.refresh();
    assert.equal(selection.current.plan!.completion.draftModelDir, undefined);
  });

  describe('the chat model', () => {
    const runtime = { device: 'auto', precision: 'auto', threads: undefined, cacheDir: '/storage/cache' };

    it('slm.chatModel as a folder: a model of its own for chat, on the completion\'s device, precision and threads, without a draft', () => {
      values = { model: '/models/base', draftModel: '/models/small', chatModel: '/models/chat' };
      assert.deepEqual(selection.current.plan!.chat, { role: 'chat', modelDir: '/models/chat', ...runtime });
      assert.deepEqual(selection.folders(), ['/models/base', '/models/small', '/models/chat']);
    });

    it('slm.chatModel as a catalog id: its download in the precision the device prefers', () => {
      values = { chatModel: 'qwen2.5-coder-1.5b-instruct', device: 'gpu' };
      install('qwen2.5-coder-1.5b-instruct', 'q4');
      const q4f16 = install('qwen2.5-coder-1.5b-instruct', 'q4f16');
      assert.equal(selection.current.plan!.chat?.modelDir, q4f16);
      assert.equal(selection.current.plan!.chat?.device, 'gpu');
      assert.equal(selection.current.missingChat, undefined);
    });

    it('slm.chatModel not downloaded yet: no chat model meanwhile, and the download offered once', () => {
      values = { chatModel: 'qwen2.5-coder-3b' };
      assert.equal(selection.current.plan!.chat, undefined);
      assert.equal(selection.missingToOffer(), undefined, 'completions have what they need');
      assert.equal(selection.chatToOffer()?.id, 'qwen2.5-coder-3b');
      assert.equal(selection.chatToOffer(), undefined, 'offered once');
    });

    it('empty, with a completion model that chats (an Instruct build, a folder, the embedded model): the completion model answers', () => {
      values = { model: 'qwen2.5-coder-0.5b' };
      install('qwen2.5-coder-0.5b', 'q4');
      selection.refresh();
      assert.equal(selection.current.plan!.chat, undefined);
      assert.equal(selection.current.missingChat, undefined);
      values = { model: '/models/mine' };
      selection.refresh();
      assert.equal(selection.current.plan!.chat, undefined);
      values = {};
      selection.refresh();
      assert.equal(selection.current.plan!.chat, undefined);
    });

    it('empty, with the base 1.5B: the Instruct build suggested for this hardware, offered until it is downloaded', () => {
      values = { model: 'qwen2.5-coder-1.5b' };
      const base = install('qwen2.5-coder-1.5b', 'q4');
      assert.equal(selection.current.plan!.completion.modelDir, base);
      assert.equal(selection.current.plan!.chat, undefined);
      assert.equal(selection.chatToOffer()?.id, 'qwen2.5-coder-1.5b-instruct');
      const instruct = install('qwen2.5-coder-1.5b-instruct', 'q4');
      assert.equal(selection.refresh(), true);
      assert.deepEqual(selection.current.plan!.chat, { role: 'chat', modelDir: instruct, ...runtime });
      assert.equal(selection.current.missingChat, undefined);
      assert.deepEqual(selection.folders(), [base, instruct]);
    });

    it('empty, with the base 1.5B on a 4 GB GPU: its draft, the 0.5B Instruct, answers chat too', () => {
      hardware = { ...hardware, gpu: { name: 'T1000', memoryBytes: 4e9, usable: true } };
      values = { model: 'qwen2.5-coder-1.5b' };
      install('qwen2.5-coder-1.5b', 'q4f16');
      const draft = install('qwen2.5-coder-0.5b', 'q4f16');
      assert.equal(selection.current.plan!.completion.draftModelDir, draft);
      assert.equal(selection.current.plan!.chat?.modelDir, draft);
      assert.deepEqual(selection.folders(), [selection.current.plan!.completion.modelDir, draft], 'one folder for the draft and chat');
    });

    it('empty, with the base 1.5B not downloaded yet: the embedded model completes and no chat model is asked for', () => {
      values = { model: 'qwen2.5-coder-1.5b' };
      assert.equal(selection.current.missing?.id, 'qwen2.5-coder-1.5b');
      assert.equal(selection.current.plan!.chat, undefined);
      assert.equal(selection.current.missingChat, undefined);
    });
  });
});
