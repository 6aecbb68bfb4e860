import * as assert from 'node:assert/strict';
import { formatBytes } from '../../src/downloads/download';
import { CATALOG, catalogModel, catalogModelOfRepo } from '../../src/models/catalog';
import { precisionFor, probeHardware, recommendChatModel, recommendModel, type Hardware } from '../../src/models/hardware';

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

  it('gives every model its roles: the Instruct builds complete and chat, the base 1.5B completes only, the 0.5B drafts too', () => {
    const roles = Object.fromEntries(CATALOG.map((m) => [m.id, m.roles.join(' ')]));
    assert.deepEqual(roles, {
      'qwen2.5-coder-0.5b': 'completion chat draft',
      'qwen2.5-coder-1.5b': 'completion',
      'qwen2.5-coder-1.5b-instruct': 'completion chat',
      'qwen2.5-coder-3b': 'completion chat',
      'deepseek-coder-1.3b-instruct': 'completion chat',
      'llama-3.2-1b-instruct': 'chat',
      'llama-3.2-3b-instruct': 'chat',
      'smollm2-1.7b-instruct': 'chat',
      'phi-3.5-mini-instruct': 'chat',
      'qwen2.5-coder-0.5b-gguf': 'completion chat',
      'qwen2.5-coder-1.5b-gguf': 'completion',
      'qwen2.5-coder-1.5b-instruct-gguf': 'completion chat',
      'qwen2.5-coder-3b-gguf': 'completion chat',
    });
    for (const model of CATALOG) assert.equal(/Instruct(-ONNX|-onnx-web|-GGUF)?$/i.test(model.repo), model.roles.includes('chat'), `${model.id}: only the Instruct builds have a chat template`);
    for (const model of CATALOG) if (model.draft) assert.ok(catalogModel(model.draft.id)?.roles.includes('draft'), `${model.id}: its draft has the draft role`);
  });

  it('never suggests the other families by itself; gives Phi-3.5 its only published precision', () => {
    const laptop: Hardware = { platform: 'linux', arch: 'x64', cores: 2, memoryBytes: 8e9 };
    const big: Hardware = { ...laptop, cores: 8, memoryBytes: 64e9, gpu: { name: 'RTX', memoryBytes: 24e9, usable: true } };
    const completionOnly = CATALOG.filter((m) => !m.roles.includes('chat'));
    for (const h of [laptop, big]) {
      assert.match(recommendModel(h).model.id, /^qwen2\.5-coder/);
      for (const completion of completionOnly) assert.match(recommendChatModel(h, completion).model.id, /^qwen2\.5-coder/);
    }
    assert.equal(precisionFor(catalogModel('phi-3.5-mini-instruct')!, laptop), 'q4f16');
    assert.equal(precisionFor(catalogModel('llama-3.2-1b-instruct')!, laptop), 'q4');
  });

  it('offers the GGUF builds by id, never suggested; beside a GGUF completion model, a GGUF chat model, in a published precision', () => {
    const ggufs = CATALOG.filter((m) => m.format === 'gguf');
    assert.equal(ggufs.length, 4);
    for (const model of ggufs) {
      assert.equal(model.suggest, false, model.id);
      assert.ok(model.id.endsWith('-gguf') && model.label.endsWith('(GGUF)') && /-GGUF$/.test(model.repo), model.id);
      assert.deepEqual(Object.keys(model.bytes).filter((p) => !['q4', 'q8', 'fp16'].includes(p)), [], `${model.id}: only the precisions GGUF_TYPES maps`);
    }
    const base = catalogModel('qwen2.5-coder-1.5b-gguf')!;
    const machines = [laptop({ cores: 2, memoryBytes: 8 * GB }), laptop({ cores: 16, memoryBytes: 64 * GB, gpu: { name: 'RTX', memoryBytes: 24 * GB, usable: true } })];
    for (const h of machines) {
      assert.equal(ggufs.includes(recommendModel(h).model), false);
      assert.equal(precisionFor(base, h), 'q8', 'the base build comes only in Q8_0');
      const chat = recommendChatModel(h, base);
      assert.equal(chat.model.format, 'gguf', chat.model.id);
      assert.ok(chat.model.bytes[chat.precision], `${chat.model.id} ${chat.precision}`);
    }
    assert.equal(recommendChatModel(machines[0], catalogModel('qwen2.5-coder-1.5b')!).model.format, undefined, 'beside an ONNX model, an ONNX one');
  });

  it('keeps the ids users have in settings, and labels that tell base from Instruct', () => {
    assert.equal(catalogModel('qwen2.5-coder-1.5b')?.label, 'Qwen2.5-Coder 1.5B Base');
    assert.equal(catalogModel('qwen2.5-coder-1.5b-instruct')?.repo, 'onnx-community/Qwen2.5-Coder-1.5B-Instruct');
    assert.ok(catalogModel('qwen2.5-coder-0.5b')?.label.includes('Qwen2.5-Coder 0.5B'), 'the e2e test picks it by this text');
    assert.ok(catalogModel('qwen2.5-coder-3b')?.label.endsWith('Instruct'));
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

describe('recommendChatModel', () => {
  const cases: Array<[string, Hardware, string, string, RegExp]> = [
    ['2 cores, 8 GB: the 0.5B completion model chats too', laptop({ cores: 2, memoryBytes: 8 * GB }), 'qwen2.5-coder-0.5b', 'q4', /chats too: one copy of its weights/],
    ['8 cores, 16 GB: the base 1.5B cannot chat, its Instruct build fits beside it', laptop({ cores: 8, memoryBytes: 16 * GB }), 'qwen2.5-coder-1.5b-instruct', 'q4', /1\.5B Base has no chat template; .*1\.5B Instruct fits beside it in half of this machine's 16\.0 GB/],
    ['6 GB NVIDIA GPU: the 1.5B Instruct beside the base 1.5B and its draft', laptop({ gpu: { name: 'RTX 3060 Laptop', memoryBytes: 6 * GB, usable: true } }), 'qwen2.5-coder-1.5b-instruct', 'q4f16', /beside it and its draft in the 6\.0 GB of RTX 3060 Laptop/],
    ['4 GB NVIDIA GPU: no room for a second 1.5B; the draft, which chats, serves', laptop({ gpu: { name: 'T1000', memoryBytes: 4 * GB, usable: true } }), 'qwen2.5-coder-0.5b', 'q4f16', /0\.5B Instruct is its draft and chats too, in no more memory/],
    ['12 GB NVIDIA GPU: the 3B completion model chats too', laptop({ gpu: { name: 'RTX 4070', memoryBytes: 12 * GB, usable: true } }), 'qwen2.5-coder-3b', 'q4', /3B Instruct chats too/],
  ];
  for (const [name, hardware, model, precision, why] of cases) {
    it(name, () => {
      const pick = recommendChatModel(hardware);
      assert.equal(pick.model.id, model);
      assert.equal(pick.precision, precision);
      assert.equal(pick.draft, undefined, 'chat loads no draft');
      assert.ok(pick.model.roles.includes('chat'));
      assert.ok(pick.model.bytes[pick.precision], `${model} publishes ${precision}`);
      assert.match(pick.why, why);
      const completion = recommendModel(hardware).model;
      assert.equal(pick.model === completion, completion.roles.includes('chat'), 'the completion model itself when it can chat');
    });
  }

  it('beside a completion model the user chose: never larger than it, the smallest when none fits', () => {
    const base = catalogModel('qwen2.5-coder-1.5b')!;
    assert.equal(recommendChatModel(laptop({ cores: 4, memoryBytes: 16 * GB }), base).model.id, 'qwen2.5-coder-1.5b-instruct');
    assert.equal(recommendChatModel(laptop({ cores: 16, memoryBytes: 64 * GB }), base).model.id, 'qwen2.5-coder-1.5b-instruct', 'not the 3B');
    assert.equal(recommendChatModel(laptop({ cores: 2, memoryBytes: 4 * GB }), base).model.id, 'qwen2.5-coder-0.5b');
    assert.equal(recommendChatModel(laptop({ cores: 2, memoryBytes: 4 * GB }), catalogModel('qwen2.5-coder-3b')).model.id, 'qwen2.5-coder-3b');
  });
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
