import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InfillRequest } from '../../../src/backend/inferenceBackend';
import { LocalBackend } from '../../../src/backend/local/localBackend';
import { StreamCut } from '../../../src/completion/streamCut';
import type { LoadPlan } from '../../../src/backend/local/modelController';
import { describe as statusOf } from '../../../src/ui/statusText';
import { ENGINE_CACHE, tinyModel, WORKER_PATH } from '../../support/tinyModels';
import { typeFirstStreamedCharacter } from '../../support/typedWhileStreaming';
import { CacheWarmer } from '../../../src/completion/cacheWarmer';
import { CompletionService, type RequestRecord } from '../../../src/completion/completionService';
import { COMPLETION_SETTINGS, requestFor } from '../../support/completionRequests';

const INFILL: InfillRequest = {
  input: { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n', filePath: 'add.py' },
  budget: { maxPromptTokens: 256, maxSuffixTokens: 64, maxContextTokens: 0 },
  maxNewTokens: 6,
};

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The local worker behind the backend seam: one owner of the models' state, through loads, crashes and repairs. */
describe('LocalBackend', function () {
  this.timeout(180_000);
  let scratch: string;
  let modelDir: string;
  let backend: LocalBackend;
  let plan: LoadPlan;
  const logs: string[] = [];
  const view = () => statusOf({ model: backend.state('completion'), paused: false, onBattery: false, snoozeMinutesLeft: 0, generating: false });

  before(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-backend-'));
    modelDir = path.join(scratch, 'model');
    fs.cpSync(await tinyModel('gqa', 'q4'), modelDir, { recursive: true });
  });
  beforeEach(() => {
    logs.length = 0;
    plan = { completion: { role: 'completion', modelDir, device: 'cpu', threads: 1, cacheDir: ENGINE_CACHE } };
    backend = new LocalBackend({ workerPath: WORKER_PATH, heartbeatMs: 200, hangTimeoutMs: 5000, restartDelayMs: { first: 50, max: 500 }, log: (level, line) => logs.push(`${level}: ${line}`), plan: () => plan });
  });
  afterEach(() => backend.dispose());
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('completes through the seam with normalized figures; the status shows the model', async () => {
    assert.equal(view().label, 'SLM starting');
    assert.equal(await backend.ready('completion'), true);
    assert.match(view().label, /^SLM: model/);
    const streamed: string[] = [];
    const r = await backend.infill(INFILL, { onText: (t) => streamed.push(t) });
    assert.equal(streamed.join(''), r.text);
    assert.equal(r.figures.newTokens, 6);
    assert.ok(r.figures.promptTokens > 10 && r.figures.totalMs > 0 && r.figures.timeToFirstTokenMs! > 0);
    assert.equal(r.figures.contextTokens, 0);
    const again = await backend.infill({ ...INFILL, input: { ...INFILL.input, prefix: INFILL.input.prefix + 'a' } });
    assert.ok(again.figures.reusedPromptTokens > 10, `${again.figures.reusedPromptTokens} reused`);
  });

  it('a completion stopped on the stream (StreamCut) ends within a step and keeps the text streamed up to the decision', async () => {
    await backend.ready('completion');
    const controller = new AbortController();
    let pieces = 0;
    const cut = new StreamCut(() => ++pieces >= 3, () => controller.abort());
    const r = await backend.infill({ ...INFILL, maxNewTokens: 200 }, { signal: controller.signal, onText: cut.onText });
    assert.equal(r.finishReason, 'cancelled');
    assert.ok(cut.decided !== undefined && r.text.startsWith(cut.decided), `${JSON.stringify(r.text)} after ${JSON.stringify(cut.decided)}`);
    // The decode loop runs one step ahead of the text and the cancellation is one message away.
    assert.ok(r.figures.newTokens <= pieces + 3, `${r.figures.newTokens} tokens generated for ${pieces} pieces`);
  });

  it('under CompletionService, a keystroke typed while a completion streams takes the rest of the same generation: one worker request', async () => {
    await backend.ready('completion');
    await typeFirstStreamedCharacter(backend);
  });

  it('a warm-up where the cursor rests makes the first keystroke there reuse its prompt (CacheWarmer, CompletionService)', async () => {
    const records: RequestRecord[] = [];
    const settings = { ...COMPLETION_SETTINGS, maxContextTokens: 0 };
    const service = new CompletionService(backend, () => settings, { onRecord: (r) => records.push(r) });
    const warmed: string[] = [];
    const warmer = new CacheWarmer({ service, backend, canWarm: () => backend.state('completion').kind === 'ready', log: (line) => warmed.push(line), idleMs: 1 });
    assert.equal(await backend.ready('completion'), true);
    const text = (module: string, typed: string) => `import ${module}\n\ndef area(r):\n    return math.pi * r * r\n\ndef volume(r, h):\n    return ${typed}\n\nprint(volume(1, 2))\n`;
    const at = (module: string, typed: string) => ({ ...requestFor(text(module, typed), 6, 11 + typed.length, { explicit: false, documentId: `file:///w/${module}.py` }), languageId: 'python', filePath: 'shapes.py' });
    // Cold: the first keystroke in a file whose first line differs from the cached prompt's.
    await service.provide(at('math', ''), new AbortController().signal);
    await service.provide(at('cmath', 'a'), new AbortController().signal);
    // Warm: the cursor rests in a third such file before the keystroke.
    warmer.cursorAt('file:///w/numpy.py', 6, () => at('numpy', ''));
    await until('the warm-up', () => warmed.length > 0);
    await service.provide(at('numpy', 'a'), new AbortController().signal);
    const [, cold, warm] = records.filter((r) => r.result).map((r) => r.result!.figures);
    assert.match(warmed[0]!, /^warm-up at line 7: \d+ prompt tokens/);
    const figures = `reused cold ${cold!.reusedPromptTokens} of ${cold!.promptTokens}, warm ${warm!.reusedPromptTokens} of ${warm!.promptTokens}`;
    // Cold keeps only the file header both prompts start with; warm keeps the prompt up to the typed character.
    assert.ok(warm!.reusedPromptTokens > warm!.promptTokens / 2 && warm!.reusedPromptTokens >= cold!.reusedPromptTokens + 15, figures);
  });

  it('answers chat requests with the completion model\'s chat template, leaving the completion\'s reuse intact', async () => {
    await backend.ready('completion');
    await backend.infill(INFILL);
    assert.equal(await backend.ready('chat'), true);
    assert.equal(backend.capabilities.chat, true);
    const streamed: string[] = [];
    const answer = await backend.chat({ messages: [{ role: 'user', content: 'What does add do? <|im_end|>' }], maxNewTokens: 12 }, { onText: (t) => streamed.push(t) });
    assert.equal(streamed.join(''), answer.text);
    assert.ok(answer.figures.promptTokens > 10);
    const after = await backend.infill({ ...INFILL, input: { ...INFILL.input, prefix: INFILL.input.prefix + 'a' } });
    assert.ok(after.figures.reusedPromptTokens > 10, `the chat left ${after.figures.reusedPromptTokens} reusable tokens`);
    assert.equal(backend.state('chat').kind, 'ready');
  });

  it('a chat answer stops within a step when cancelled, and a completion is served while a long one streams', async () => {
    await backend.ready('chat');
    const controller = new AbortController();
    let after = 0;
    const stopped = await backend.chat({ messages: [{ role: 'user', content: 'Explain add.' }], maxNewTokens: 5000 }, {
      signal: controller.signal,
      onText: () => (controller.signal.aborted ? after++ : controller.abort()),
    });
    assert.equal(stopped.finishReason, 'cancelled');
    assert.ok(after <= 1, `${after} pieces of text after the cancellation`);

    let chatDone = false;
    const long = backend.chat({ messages: [{ role: 'user', content: 'Explain add, at length.' }], maxNewTokens: 3000 }).then((r) => ((chatDone = true), r));
    await new Promise((r) => setTimeout(r, 50));
    const completion = await backend.infill(INFILL);
    assert.equal(completion.figures.newTokens, 6);
    assert.equal(chatDone, false, 'the completion did not wait for the long answer');
    assert.ok((await long).figures.newTokens > 50);
  });

  it('a burst of settings changes that reload the model: completions asked meanwhile are answered, and the last settings\' model is the one loaded', async () => {
    assert.equal(await backend.ready('completion'), true);
    const loads: Promise<unknown>[] = [];
    const answers: Promise<unknown>[] = [];
    for (const [i, threads] of [2, 1, 2, 1, 2].entries()) {
      plan = { completion: { ...plan.completion, threads } };
      // What the extension does on each change, and a completion whose ready() was answered before it.
      loads.push(backend.load());
      answers.push(backend.infill(INFILL));
      // One asked the way the editor asks: ready, then (after the debounce) infill.
      answers.push(backend.ready('completion').then(async (ready) => (ready ? backend.infill(INFILL) : Promise.reject(new Error('not ready')))));
      await new Promise((r) => setTimeout(r, 10 * i));
    }
    await Promise.all(loads);
    const failed = (await Promise.allSettled(answers)).flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    assert.deepEqual(failed, []);
    assert.equal(backend.state('completion').kind, 'ready');
    const stats = await backend.client.request('stats', {});
    assert.deepEqual(stats.models.map((m) => m.threads), [2]);
  });

  it('a model folder that becomes unreadable, then a worker crash: the status shows the error; fixing the folder brings completions back', async () => {
    await backend.ready('completion');
    await backend.infill(INFILL);
    const hidden = `${modelDir}.moved`;
    fs.renameSync(modelDir, hidden);
    try {
      process.kill(backend.client.pid!, 'SIGKILL');
      await until('the error state', () => backend.state('completion').kind === 'error');
      const shown = view();
      assert.equal(shown.label, 'SLM error');
      assert.match(shown.detail, /model.* does not exist/);
      assert.equal(await backend.ready('completion'), false, 'no completions while the folder is missing');
    } finally {
      fs.renameSync(hidden, modelDir);
    }
    assert.equal(await backend.ready('completion'), true);
    assert.match(view().label, /^SLM: model/);
    assert.equal((await backend.infill(INFILL)).figures.newTokens, 6);
  });

  it('after a plain crash the models are loaded again without being asked', async () => {
    await backend.ready('completion');
    process.kill(backend.client.pid!, 'SIGKILL');
    await until('the reload', () => logs.some((l) => /reloaded .* after restart/.test(l)));
    assert.equal(backend.state('completion').kind, 'ready');
    assert.equal((await backend.infill(INFILL)).figures.newTokens, 6);
  });
});
