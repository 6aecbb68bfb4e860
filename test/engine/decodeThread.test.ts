import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import type { Worker } from 'node:worker_threads';
import { loadEngine } from '../support/loadedEngine';
import { ENGINE_CACHE, REPO_ROOT, tinyModel } from '../support/tinyModels';

describe('the decode thread', function () {
  this.timeout(120_000);

  it('loads nothing of the tokenizer: its isolate must stay small (decodeProtocol.ts)', async () => {
    const built = await esbuild.build({
      entryPoints: [path.join(REPO_ROOT, 'src/engine/decodeThread.ts')],
      bundle: true,
      platform: 'node',
      write: false,
      metafile: true,
      external: ['onnxruntime-node'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(built.metafile.inputs);
    assert.ok(inputs.some((f) => f.endsWith('decodeLoop.ts')), inputs.join('\n'));
    assert.deepEqual(inputs.filter((f) => /tokenizer|outputStream/i.test(f)), []);
  });

  it('is released with the model: generating afterwards fails with not-loaded', async () => {
    const model = await loadEngine({ modelDir: await tinyModel('gqa', 'q4'), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });
    const r = await model.generate({ prompt: 'def f(x):', maxNewTokens: 2, ignoreEos: true });
    assert.equal(r.tokenIds.length, 2);
    await model.dispose();
    await assert.rejects(model.generate({ prompt: 'def f(x):', maxNewTokens: 2 }), (err: Error & { code?: string }) => err.code === 'not-loaded');
  });

  it('says once that it is lost when the thread dies in use, and fails what was asked of it', async () => {
    const lost: string[] = [];
    const model = await loadEngine({ modelDir: await tinyModel('gqa', 'q4'), device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE }, (why) => lost.push(why));
    // No public way to kill it: reach the thread as a crash would.
    const thread = (model.engine as unknown as { thread: { worker: Worker } }).thread;
    await thread.worker.terminate();
    await assert.rejects(model.generate({ prompt: 'def f(x):', maxNewTokens: 2 }), (err: Error & { code?: string }) => err.code === 'inference-failed');
    assert.equal(lost.length, 1);
    assert.match(lost[0]!, /decode thread exited/);
    await model.dispose();
    assert.equal(lost.length, 1, 'disposing is not a loss');
  });
});
