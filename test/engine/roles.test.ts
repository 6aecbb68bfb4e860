import * as assert from 'node:assert/strict';
import { Engine, type LoadParams } from '../../src/engine/engine';
import type { GenerateRequest } from '../../src/engine/generate';
import { EngineError } from '../../src/shared/errors';
import type { ModelRole } from '../../src/shared/generation';
import { ENGINE_CACHE, familyModel, tinyModel } from '../support/tinyModels';

const CODE = 'def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n';
const LONG: GenerateRequest = { prompt: 'Explain this code:\n' + CODE, maxNewTokens: 160, ignoreEos: true, reuseCache: false };
const SHORT: GenerateRequest = { prompt: CODE + 'print(fib', maxNewTokens: 8, ignoreEos: true };
const FRESH: GenerateRequest = { ...SHORT, reuseCache: false };

/** Several roles in one engine: one copy of a shared model, a KV slot per role, and completions first. */
describe('model roles in one engine', function () {
  this.timeout(180_000);
  let modelDir: string;
  let otherDir: string;
  /** Another vocabulary and other weights: a generation shows which of the two models ran it. */
  let switchDir: string;
  let engine: Engine;
  const params = (role: ModelRole, dir = modelDir): LoadParams => ({ role, modelDir: dir, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE });

  before(async () => {
    modelDir = await tinyModel('gqa', 'q4');
    otherDir = await tinyModel('standard', 'q4');
    switchDir = await familyModel('deepseek-coder');
  });
  beforeEach(() => (engine = new Engine()));
  afterEach(() => engine.dispose());

  it('a folder that serves two roles is loaded once', async () => {
    await engine.load(params('completion'));
    const chat = await engine.load(params('chat'));
    assert.equal(engine.models().length, 1);
    assert.deepEqual(chat.info.roles.sort(), ['chat', 'completion']);
    // Unloading one role keeps the model for the other.
    await engine.unload('chat');
    assert.equal(engine.models().length, 1);
    assert.equal((await engine.generate('completion', SHORT)).tokenIds.length, 8);
    await assert.rejects(engine.generate('chat', SHORT), (err: EngineError) => err.code === 'not-loaded');
  });

  it('a chat request on the completion model leaves the completion\'s cached prefix intact', async () => {
    await engine.load(params('completion'));
    await engine.load(params('chat'));
    const ids = engine.role('completion')!.tokenizer.encode(SHORT.prompt!);
    await engine.generate('completion', { promptIds: ids, maxNewTokens: 4, ignoreEos: true });
    await engine.generate('chat', LONG);
    const typed = await engine.generate('completion', { promptIds: [...ids, ...engine.role('completion')!.tokenizer.encode('(')], maxNewTokens: 4, ignoreEos: true });
    assert.equal(typed.timings.reusedTokens, ids.length, 'the whole earlier prompt came from the completion slot');
    // And the other way round: the chat slot kept its prompt too.
    const chatAgain = await engine.generate('chat', { ...LONG, reuseCache: true });
    assert.ok(chatAgain.timings.reusedTokens > 0);
  });

  it('two different models side by side give what each gives alone', async () => {
    const alone = new Engine();
    await alone.load(params('chat', otherDir));
    const expected = await alone.generate('chat', LONG);
    await alone.dispose();
    await engine.load(params('completion'));
    await engine.load(params('chat', otherDir));
    assert.equal(engine.models().length, 2);
    assert.deepEqual((await engine.generate('chat', LONG)).tokenIds, expected.tokenIds);
  });

  it('a completion that arrives during a long generation runs at its next step; the long text is the same as uninterrupted', async () => {
    await engine.load(params('completion'));
    await engine.load(params('chat'));
    const uninterrupted = await engine.generate('chat', LONG);
    const alone = await engine.generate('completion', { ...SHORT, reuseCache: false });

    let chatTokens = 0;
    let completion: Promise<unknown> | undefined;
    let atRequest = -1;
    let atFirstToken = -1;
    let atDone = -1;
    const chat = engine.generate('chat', LONG, () => {
      chatTokens++;
      if (chatTokens !== 20) return;
      atRequest = chatTokens;
      completion = engine
        .generate('completion', { ...SHORT, reuseCache: false }, () => {
          if (atFirstToken < 0) atFirstToken = chatTokens;
        })
        .then((r) => {
          atDone = chatTokens;
          return r;
        });
    });
    const long = await chat;
    const short = (await completion) as typeof alone;
    assert.deepEqual(long.tokenIds, uninterrupted.tokenIds, 'no lost, repeated or changed tokens');
    assert.equal(long.text, uninterrupted.text);
    assert.deepEqual(short.tokenIds, alone.tokenIds);
    // Tokens reach this thread in the order the decode thread made them: the chat's tokens still in
    // flight when the completion was asked arrive before the completion's first; none while it runs.
    assert.ok(atRequest === 20 && atFirstToken >= atRequest);
    assert.ok(atDone - atFirstToken <= 1, `the chat streamed ${atDone - atFirstToken} tokens while the completion ran`);
  });

  it('a completion that arrives during a long prompt\'s prefill does not wait for the whole prefill', async () => {
    await engine.load(params('completion'));
    await engine.load(params('chat'));
    const longPrompt: GenerateRequest = { prompt: 'Explain:\n' + CODE.repeat(40), maxNewTokens: 4, ignoreEos: true, reuseCache: false };
    let chatFirstToken = Infinity;
    const chat = engine.generate('chat', longPrompt, () => (chatFirstToken = Math.min(chatFirstToken, performance.now())));
    await new Promise((r) => setTimeout(r, 5));
    const short = await engine.generate('completion', { ...SHORT, reuseCache: false });
    const shortDone = performance.now();
    const long = await chat;
    assert.ok(long.timings.promptTokens > 1000, `${long.timings.promptTokens} prompt tokens`);
    assert.equal(short.tokenIds.length, 8);
    assert.ok(shortDone < chatFirstToken, 'the completion finished before the chat\'s prefill did');
  });

  it('a cancelled generation that waits for its turn ends without running', async () => {
    await engine.load(params('completion'));
    await engine.load(params('chat'));
    const controller = new AbortController();
    const busy = engine.generate('completion', { ...SHORT, maxNewTokens: 60, reuseCache: false });
    const waiting = engine.generate('chat', LONG, undefined, controller.signal);
    controller.abort();
    const [, cancelled] = await Promise.all([busy, waiting]);
    assert.equal(cancelled.finishReason, 'cancelled');
    assert.ok(cancelled.tokenIds.length <= 1, `${cancelled.tokenIds.length} tokens`);
  });

  it('a second model that does not fit beside the first is refused clearly; the first keeps working', async () => {
    await engine.load(params('completion'));
    await assert.rejects(engine.load({ ...params('chat', otherDir), memoryLimitBytes: 1 }), (err: unknown) => {
      assert.ok(err instanceof EngineError && err.code === 'out-of-memory', String(err));
      assert.match(err.message, /does not fit beside the model already loaded: it needs about .* GB/);
      return true;
    });
    assert.equal(engine.models().length, 1);
    assert.equal((await engine.generate('completion', SHORT)).tokenIds.length, 8);
  });
  describe('a role that switches models', () => {
    let fromFirst: number[];
    let fromNext: number[];
    before(async () => {
      const alone = async (dir: string) => {
        const e = new Engine();
        await e.load(params('completion', dir));
        const r = await e.generate('completion', FRESH);
        await e.dispose();
        return r.tokenIds;
      };
      fromFirst = await alone(modelDir);
      fromNext = await alone(switchDir);
      assert.notDeepEqual(fromFirst, fromNext, 'the two models answer differently');
    });

    it('a generation given before the load runs on the old model; one given after it, or while the role has no model, waits for the new one', async () => {
      await engine.load(params('completion'));
      const before = engine.generate('completion', FRESH);
      const switching = engine.load(params('completion', switchDir));
      const after = engine.generate('completion', FRESH);
      // The old model is released and the new one not bound yet.
      while (engine.role('completion')) await new Promise((r) => setImmediate(r));
      const meanwhile = engine.generate('completion', FRESH);
      await switching;
      assert.deepEqual((await meanwhile).tokenIds, fromNext);
      assert.deepEqual((await before).tokenIds, fromFirst);
      assert.deepEqual((await after).tokenIds, fromNext);
    });

    it('a burst of loads: a generation given during it runs on the last model, and only that model is left open', async () => {
      await engine.load(params('completion'));
      const loads = [switchDir, modelDir, switchDir].map((dir, i) => engine.load({ ...params('completion', dir), threads: 1 + (i % 2) }));
      const during = engine.generate('completion', FRESH);
      await Promise.all(loads);
      assert.deepEqual((await during).tokenIds, fromNext);
      assert.deepEqual(engine.models().map((m) => [m.dir, m.threads]), [[switchDir, 1]]);
    });

    it('a generation given after an unload fails with not-loaded once the unload is done', async () => {
      await engine.load(params('completion'));
      const unloading = engine.unload('completion');
      await assert.rejects(engine.generate('completion', FRESH), (err: EngineError) => err.code === 'not-loaded');
      await unloading;
      assert.equal(engine.models().length, 0);
    });
  });
});
