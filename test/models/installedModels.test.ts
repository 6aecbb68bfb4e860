import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MANIFEST_FILE } from '../../src/downloads/hub';
import { downloadModel } from '../../src/downloads/huggingFace';
import type { Precision } from '../../src/modelFormat/precision';
import { catalogModel } from '../../src/models/catalog';
import { catalogDraft, installedModelDir, listIncompleteDownloads, listInstalledModels, removeModelFolder, resolveModelChoice } from '../../src/models/installedModels';
import { ensureTestModel } from '../modelgen/testModels';
import { startFakeHub } from '../support/fakeHub';
import { installCatalogModel } from '../support/installedModel';

describe('installed models', () => {
  let modelsDir: string;
  beforeEach(() => {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-models-'));
  });
  afterEach(() => fs.rmSync(modelsDir, { recursive: true, force: true }));

  const install = (id: string, precision: Precision) => installCatalogModel(modelsDir, id, precision);

  it('lists complete downloads only', () => {
    install('qwen2.5-coder-0.5b', 'q4');
    fs.mkdirSync(path.join(modelsDir, 'qwen2.5-coder-1.5b-q4.partial'));
    fs.mkdirSync(path.join(modelsDir, 'unrelated'));
    fs.writeFileSync(path.join(modelsDir, 'stray-file'), '');
    assert.deepEqual(listInstalledModels(modelsDir).map((m) => [m.model.id, m.precision]), [['qwen2.5-coder-0.5b', 'q4']]);
    assert.deepEqual(listInstalledModels(path.join(modelsDir, 'missing')), []);
  });

  it('resolves slm.model: empty, a folder, a catalog id installed or not', () => {
    assert.deepEqual(resolveModelChoice('', modelsDir, 'auto', 'cpu'), { kind: 'default' });
    assert.deepEqual(resolveModelChoice('/some/folder', modelsDir, 'auto', 'cpu'), { kind: 'folder', dir: '/some/folder' });
    const missing = resolveModelChoice('qwen2.5-coder-1.5b', modelsDir, 'auto', 'cpu');
    assert.equal(missing.kind === 'catalog' && missing.model.id, 'qwen2.5-coder-1.5b');
    assert.equal(missing.kind === 'catalog' && missing.installed, undefined);
  });

  it('picks the installed precision the device prefers, or the one the settings name', () => {
    const q4 = install('qwen2.5-coder-1.5b', 'q4');
    const q4f16 = install('qwen2.5-coder-1.5b', 'q4f16');
    const dirOf = (precision: 'auto' | Precision, device: 'cpu' | 'gpu') => {
      const choice = resolveModelChoice('qwen2.5-coder-1.5b', modelsDir, precision, device);
      return choice.kind === 'catalog' ? choice.installed?.dir : undefined;
    };
    assert.equal(dirOf('auto', 'cpu'), q4);
    assert.equal(dirOf('auto', 'gpu'), q4f16);
    assert.equal(dirOf('q4', 'gpu'), q4);
    assert.equal(dirOf('fp16', 'gpu'), undefined);
  });

  it('pairs the catalog draft when it is installed, in the model precision where there is one', () => {
    const target = install('qwen2.5-coder-1.5b', 'q4f16');
    assert.equal(catalogDraft(target, modelsDir), undefined, 'no draft installed yet');
    const q4Draft = install('qwen2.5-coder-0.5b', 'q4');
    assert.deepEqual(catalogDraft(target, modelsDir), { dir: q4Draft, model: catalogModel('qwen2.5-coder-0.5b'), when: 'gpu' });
    const sameDraft = install('qwen2.5-coder-0.5b', 'q4f16');
    assert.equal(catalogDraft(target, modelsDir)?.dir, sameDraft);
  });

  it('pairs nothing for a model without a catalog draft or outside the catalog', () => {
    install('qwen2.5-coder-0.5b', 'q4');
    assert.equal(catalogDraft(install('qwen2.5-coder-0.5b', 'q8'), modelsDir), undefined);
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-own-model-'));
    try {
      assert.equal(catalogDraft(own, modelsDir), undefined);
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('a model and its draft downloaded from the Hub pair up', async function () {
    this.timeout(120_000);
    const target = catalogModel('qwen2.5-coder-1.5b');
    const draft = catalogModel('qwen2.5-coder-0.5b');
    assert.ok(target && draft);
    const hub = await startFakeHub({
      repos: {
        [target.repo]: await ensureTestModel({ size: 'tiny', style: 'gqa', precision: 'q4' }),
        [draft.repo]: await ensureTestModel({ size: 'tiny-draft', style: 'gqa', precision: 'q4' }),
      },
    });
    try {
      for (const model of [target, draft]) {
        await downloadModel({ repo: model.repo, precision: 'q4' }, installedModelDir(modelsDir, model, 'q4'), { endpoint: hub.endpoint });
      }
    } finally {
      await hub.close();
    }
    const choice = resolveModelChoice('qwen2.5-coder-1.5b', modelsDir, 'auto', 'cpu');
    assert.ok(choice.kind === 'catalog' && choice.installed);
    assert.deepEqual(catalogDraft(choice.installed.dir, modelsDir), { dir: installedModelDir(modelsDir, draft, 'q4'), model: draft, when: 'gpu' });
  });

  it('lists unfinished downloads with their size, and whether one is being written now', () => {
    const done = install('qwen2.5-coder-0.5b', 'q4');
    const staging = path.join(modelsDir, 'qwen2.5-coder-1.5b-q4.partial');
    fs.mkdirSync(path.join(staging, 'onnx'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'config.json'), '{}');
    fs.writeFileSync(path.join(staging, 'onnx', 'model_q4.onnx.partial'), Buffer.alloc(1000));
    assert.deepEqual(listIncompleteDownloads(modelsDir), [{ dir: staging, bytes: 1002, inProgress: false }]);
    // A lock held by a live process (this one), touched just now.
    fs.writeFileSync(path.join(staging, 'onnx', 'model_q4.onnx.partial.lock'), String(process.pid));
    assert.equal(listIncompleteDownloads(modelsDir)[0].inProgress, true);
    // The same lock left by a process that is gone.
    fs.writeFileSync(path.join(staging, 'onnx', 'model_q4.onnx.partial.lock'), '999999999');
    assert.equal(listIncompleteDownloads(modelsDir)[0].inProgress, false);
    assert.ok(!listIncompleteDownloads(modelsDir).some((d) => d.dir === done));
  });

  it('removes a model; a folder whose manifest went first (a removal cut short) is listed as unfinished', () => {
    const whole = install('qwen2.5-coder-0.5b', 'q4');
    const cut = install('qwen2.5-coder-1.5b', 'q4');
    fs.writeFileSync(path.join(cut, 'weights.bin'), Buffer.alloc(10));
    fs.rmSync(path.join(cut, MANIFEST_FILE)); // where removeModelFolder stops if cut after its first step
    assert.deepEqual(listInstalledModels(modelsDir).map((m) => m.dir), [whole]);
    assert.deepEqual(listIncompleteDownloads(modelsDir), [{ dir: cut, bytes: 10, inProgress: false }]);
    removeModelFolder(cut);
    removeModelFolder(whole);
    assert.deepEqual(fs.readdirSync(modelsDir), []);
  });
});
