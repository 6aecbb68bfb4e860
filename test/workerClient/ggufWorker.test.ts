import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { ensureTestGguf } from '../support/gguf';
import { ensureLlamaCppInstalled } from '../support/llamaCppPackage';
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
  after(() => client.dispose());

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
});
