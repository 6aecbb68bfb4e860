import * as assert from 'node:assert/strict';
import { formatBytes } from '../../src/downloads/download';
import { CATALOG, catalogModel, catalogModelOfRepo } from '../../src/models/catalog';
import { probeHardware, recommendModel, type Hardware } from '../../src/models/hardware';

const GB = 1e9;
const laptop = (over: Partial<Hardware>): Hardware => ({ platform: 'linux', arch: 'x64', memoryBytes: 16 * GB, cores: 4, ...over });

describe('catalog', () => {
  it('finds models by id (any case) and by repository', () => {
    assert.equal(catalogModel(' Qwen2.5-Coder-1.5B ')?.repo, 'onnx-community/Qwen2.5-Coder-1.5B');
    assert.equal(catalogModelOfRepo('onnx-community/qwen2.5-coder-1.5b')?.id, 'qwen2.5-coder-1.5b');
    assert.equal(catalogModel('/home/me/models/qwen'), undefined);
  });

  it('pairs only with drafts it lists, and only on a GPU', () => {
    for (const model of CATALOG) {
      if (!model.draft) continue;
      const draft = catalogModel(model.draft.id);
      assert.ok(draft, `${model.id}: unknown draft ${model.draft.id}`);
      assert.ok(draft.billions < model.billions, `${model.id}: a draft must be smaller`);
      assert.equal(model.draft.when, 'gpu');
    }
  });

  it('formats sizes for the picker', () => {
    assert.equal(formatBytes(862e6), '862 MB');
    assert.equal(formatBytes(1.79e9), '1.8 GB');
  });
});

describe('recommendModel', () => {
  const cases: Array<[string, Hardware, string, string, string | undefined]> = [
    ['2-core laptop, no GPU', laptop({ cores: 2, memoryBytes: 8 * GB }), 'qwen2.5-coder-0.5b', 'q4', undefined],
    ['4 cores, 16 GB', laptop({}), 'qwen2.5-coder-0.5b', 'q4', undefined],
    ['8 cores, 8 GB: too little memory for comfort', laptop({ cores: 8, memoryBytes: 8 * GB }), 'qwen2.5-coder-0.5b', 'q4', undefined],
    ['12 cores, 32 GB', laptop({ cores: 12, memoryBytes: 32 * GB }), 'qwen2.5-coder-1.5b', 'q4', undefined],
    ['6 GB NVIDIA GPU', laptop({ gpu: { name: 'RTX 3060 Laptop', memoryBytes: 6 * GB, usable: true } }), 'qwen2.5-coder-1.5b', 'q4f16', 'qwen2.5-coder-0.5b'],
    ['16 GB NVIDIA GPU', laptop({ gpu: { name: 'RTX 4080', memoryBytes: 16 * GB, usable: true } }), 'qwen2.5-coder-3b', 'q4', 'qwen2.5-coder-0.5b'],
    ['a GPU onnxruntime cannot use yet (no CUDA provider) is sized for the CPU', laptop({ cores: 4, gpu: { name: 'RTX 4080', memoryBytes: 16 * GB, usable: false } }), 'qwen2.5-coder-0.5b', 'q4', undefined],
    ['2 GB GPU falls back to the CPU rules', laptop({ cores: 2, gpu: { name: 'MX150', memoryBytes: 2 * GB, usable: true } }), 'qwen2.5-coder-0.5b', 'q4', undefined],
  ];
  for (const [name, hardware, model, precision, draft] of cases) {
    it(name, () => {
      const pick = recommendModel(hardware);
      assert.equal(pick.model.id, model);
      assert.equal(pick.precision, precision);
      assert.equal(pick.draft?.id, draft);
      assert.ok(pick.model.bytes[pick.precision], `${model} publishes ${precision}`);
      assert.match(pick.why, hardware.gpu ? new RegExp(hardware.gpu.name) : /no NVIDIA GPU/);
    });
  }
});

describe('probeHardware', () => {
  it('reads the largest NVIDIA GPU from nvidia-smi', async () => {
    const smi = async (file: string, args: string[]) => {
      assert.equal(file, 'nvidia-smi');
      assert.ok(args.includes('--format=csv,noheader,nounits'));
      return 'NVIDIA GeForce GTX 1050, 2048\nNVIDIA RTX A4000, 16376\n';
    };
    const hardware = await probeHardware(smi, () => true);
    if (process.platform === 'darwin') return;
    assert.equal(hardware.gpu?.name, 'NVIDIA RTX A4000');
    assert.equal(hardware.gpu?.usable, true);
    assert.equal((await probeHardware(smi, () => false)).gpu?.usable, process.platform === 'win32');
    assert.equal(hardware.gpu?.memoryBytes, 16376 * 1024 * 1024);
    assert.ok(hardware.cores >= 1 && hardware.memoryBytes > 0);
  });

  it('reports no GPU when nvidia-smi is missing, fails or prints nothing usable', async () => {
    const missing = Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    assert.equal((await probeHardware(() => Promise.reject(missing))).gpu, undefined);
    assert.equal((await probeHardware(async () => 'No devices were found\n')).gpu, undefined);
    assert.equal((await probeHardware(async () => '')).gpu, undefined);
  });
});
