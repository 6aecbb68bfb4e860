import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadModel } from '../../src/downloads/huggingFace';
import { catalogModel } from '../../src/models/catalog';
import { precisionFor } from '../../src/models/hardware';
import { installedModelDir, resolveModelChoice } from '../../src/models/installedModels';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { ensureTestGguf } from '../support/gguf';
import { startFakeHub } from '../support/fakeHub';
import { ensureLlamaCppInstalled } from '../support/llamaCppPackage';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { ENGINE_CACHE, tinyModel, WORKER_PATH } from '../support/tinyModels';

/** A GGUF model through the bundled worker process: node-llama-cpp found at run time, not bundled. */
describe('worker with a GGUF model', function () {
  this.timeout(180_000);
  let gguf: string;
  let client: WorkerClient;
  const logs: string[] = [];

  before(async () => {
    if (!fs.existsSync(WORKER_PATH)) throw new Error(`${WORKER_PATH} is missing: run "npm run build" first (npm test does).`);
    ensureLlamaCppInstalled(); // sets SLM_NODE_LLAMA_CPP, which the worker inherits
    gguf = ensureTestGguf('tiny', 'Q4_0', await tinyModel('gqa', 'q4'));
    client = new WorkerClient({ workerPath: WORKER_PATH, log: (level, line) => logs.push(`${level}: ${line}`) });
  });
  const temp = tempWorkspaces('slm-gguf-worker-');
  after(() => {
    client.dispose();
    temp.removeAll();
  });

  it('loads the file for completions and chat, and completes a FIM prompt with KV reuse', async () => {
    const info = await client.load({ role: 'completion', modelDir: gguf, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
    assert.equal(info.runtime, 'llama.cpp');
    assert.equal(info.precision, 'q4');
    assert.equal(info.fimTemplate, 'qwen2.5-coder');
    assert.equal(info.canChat, true);
    const input = { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(add(1, 2))\n', filePath: 'a.py' };
    const budget = { maxPromptTokens: 512, maxSuffixTokens: 64, maxContextTokens: 0 };
    const first = await client.request('complete', { input, budget, maxNewTokens: 6 });
    const again = await client.request('complete', { input: { ...input, prefix: input.prefix + 'a' }, budget, maxNewTokens: 6 });
    assert.ok(first.timings.promptTokens > 10);
    assert.ok(again.timings.reusedTokens >= first.timings.promptTokens - input.suffix.length, `reused ${again.timings.reusedTokens} of ${again.timings.promptTokens}`);
    assert.ok(logs.some((l) => /completion: loaded .* \(q4, cpu, 2 threads\)/.test(l)), logs.join('\n'));
  });

  it('a GGUF catalog model downloaded from the Hub resolves to its folder, which the worker loads on llama.cpp', async () => {
    const model = catalogModel('qwen2.5-coder-0.5b-gguf');
    assert.ok(model?.format === 'gguf');
    const repo = temp.folder('repo-');
    fs.symlinkSync(gguf, path.join(repo, 'qwen2.5-coder-0.5b-instruct-q4_0.gguf'));
    fs.writeFileSync(path.join(repo, 'qwen2.5-coder-0.5b-instruct-q8_0.gguf'), 'not fetched');
    const modelsDir = temp.folder('models-');
    const hub = await startFakeHub({ repos: { [model.repo]: repo } });
    try {
      const precision = precisionFor(model, { platform: 'linux', arch: 'x64', cores: 2, memoryBytes: 8e9 });
      assert.equal(precision, 'q4');
      await downloadModel({ repo: model.repo, format: model.format, precision }, installedModelDir(modelsDir, model, precision), { endpoint: hub.endpoint });
    } finally {
      await hub.close();
    }
    const choice = resolveModelChoice('qwen2.5-coder-0.5b-gguf', modelsDir, 'auto', 'cpu');
    assert.ok(choice.kind === 'catalog' && choice.installed, JSON.stringify(choice));
    assert.equal(choice.installed.precision, 'q4');
    const info = await client.load({ role: 'chat', modelDir: choice.installed.dir, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
    assert.deepEqual([info.runtime, info.precision, info.canChat], ['llama.cpp', 'q4', true]);
  });
});
