import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelController, type LoadPlan, type RoleState } from '../../../src/backend/local/modelController';
import type { LoadParams, LoadResult } from '../../../src/worker/protocol';
import type { WorkerClient } from '../../../src/workerClient/workerClient';
import { WorkerError } from '../../../src/workerClient/workerError';
import { tinyModel } from '../../support/tinyModels';

interface FakeOptions {
  /** Folders the worker fails to load. */
  failing?: Set<string>;
  /** Folders without fill-in-the-middle tokens. */
  noFim?: Set<string>;
  /** Folders with a chat template. */
  chat?: Set<string>;
  /** Folders that do not fit in memory beside another model. */
  tooBig?: Set<string>;
}

/** A worker client that records loads, checks folders as the worker does, and fails the loads it is told to. */
function fakeClient(options: FakeOptions = {}) {
  const loads: string[] = [];
  const unloads: string[] = [];
  const client = {
    stops: 0,
    async stop(): Promise<void> {
      client.stops++;
    },
    async request(type: string, params: { role: string }): Promise<unknown> {
      if (type === 'unload') unloads.push(params.role);
      return { ok: true };
    },
    async load(params: LoadParams): Promise<LoadResult> {
      loads.push(`${params.role}:${params.modelDir}`);
      if (!fs.existsSync(params.modelDir)) throw new WorkerError('model-folder-missing', `Model folder ${params.modelDir} does not exist.`);
      if (options.failing?.has(params.modelDir)) throw new Error(`cannot load ${params.modelDir}`);
      if (options.tooBig?.has(params.modelDir)) throw new WorkerError('out-of-memory', `${path.basename(params.modelDir)} does not fit beside the model already loaded: it needs about 3.0 GB and 1.0 GB is free.`);
      return {
        name: path.basename(params.modelDir), dir: params.modelDir, role: params.role, skippedProviders: [], precision: 'q4', provider: 'cpu',
        fimTemplate: options.noFim?.has(params.modelDir) ? null : 'qwen2.5-coder', canChat: options.chat?.has(params.modelDir) ?? false,
      } as unknown as LoadResult;
    },
  };
  return { client: client as unknown as WorkerClient, loads, unloads, stops: () => client.stops };
}

/**
 * A worker client that runs requests one at a time in the order they were sent, as the worker's
 * load queue does, and holds each load until the test lets it finish: the test decides when a
 * load ends relative to the settings changes around it.
 */
function serialClient(options: { chat?: Set<string> } = {}) {
  const sent: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** What the worker's completion role holds after the requests it has run. */
  let loaded: string | undefined;
  const inWorker = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run);
    queue = result.catch(() => undefined);
    return result;
  };
  const { client: base } = fakeClient(options);
  /** Set while a stop is held: as in the real client, what is sent to the exiting worker is lost. */
  let stopping: Promise<void> | undefined;
  let endStop: (() => void) | undefined;
  let holdingStop = false;
  /** Each request the worker has not answered yet, to be lost in a crash. */
  const inFlight = new Set<(err: Error) => void>();
  /** Counts crashes: a load queued in a worker that died runs nowhere. */
  let lives = 0;
  const lost = <T>(answer: Promise<T>): Promise<T> => {
    if (stopping) return Promise.reject(new WorkerError('worker-exited', 'The inference worker was stopped.'));
    return new Promise<T>((resolve, reject) => {
      inFlight.add(reject);
      answer.then(resolve, reject).finally(() => inFlight.delete(reject));
    });
  };
  const client = {
    stop(): Promise<void> {
      sent.push('stop');
      if (!holdingStop) return base.stop().then(() => void (loaded = undefined));
      stopping = new Promise<void>((resolve) => (endStop = resolve)).then(() => {
        stopping = undefined;
        loaded = undefined;
      });
      return stopping;
    },
    request(type: string, params: { role: string }): Promise<unknown> {
      sent.push(`${type}:${params.role}`);
      return lost(inWorker(() => base.request(type as 'unload', params as never)));
    },
    load(params: LoadParams): Promise<LoadResult> {
      sent.push(`load:${params.role}:${label(params)}`);
      const gate = holding ? new Promise<void>((resolve) => held.push(resolve)) : undefined;
      const life = lives;
      return lost(
        inWorker(async () => {
          await gate;
          if (life !== lives) throw new WorkerError('worker-exited', 'lost in a crash');
          const model = await base.load(params);
          if (params.role === 'completion') loaded = label(params);
          return model;
        }),
      );
    },
  };
  return {
    client: client as unknown as WorkerClient,
    sent,
    loaded: () => loaded,
    hold: () => void (holding = true),
    /** Stops holding loads, and lets the held ones run; then lets what follows settle. */
    async release(): Promise<void> {
      holding = false;
      for (const run of held.splice(0)) run();
      await new Promise((r) => setTimeout(r, 20));
    },
    /** Holds the next stop (idle unload, no model) until endStop(). */
    holdStop: () => void (holdingStop = true),
    endStop: async () => {
      endStop?.();
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    },
    /** The worker dies: what it was asked and had not answered is lost, and it holds no model. */
    crash(): WorkerError {
      const error = new WorkerError('worker-exited', 'The inference worker exited (code 1); the request was lost. Try again.');
      for (const reject of inFlight) reject(error);
      inFlight.clear();
      lives++;
      for (const release of held.splice(0)) release();
      loaded = undefined;
      return error;
    },
    /** Lets the oldest held load run, once it was sent; then lets the promises that follow it settle. */
    async finish(): Promise<void> {
      for (let i = 0; i < 1000 && held.length === 0; i++) await new Promise((r) => setImmediate(r));
      assert.ok(held.length > 0, `no load was sent: ${sent.join(', ')}`);
      held.shift()!();
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    },
  };
}

/** A load's folder and thread count, as the tests name them. */
function label(params: LoadParams): string {
  return `${path.basename(params.modelDir)}${params.threads ? `/${params.threads}` : ''}`;
}

const plan = (modelDir: string, chatDir?: string, threads?: number): LoadPlan => ({
  completion: { role: 'completion', modelDir, ...(threads ? { threads } : {}) },
  ...(chatDir ? { chat: { role: 'chat', modelDir: chatDir } } : {}),
});

describe('ModelController', () => {
  let good: string;
  let other: string;
  before(async () => {
    good = await tinyModel('gqa', 'q4');
    other = await tinyModel('standard', 'q4');
  });

  it('loads once for the same settings', async () => {
    const { client, loads } = fakeClient();
    const controller = new ModelController(client);
    await Promise.all([controller.ensure(plan(good)), controller.ensure(plan(good))]);
    await controller.ensure(plan(good));
    assert.deepEqual(loads, [`completion:${good}`]);
  });

  it('no plan (no model installed): lets go of the loaded model, both roles say so, and every ask rejects with no-model', async () => {
    const { client, stops } = fakeClient();
    const controller = new ModelController(client);
    await controller.ensure(plan(good));
    await assert.rejects(controller.ensure(undefined), (err: Error & { code?: string }) => err.code === 'no-model' && /Download Model/.test(err.message));
    assert.equal(stops(), 1);
    assert.equal(controller.state('completion').kind, 'none');
    assert.equal(controller.state('chat').kind, 'none');
    await assert.rejects(controller.ensureChat(undefined), /No model is installed/);
    assert.equal(stops(), 1, 'stopped once');
    await controller.ensure(plan(good));
    assert.equal(controller.state('completion').kind, 'ready');
  });

  it('a folder that fails validation leaves the working model in place', async () => {
    const { client } = fakeClient();
    const states: RoleState['kind'][] = [];
    const controller = new ModelController(client);
    controller.onDidChange(() => states.push(controller.state('completion').kind));
    await controller.ensure(plan(good));
    await assert.rejects(controller.ensure(plan(path.join(os.tmpdir(), 'missing-model'))), /does not exist/);
    const state = controller.state('completion');
    assert.equal(state.kind === 'ready' && state.model.name, path.basename(good));
    assert.deepEqual(states.filter((k, i) => k !== states[i - 1]), ['loading', 'ready', 'loading', 'ready']);
  });

  it('a model the worker cannot load is replaced by the previous one again', async () => {
    const { client, loads } = fakeClient({ failing: new Set([other]) });
    const controller = new ModelController(client);
    await controller.ensure(plan(good));
    await assert.rejects(controller.ensure(plan(other)), /cannot load/);
    assert.deepEqual(loads, [`completion:${good}`, `completion:${other}`, `completion:${good}`]);
    const state = controller.state('completion');
    assert.equal(state.kind === 'ready' && state.model.name, path.basename(good));
  });

  it('reports an error state when there is nothing to fall back to', async () => {
    const { client } = fakeClient({ failing: new Set([good]) });
    const controller = new ModelController(client);
    await assert.rejects(controller.ensure(plan(good)));
    assert.equal(controller.state('completion').kind, 'error');
  });

  it('refuses a model that cannot fill in the middle, naming the supported families', async () => {
    const { client } = fakeClient({ noFim: new Set([good]) });
    const controller = new ModelController(client);
    await assert.rejects(controller.ensure(plan(good)), /no fill-in-the-middle tokens.*Qwen2\.5-Coder/);
    assert.equal(controller.state('completion').kind, 'error');
  });

  it('unloads after the idle time and loads again on the next request', async () => {
    const { client, loads, stops } = fakeClient();
    const controller = new ModelController(client);
    await controller.ensure(plan(good));
    controller.setIdleUnload(0.001); // 60 ms
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(stops(), 1);
    assert.equal(controller.state('completion').kind, 'unloaded');
    await controller.ensure(plan(good));
    assert.deepEqual(loads, [`completion:${good}`, `completion:${good}`]);
    assert.equal(controller.state('completion').kind, 'ready');
    controller.dispose();
  });

  it('a request restarts the idle countdown', async () => {
    const { client, stops } = fakeClient();
    const controller = new ModelController(client);
    await controller.ensure(plan(good));
    controller.setIdleUnload(0.002); // 120 ms
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 60));
      controller.touch();
    }
    assert.equal(stops(), 0);
    controller.dispose();
  });

  it('after a worker crash: restarting, then the models loaded again; a reload that fails is an error state', async () => {
    const failing = new Set<string>();
    const { client, loads } = fakeClient({ failing });
    const logs: string[] = [];
    const controller = new ModelController(client, (_, line) => logs.push(line));
    await controller.ensure(plan(good));
    controller.workerCrashed({ error: new WorkerError('worker-exited', 'exited'), restartInMs: 20 });
    const restarting = controller.state('completion');
    assert.ok(restarting.kind === 'loading' && restarting.restarting);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(controller.state('completion').kind, 'ready');
    assert.deepEqual(loads, [`completion:${good}`, `completion:${good}`]);
    assert.ok(logs.some((l) => /reloaded .* after restart/.test(l)), logs.join('\n'));

    failing.add(good);
    controller.workerCrashed({ error: new WorkerError('worker-exited', 'exited'), restartInMs: 20 });
    await new Promise((r) => setTimeout(r, 100));
    const broken = controller.state('completion');
    assert.ok(broken.kind === 'error' && broken.message.includes(good), JSON.stringify(broken));
    failing.delete(good);
    await controller.ensure(plan(good));
    assert.equal(controller.state('completion').kind, 'ready');
    controller.dispose();
  });

  it('chat without a chat model of its own: the completion model answers if it can chat', async () => {
    const { client, loads } = fakeClient({ chat: new Set([good]) });
    const controller = new ModelController(client);
    const chat = await controller.ensureChat(plan(good));
    assert.equal(chat.dir, good);
    assert.deepEqual(loads, [`completion:${good}`, `chat:${good}`]);
    assert.equal(controller.state('chat').kind, 'ready');
    await controller.ensureChat(plan(good));
    assert.equal(loads.length, 2, 'loaded once');

    const { client: noChat } = fakeClient();
    const plain = new ModelController(noChat);
    await assert.rejects(plain.ensureChat(plan(good)), /no chat template/);
    assert.equal(plain.state('chat').kind, 'error');
    assert.equal(plain.state('completion').kind, 'ready', 'completions keep working');
  });

  it('a chat model that does not fit beside the completion model: the completion model answers, and says why', async () => {
    const { client, loads } = fakeClient({ chat: new Set([good, other]), tooBig: new Set([other]) });
    const controller = new ModelController(client);
    const chat = await controller.ensureChat(plan(good, other));
    assert.equal(chat.dir, good);
    const state = controller.state('chat');
    assert.ok(state.kind === 'ready' && /does not fit.*Chat answers come from/.test(state.note ?? ''), JSON.stringify(state));
    assert.equal(controller.state('completion').kind, 'ready');
    // Tried again on the next chat request: memory may have been freed meanwhile.
    await controller.ensureChat(plan(good, other));
    assert.equal(loads.filter((l) => l === `chat:${other}`).length, 2);
  });

  it('a chat role on the completion model lets it go when the completion model changes', async () => {
    const { client, unloads } = fakeClient({ chat: new Set([good, other]) });
    const controller = new ModelController(client);
    await controller.ensureChat(plan(good));
    await controller.ensure(plan(other));
    assert.deepEqual(unloads, ['chat'], 'the old model is not kept for the chat role');
    assert.equal(controller.state('chat').kind, 'idle');
    assert.equal((await controller.ensureChat(plan(other))).dir, other);
  });
  describe('a burst of settings changes while a model loads', () => {
    it('loads one model at a time: the one in flight, then the last plan; the plans in between are skipped and everyone gets the last model', async () => {
      const worker = serialClient();
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.hold();
      const asked = [controller.ensure(plan(good, undefined, 1))];
      await new Promise((r) => setImmediate(r));
      for (const threads of [2, 3, 4]) asked.push(controller.ensure(plan(good, undefined, threads)));
      const kinds: RoleState['kind'][] = [];
      controller.onDidChange(() => kinds.push(controller.state('completion').kind));
      await worker.finish();
      assert.equal(controller.state('completion').kind, 'loading', 'the model in flight finished, but the settings ask for another one now');
      await worker.finish();
      const models = await Promise.all(asked);
      const name = path.basename(good);
      assert.deepEqual(worker.sent, [`load:completion:${name}`, `load:completion:${name}/1`, `load:completion:${name}/4`]);
      assert.equal(worker.loaded(), `${name}/4`);
      assert.deepEqual(models.map((m) => m.name), [name, name, name, name]);
      const state = controller.state('completion');
      assert.equal(state.kind, 'ready');
      assert.ok(!kinds.slice(0, -1).includes('ready'), `ready only once the last plan's model is: ${kinds.join(', ')}`);
    });

    it('a chat role that shares the completion model does not let a superseded load run after the last one', async () => {
      const worker = serialClient({ chat: new Set([good, other]) });
      const controller = new ModelController(worker.client);
      await controller.ensureChat(plan(good));
      const [, last] = [controller.ensure(plan(other)), controller.ensure(plan(good, undefined, 2))];
      await last;
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(worker.loaded(), `${path.basename(good)}/2`, worker.sent.join(', '));
      const state = controller.state('completion');
      assert.ok(state.kind === 'ready' && state.model.dir === good, JSON.stringify(state));
    });

    it('a load that fails while a newer plan waits is not rolled back over it; if the newer one fails too, the model that worked comes back', async () => {
      const worker = serialClient();
      const missing = path.join(os.tmpdir(), 'missing-model');
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.hold();
      const failing = controller.ensure(plan(missing));
      await new Promise((r) => setImmediate(r));
      const next = controller.ensure(plan(other));
      await worker.finish();
      await worker.finish();
      assert.equal((await next).name, path.basename(other));
      const name = (dir: string) => `load:completion:${path.basename(dir)}`;
      assert.deepEqual(worker.sent, [name(good), name(missing), name(other)]);
      await assert.doesNotReject(failing, 'superseded: it settles with the plan asked for last');

      const alsoFailing = controller.ensure(plan(missing));
      await new Promise((r) => setImmediate(r));
      const failsToo = controller.ensure(plan(path.join(os.tmpdir(), 'missing-too')));
      for (let i = 0; i < 3; i++) await worker.finish();
      await assert.rejects(failsToo, /missing-too does not exist/);
      await assert.rejects(alsoFailing, /missing-too does not exist/);
      assert.equal(worker.loaded(), path.basename(other));
      const state = controller.state('completion');
      assert.ok(state.kind === 'ready' && state.model.dir === other, JSON.stringify(state));
    });
  });

  describe('the model loaded at rest is the one the latest settings ask for', () => {
    const name = (dir: string) => path.basename(dir);
    const readyOn = (controller: ModelController, role: 'completion' | 'chat', dir: string) => {
      const state = controller.state(role);
      assert.ok(state.kind === 'ready' && state.model.dir === dir, `${role}: ${JSON.stringify(state)}, want ${dir}`);
    };

    it('settings changed back before the switch began: the model asked for last stays, the other is not loaded', async () => {
      const { client, loads } = fakeClient();
      const controller = new ModelController(client);
      await controller.ensure(plan(good));
      const [away, back] = [controller.ensure(plan(other)), controller.ensure(plan(good))];
      assert.equal((await back).dir, good);
      assert.equal((await away).dir, good, 'the superseded ask settles with the last plan');
      assert.deepEqual(loads, [`completion:${good}`]);
      readyOn(controller, 'completion', good);
    });

    it('a settings change while the worker restarts after a crash: the new model is loaded, not the one from before the crash', async () => {
      const { client, loads } = fakeClient();
      const controller = new ModelController(client);
      await controller.ensure(plan(good));
      controller.workerCrashed({ error: new WorkerError('worker-exited', 'exited'), restartInMs: 20 });
      await controller.ensure(plan(other));
      await new Promise((r) => setTimeout(r, 80));
      readyOn(controller, 'completion', other);
      assert.equal(loads.at(-1), `completion:${other}`, loads.join(', '));
      controller.dispose();
    });

    it('a crash during a settings change\'s load: the new model loads once the worker is back, not the previous one', async () => {
      const worker = serialClient();
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.hold();
      const asked = controller.ensure(plan(other));
      await new Promise((r) => setImmediate(r));
      controller.workerCrashed({ error: worker.crash(), restartInMs: 20 });
      // The real client sends what is asked after a crash once the new worker is up, after the restart delay.
      await new Promise((r) => setTimeout(r, 40));
      await worker.release();
      assert.equal((await asked).dir, other);
      assert.equal(worker.loaded(), name(other), worker.sent.join(', '));
      readyOn(controller, 'completion', other);
      controller.dispose();
    });

    it('a chat request in flight when the settings change: the chat role follows the new completion model', async () => {
      const worker = serialClient({ chat: new Set([good, other]) });
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.hold();
      const chat = controller.ensureChat(plan(good));
      await new Promise((r) => setImmediate(r));
      const completion = controller.ensure(plan(other));
      await worker.release();
      assert.equal((await completion).dir, other);
      assert.equal((await chat).dir, other, 'the chat answer comes from the model the settings ask for now');
      readyOn(controller, 'chat', other);
      assert.equal(worker.sent.filter((s) => s.startsWith('load:chat:')).at(-1), `load:chat:${name(other)}`, worker.sent.join(', '));
    });

    it('a settings change during an idle unload: the new model loads on the fresh worker', async () => {
      const worker = serialClient();
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.holdStop();
      const unloading = controller.unload();
      await new Promise((r) => setImmediate(r));
      const next = controller.ensure(plan(other));
      await worker.endStop();
      await unloading;
      assert.equal((await next).dir, other);
      assert.equal(worker.loaded(), name(other), worker.sent.join(', '));
      readyOn(controller, 'completion', other);
    });

    it('no model any more while one loads: the worker is left holding nothing', async () => {
      const worker = serialClient();
      const controller = new ModelController(worker.client);
      await controller.ensure(plan(good));
      worker.hold();
      const asked = controller.ensure(plan(other));
      await new Promise((r) => setImmediate(r));
      const noModel = (err: Error & { code?: string }) => err.code === 'no-model';
      const none = assert.rejects(controller.ensure(undefined), noModel);
      const superseded = assert.rejects(asked, noModel, 'the superseded ask settles as the last plan does');
      await worker.release();
      await Promise.all([none, superseded]);
      assert.equal(worker.loaded(), undefined, worker.sent.join(', '));
      assert.equal(controller.state('completion').kind, 'none');
    });
  });
});
