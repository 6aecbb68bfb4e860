import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelController, type ModelState } from '../../src/models/modelController';
import type { LoadParams, LoadResult } from '../../src/worker/protocol';
import type { WorkerClient } from '../../src/workerClient/workerClient';
import { tinyModel } from '../support/tinyModels';

/** A worker client that records loads and fails the ones it is told to. */
function fakeClient(failing: Set<string>, noFim = new Set<string>()) {
  const loads: string[] = [];
  const client = {
    stops: 0,
    async stop(): Promise<void> {
      client.stops++;
    },
    async load(params: LoadParams): Promise<LoadResult> {
      loads.push(params.modelDir);
      if (failing.has(params.modelDir)) throw new Error(`cannot load ${params.modelDir}`);
      return { name: path.basename(params.modelDir), fimTemplate: noFim.has(params.modelDir) ? null : 'qwen2.5-coder' } as LoadResult;
    },
  };
  return { client: client as unknown as WorkerClient, loads, stops: () => client.stops };
}

describe('ModelController', () => {
  let good: string;
  let other: string;
  before(async () => {
    good = await tinyModel('gqa', 'q4');
    other = await tinyModel('standard', 'q4');
  });

  it('loads once for the same settings', async () => {
    const { client, loads } = fakeClient(new Set());
    const controller = new ModelController(client, () => undefined);
    await Promise.all([controller.ensure({ modelDir: good }), controller.ensure({ modelDir: good })]);
    await controller.ensure({ modelDir: good });
    assert.deepEqual(loads, [good]);
  });

  it('a folder that fails validation never reaches the worker, and the working model stays', async () => {
    const { client, loads } = fakeClient(new Set());
    const states: ModelState[] = [];
    const controller = new ModelController(client, (s) => states.push(s));
    await controller.ensure({ modelDir: good });
    await assert.rejects(controller.ensure({ modelDir: path.join(os.tmpdir(), 'missing-model') }), /does not exist/);
    assert.deepEqual(loads, [good]);
    assert.equal(controller.current.kind, 'ready');
    assert.deepEqual(states.map((s) => s.kind), ['loading', 'ready', 'loading', 'ready']);
  });

  it('a model the worker cannot load is replaced by the previous one again', async () => {
    const { client, loads } = fakeClient(new Set([other]));
    const controller = new ModelController(client, () => undefined);
    await controller.ensure({ modelDir: good });
    await assert.rejects(controller.ensure({ modelDir: other }), /cannot load/);
    assert.deepEqual(loads, [good, other, good]);
    assert.equal(controller.current.kind === 'ready' && controller.current.model.name, path.basename(good));
  });

  it('reports an error state when there is nothing to fall back to', async () => {
    const { client } = fakeClient(new Set([good]));
    const controller = new ModelController(client, () => undefined);
    await assert.rejects(controller.ensure({ modelDir: good }));
    assert.equal(controller.current.kind, 'error');
  });

  it('refuses a model that cannot fill in the middle, naming the supported families', async () => {
    const { client } = fakeClient(new Set(), new Set([good]));
    const controller = new ModelController(client, () => undefined);
    await assert.rejects(controller.ensure({ modelDir: good }), /no fill-in-the-middle tokens.*Qwen2\.5-Coder/);
    assert.equal(controller.current.kind, 'error');
  });

  it('unloads after the idle time and loads again on the next request', async () => {
    const { client, loads, stops } = fakeClient(new Set());
    const controller = new ModelController(client, () => undefined);
    await controller.ensure({ modelDir: good });
    controller.setIdleUnload(0.001); // 60 ms
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(stops(), 1);
    assert.equal(controller.current.kind, 'unloaded');
    await controller.ensure({ modelDir: good });
    assert.deepEqual(loads, [good, good]);
    assert.equal(controller.current.kind, 'ready');
    controller.dispose();
  });

  it('a request restarts the idle countdown', async () => {
    const { client, stops } = fakeClient(new Set());
    const controller = new ModelController(client, () => undefined);
    await controller.ensure({ modelDir: good });
    controller.setIdleUnload(0.002); // 120 ms
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 60));
      controller.touch();
    }
    assert.equal(stops(), 0);
    controller.dispose();
  });
});
