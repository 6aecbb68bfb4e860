import * as assert from 'node:assert/strict';
import { EngineSwitch } from '../../src/backend/engineSwitch';
import type { BackendResult, InferenceBackend, InfillRequest } from '../../src/backend/inferenceBackend';
import { ServerBackend } from '../../src/backend/server/serverBackend';
import type { EngineChoice } from '../../src/settings/serverSettings';
import { Emitter } from '../../src/shared/emitter';
import { FakeServer, llamaProps, llamaStream } from '../support/fakeServer';

const REQUEST: InfillRequest = { input: { prefix: 'x = ', prefixStartLine: 0, suffix: '' }, budget: { maxPromptTokens: 256, maxSuffixTokens: 64, maxContextTokens: 0 }, maxNewTokens: 8 };
const RESULT = (text: string): BackendResult => ({ text, finishReason: 'stop-token', figures: { totalMs: 1, promptTokens: 1, reusedPromptTokens: 0, newTokens: 1, tokensPerSecond: 0 } });

/** The local worker's part, as the switch sees it. */
function localStub(): InferenceBackend & { calls: number } {
  const changed = new Emitter<void>();
  return {
    calls: 0,
    capabilities: { infill: true, chat: true, exactTokenBudgets: true, speculation: true },
    state: () => ({ kind: 'ready', name: 'local-model', detail: 'q4 on cpu' }),
    onDidChangeState: (l) => changed.event(l),
    ready: async () => true,
    async infill() {
      this.calls++;
      return RESULT('local');
    },
    chat: async () => RESULT('local chat'),
    dispose: async () => {},
  };
}

describe('EngineSwitch', () => {
  let fake: FakeServer;
  beforeEach(async () => (fake = await FakeServer.start()));
  afterEach(() => fake.close());

  function make(engine: { value: EngineChoice }, fallback: boolean, url = fake.url) {
    const local = localStub();
    const server = new ServerBackend({ settings: () => ({ url, protocol: 'llama.cpp', model: '', fimTemplate: 'auto', allowInsecureHttp: false, fallbackToLocal: fallback }), apiKey: async () => undefined, log: () => {}, retryDelaysMs: { completion: [], chat: [] } });
    const logs: string[] = [];
    const sw = new EngineSwitch(local, server, { engine: () => engine.value, fallbackToLocal: () => fallback, log: (_l, line) => logs.push(line) });
    return { sw, local, logs };
  }

  it('answers from what slm.engine says now, switched without a new backend', async () => {
    llamaProps(fake).on('POST /infill', llamaStream(['server']));
    const engine = { value: 'server' as EngineChoice };
    const { sw, local } = make(engine, false);
    let changes = 0;
    sw.onDidChangeState(() => changes++);
    assert.equal((await sw.infill(REQUEST)).text, 'server');
    engine.value = 'local';
    sw.settingsChanged();
    assert.equal((await sw.infill(REQUEST)).text, 'local');
    const state = sw.state('completion');
    assert.equal(state.kind === 'ready' && state.name, 'local-model');
    assert.equal(local.calls, 1);
    assert.ok(changes > 0);
  });

  it('after three failures in a row falls back to the local model when allowed, and says so', async () => {
    const url = fake.url;
    await fake.close();
    const { sw, logs } = make({ value: 'server' }, true, url);
    for (let i = 0; i < 2; i++) await assert.rejects(sw.infill(REQUEST), /cannot reach/);
    assert.equal((await sw.infill(REQUEST)).text, 'local');
    assert.equal(sw.active, 'local');
    const state = sw.state('completion');
    assert.ok(state.kind === 'ready' && /standing in for the inference server, which failed: cannot reach/.test(state.detail), JSON.stringify(state));
    assert.ok(logs.some((l) => /completing with the local model/.test(l)));
    fake = await FakeServer.start();
  });

  it('without the fallback setting keeps failing visibly', async () => {
    const url = fake.url;
    await fake.close();
    const { sw } = make({ value: 'server' }, false, url);
    for (let i = 0; i < 4; i++) await assert.rejects(sw.infill(REQUEST), /cannot reach/);
    assert.equal(sw.state('completion').kind, 'error');
    fake = await FakeServer.start();
  });
});
