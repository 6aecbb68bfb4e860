import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { WorkerPartial } from '../../src/worker/protocol';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { WorkerError } from '../../src/workerClient/workerError';
import { ENGINE_CACHE, tinyModel, WORKER_PATH } from '../support/tinyModels';

const PROMPT = 'const answer = ';
const BUDGET = { maxPromptTokens: 256, maxSuffixTokens: 64, maxContextTokens: 0 };
const INPUT = { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(add(1, 2))\n', filePath: 'add.py' };

/** The caller's side of the worker process: crashes, hangs and errors never reach past a rejected request. */
describe('WorkerClient', function () {
  this.timeout(120_000);
  let modelDir: string;
  let client: WorkerClient;
  const logs: string[] = [];

  before(async function () {
    if (!fs.existsSync(WORKER_PATH)) throw new Error(`${WORKER_PATH} is missing: run "npm run build" first (npm test does).`);
    modelDir = await tinyModel('gqa', 'q4');
  });

  /** Crashes reported to the models' owner, who loads the model again (here: the test). */
  const crashes: string[] = [];
  beforeEach(() => {
    logs.length = 0;
    crashes.length = 0;
    client = new WorkerClient({
      onCrash: ({ error, restartInMs }) => {
        crashes.push(error.code);
        setTimeout(() => void load().then((info) => logs.push(`reloaded ${info.name} after restart`), () => undefined), restartInMs);
      },
      workerPath: WORKER_PATH,
      heartbeatMs: 200,
      hangTimeoutMs: 1500,
      restartDelayMs: { first: 50, max: 500 },
      log: (level, line) => logs.push(`${level}: ${line}`),
    });
  });
  afterEach(() => client.dispose());
  async function reloaded(): Promise<void> {
    for (let i = 0; i < 300 && !logs.some((l) => /reloaded .* after restart/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(logs.some((l) => /reloaded .* after restart/.test(l)), logs.join('\n'));
  }

  const load = (threads = 1) => client.load({ role: 'completion', modelDir, device: 'cpu', threads, cacheDir: ENGINE_CACHE });
  const endless = { prompt: PROMPT, maxNewTokens: 1_000_000, ignoreEos: true } as const;

  it('loads, streams partial text, and returns the result with timings', async () => {
    const info = await load();
    assert.equal(info.provider, 'cpu');
    const partials: WorkerPartial[] = [];
    const r = await client.generate({ prompt: PROMPT, maxNewTokens: 12, ignoreEos: true }, { onPartial: (p) => partials.push(p) });
    assert.equal(r.tokenIds.length, 12);
    assert.equal(partials.map((p) => p.text).join(''), r.text);
    assert.equal(r.timings.newTokens, 12);
    const stats = await client.request('stats', {});
    assert.deepEqual(stats.models.map((m) => m.name), [info.name]);
    assert.ok(stats.peakRssBytes >= stats.rssBytes * 0.5);
  });

  it('completes at a cursor with the model family\'s FIM prompt', async () => {
    const info = await load();
    assert.equal(info.fimTemplate, 'qwen2.5-coder');
    const [budget, input] = [BUDGET, INPUT];
    const prompt = await client.request('prompt', { input, budget });
    assert.match(prompt.text, /^<\|repo_name\|>workspace\n<\|file_sep\|>add\.py\n<\|fim_prefix\|>def add/);
    const first = await client.request('complete', { input, budget, maxNewTokens: 6 });
    assert.equal(first.timings.promptTokens, prompt.ids.length);
    assert.equal(first.prompt.template, 'qwen2.5-coder');
    // One more character typed: the worker reuses the cached prompt up to it.
    const second = await client.request('complete', { input: { ...input, prefix: input.prefix + 'a' }, budget, maxNewTokens: 6 });
    assert.ok(second.timings.reusedTokens >= prompt.ids.length - 20, `${second.timings.reusedTokens} of ${second.timings.promptTokens} reused`);
  });

  it('a completion sent while the model switches waits for the new one; after a burst of loads only the last one is loaded', async () => {
    await load();
    const complete = () => client.request('complete', { input: INPUT, budget: BUDGET, maxNewTokens: 4 });
    const requests: Promise<unknown>[] = [];
    for (const threads of [2, 1, 2]) {
      requests.push(load(threads), complete());
      // And one that reaches the worker while it is busy switching.
      await new Promise((r) => setTimeout(r, 2));
      requests.push(complete());
    }
    const failed = (await Promise.allSettled(requests)).flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failed, []);
    const stats = await client.request('stats', {});
    assert.deepEqual(stats.models.map((m) => m.threads), [2]);
  });

  it('passes typed engine errors through', async () => {
    await assert.rejects(client.load({ role: 'completion', modelDir: '/nonexistent/model', device: 'cpu' }), (err: unknown) => {
      assert.ok(err instanceof WorkerError);
      assert.equal(err.code, 'model-folder-missing');
      return true;
    });
    await assert.rejects(client.generate({ prompt: PROMPT, maxNewTokens: 2 }), (err: WorkerError) => err.code === 'not-loaded');
  });

  it('cancels a generation through an AbortSignal', async () => {
    await load();
    const controller = new AbortController();
    const r = await client.generate(endless, { signal: controller.signal, onPartial: () => controller.abort() });
    assert.equal(r.finishReason, 'cancelled');
    assert.ok(r.tokenIds.length < 10, `${r.tokenIds.length} tokens`);
  });

  it('a worker killed mid-request fails that request; the next one succeeds', async () => {
    await load();
    const firstPid = client.pid!;
    const pending = client.generate(endless, { onPartial: () => process.kill(firstPid, 'SIGKILL') });
    await assert.rejects(pending, (err: unknown) => err instanceof WorkerError && err.code === 'worker-exited');
    assert.deepEqual(crashes, ['worker-exited']);
    await reloaded();
    const r = await client.generate({ prompt: PROMPT, maxNewTokens: 4, ignoreEos: true });
    assert.equal(r.tokenIds.length, 4);
    assert.notEqual(client.pid, firstPid);
  });

  it('a hung worker is killed and restarted', async () => {
    await load();
    const firstPid = client.pid!;
    const pending = client.generate(endless, { onPartial: () => process.kill(firstPid, 'SIGSTOP') });
    await assert.rejects(pending, (err: unknown) => err instanceof WorkerError && err.code === 'worker-hung');
    assert.deepEqual(crashes, ['worker-hung']);
    await reloaded();
    const r = await client.generate({ prompt: PROMPT, maxNewTokens: 4, ignoreEos: true });
    assert.equal(r.tokenIds.length, 4);
  });

  it('rejects every pending request when the worker dies', async () => {
    await load();
    const pid = client.pid!;
    const requests = [client.generate(endless), client.request('stats', {}), client.generate({ prompt: PROMPT, maxNewTokens: 3 })];
    setTimeout(() => process.kill(pid, 'SIGKILL'), 100);
    const settled = await Promise.allSettled(requests);
    assert.equal(settled[0].status, 'rejected');
    assert.equal(settled[2].status, 'rejected');
  });

  it('stop() frees the worker without a restart; the next load starts a fresh one', async () => {
    await load();
    const pid = client.pid!;
    await client.stop();
    assert.throws(() => process.kill(pid, 0));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(client.pid, undefined, 'not restarted');
    assert.ok(!logs.some((l) => /restarting/.test(l)), logs.join('\n'));
    await load();
    const r = await client.generate({ prompt: PROMPT, maxNewTokens: 2, ignoreEos: true });
    assert.equal(r.tokenIds.length, 2);
  });

  it('shuts the worker down on dispose', async () => {
    await load();
    const pid = client.pid!;
    await client.dispose();
    assert.throws(() => process.kill(pid, 0));
    await assert.rejects(client.generate({ prompt: PROMPT, maxNewTokens: 1 }), /disposed/);
  });
});
