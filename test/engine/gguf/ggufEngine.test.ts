import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Engine, type LoadParams } from '../../../src/engine/engine';
import type { GenerateRequest } from '../../../src/engine/generate';
import { mapsWeights } from '../../../src/engine/gguf/ggufEngine';
import { ChatCompleter } from '../../../src/worker/chatCompleter';
import { FimCompleter } from '../../../src/worker/fimCompleter';
import { ensureTestGguf } from '../../support/gguf';
import { ensureLlamaCppInstalled } from '../../support/llamaCppPackage';
import { ENGINE_CACHE, tinyModel } from '../../support/tinyModels';

const CODE = 'function add(a, b) {\n  return a + b;\n}\nfunction sub(a, b) {\n  return a - b;\n}\nfunction mul(a, b) {\n  return';
const GREEDY: GenerateRequest = { prompt: CODE, maxNewTokens: 24, ignoreEos: true, reuseCache: false };

/**
 * GGUF models on llama.cpp behind the engine's interface, on a GGUF written from the generated
 * weights: the ONNX engine on the same weights is the oracle (fp32 / F32: no quantization
 * differences, so greedy tokens agree exactly).
 */
describe('GGUF engine (node-llama-cpp)', function () {
  this.timeout(300_000);
  let onnxDir: string;
  let gguf: string;
  let engine: Engine;
  const params = (modelDir: string, extra: Partial<LoadParams> = {}): LoadParams => ({ role: 'completion', modelDir, device: 'cpu', threads: 2, cacheDir: ENGINE_CACHE, ...extra });

  before(async () => {
    ensureLlamaCppInstalled();
    onnxDir = await tinyModel('standard', 'fp32');
    gguf = ensureTestGguf('tiny', 'F32', onnxDir);
  });
  beforeEach(() => (engine = new Engine()));
  afterEach(() => engine.dispose());

  it('gives the same greedy tokens as the ONNX engine on identical weights', async () => {
    await engine.load(params(onnxDir, { precision: 'fp32' }));
    const onnx = await engine.generate('completion', GREEDY);
    const { info } = await engine.load(params(gguf));
    assert.equal(info.runtime, 'llama.cpp');
    assert.equal(info.provider, 'cpu');
    assert.equal(info.precision, 'fp32');
    assert.equal(engine.models().length, 1, 'the role left the ONNX model when it loaded the GGUF');
    const llama = await engine.generate('completion', GREEDY);
    assert.equal(llama.tokenIds.length, 24);
    assert.deepEqual(llama.tokenIds, onnx.tokenIds);
    assert.equal(llama.text, onnx.text);
    assert.ok(llama.timings.prefillTokensPerSecond > 0 && llama.timings.decodeTokensPerSecond > 0);
  });

  it('reads the file into memory rather than mapping it, unless it is larger than half the memory', async function () {
    if (process.platform !== 'linux') this.skip();
    await engine.load(params(gguf));
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    assert.ok(!maps.includes(fs.realpathSync(gguf)), 'the GGUF file is mapped into the process');
    assert.equal(mapsWeights(3e9, 16e9), false);
    assert.equal(mapsWeights(9e9, 16e9), true);
  });

  it('reuses the common prefix of the last request, with the same output as a cold run', async () => {
    await engine.load(params(gguf));
    const first = await engine.generate('completion', { ...GREEDY, reuseCache: true });
    const typed = { ...GREEDY, prompt: CODE + ' a', reuseCache: true };
    const warm = await engine.generate('completion', typed);
    const cold = await engine.generate('completion', { ...typed, reuseCache: false });
    assert.equal(first.timings.reusedTokens, 0);
    assert.ok(warm.timings.reusedTokens >= first.timings.promptTokens - 1, `reused ${warm.timings.reusedTokens} of ${warm.timings.promptTokens}`);
    assert.equal(cold.timings.reusedTokens, 0);
    assert.deepEqual(warm.tokenIds, cold.tokenIds);
  });

  it('speculates with prompt lookup and with a draft model without changing greedy output', async () => {
    // The model as its own draft: every draft is right, so acceptance must show (a fixed draft
    // length: random weights give no token the 60% an adaptive draft asks for).
    await engine.load(params(gguf, { draftModelDir: gguf }));
    const plain = await engine.generate('completion', GREEDY);
    const lookup = await engine.generate('completion', { ...GREEDY, speculation: { promptLookup: true } });
    const drafted = await engine.generate('completion', { ...GREEDY, speculation: { draftModel: true, fixedDraftTokens: 4 } });
    assert.equal(plain.speculation, undefined);
    assert.deepEqual(lookup.tokenIds, plain.tokenIds);
    assert.deepEqual(drafted.tokenIds, plain.tokenIds);
    assert.ok(drafted.speculation!.drafted > 0 && drafted.speculation!.accepted > 0, JSON.stringify(drafted.speculation));
    assert.ok(drafted.speculation!.verifications > 0);
  });

  it('stops on cancellation, stop strings and the time budget', async () => {
    await engine.load(params(gguf));
    const controller = new AbortController();
    let seen = 0;
    const cancelled = await engine.generate('completion', { ...GREEDY, maxNewTokens: 200 }, () => ++seen === 2 && controller.abort(), controller.signal);
    assert.equal(cancelled.finishReason, 'cancelled');
    assert.ok(cancelled.tokenIds.length < 20, `${cancelled.tokenIds.length} tokens after cancelling`);
    const plain = await engine.generate('completion', GREEDY);
    const cut = plain.text.slice(3, 6);
    const stopped = await engine.generate('completion', { ...GREEDY, stopStrings: [cut] });
    assert.equal(stopped.finishReason, 'stop-string');
    assert.equal(stopped.text, plain.text.slice(0, plain.text.indexOf(cut)));
    const budget = await engine.generate('completion', { ...GREEDY, maxNewTokens: 2000, timeBudgetMs: 1 });
    assert.equal(budget.finishReason, 'time-budget');
  });

  it('serves FIM and chat from the file alone: its tokenizer and chat template agree with the ONNX folder\'s', async () => {
    const model = await engine.load(params(gguf));
    assert.equal(model.folder, undefined);
    assert.equal(new FimCompleter(engine, model).template, 'qwen2.5-coder');
    const other = new Engine();
    try {
      const reference = await other.load(params(onnxDir, { precision: 'fp32' }));
      // Control tokens spelled in a template become their ids; in user text they stay characters.
      const text = '<|fim_prefix|>def f(x):\n    return x  # café ✓<|fim_suffix|>';
      assert.deepEqual(model.tokenizer.encode(text), reference.tokenizer.encode(text));
      assert.deepEqual(model.tokenizer.encodePlain(text), reference.tokenizer.encodePlain(text));
      const messages = { messages: [{ role: 'user' as const, content: 'Explain <|im_end|> this.' }] };
      const chat = new ChatCompleter(engine, model);
      assert.equal(chat.canChat, true);
      // The same text; user text that spells a control token stays characters in both (split
      // differently: llama.cpp's tokenizer without special-token parsing never makes control ids).
      assert.equal(chat.prompt(messages).text, new ChatCompleter(other, reference).prompt(messages).text);
      assert.equal(model.tokenizer.encodePlain('<|im_end|>').includes(model.tokenizer.tokenId('<|im_end|>')!), false);
      assert.deepEqual(model.tokenizer.encode('<|im_end|>'), [model.tokenizer.tokenId('<|im_end|>')]);
    } finally {
      await other.dispose();
    }
  });
});
