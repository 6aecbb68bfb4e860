/**
 * The server backend against a real llama.cpp llama-server (built once per machine, see
 * test/support/llamaServer.ts) serving the generated tiny model as a GGUF.
 */
import * as assert from 'node:assert/strict';
import type { InfillRequest } from '../../../src/backend/inferenceBackend';
import { ServerBackend } from '../../../src/backend/server/serverBackend';
import { CompletionService, type CompletionRequest, type RequestRecord } from '../../../src/completion/completionService';
import { readSettings } from '../../../src/settings/settings';
import { ensureLlamaServer, startLlamaServer, tinyGguf, type RunningLlamaServer } from '../../support/llamaServer';
import { typeFirstStreamedCharacter } from '../../support/typedWhileStreaming';

// A generous time budget: a loaded CI machine must not turn a check of the wire into an empty answer.
const settings = () => ({ ...readSettings({ get: () => undefined }).settings.completion, timeBudgetMs: 60_000 });
const lines = ['def total(values):', '    result = 0', '    for v in values:', '        result += v', '    return result', '', 'def mean(values):', '    return '];

function request(extra = ''): CompletionRequest {
  const doc = [...lines.slice(0, -1), lines.at(-1)! + extra, '', 'print(mean([1, 2, 3]))'];
  return { documentId: 'file:///calc.py', document: { lineCount: doc.length, lineText: (i) => doc[i]! }, languageId: 'python', position: { line: lines.length - 1, character: (lines.at(-1)! + extra).length }, explicit: true, filePath: 'calc.py' };
}

describe('ServerBackend on a real llama-server', function () {
  // A first build on a fresh machine: ~25 minutes on 2 cores (then cached outside the clone).
  this.timeout(45 * 60_000);
  let server: RunningLlamaServer;
  let backend: ServerBackend;

  before(async () => {
    const install = await ensureLlamaServer();
    // -b 512: with a larger batch llama-server drops all input_extra for a 2048-token slot (SERVERS.md).
    server = await startLlamaServer(install, await tinyGguf(), ['-c', '2048', '-np', '1', '-b', '512']);
    backend = new ServerBackend({ settings: () => ({ url: server.url, protocol: 'auto', model: '', fimTemplate: 'auto', allowInsecureHttp: false, fallbackToLocal: false }), apiKey: async () => undefined, log: () => {} });
  });
  after(async () => {
    await backend?.dispose();
    await server?.stop();
  });
  this.timeout(60_000);

  it('detects llama.cpp and completes through /infill; the completion service post-processes the answer', async () => {
    const records: RequestRecord[] = [];
    const service = new CompletionService(backend, () => ({ ...settings(), debounceMs: 0 }), { onRecord: (r) => records.push(r) });
    const shown = await service.provide(request(), new AbortController().signal);
    assert.equal((await backend.connected()).adapter.protocol, 'llama.cpp');
    const record = records.at(-1)!;
    assert.equal(record.source, 'model');
    assert.ok(record.result!.figures.newTokens > 0, JSON.stringify(record.result!.figures));
    assert.ok(record.result!.text.length > 0);
    const plan = service.plan(request());
    assert.equal(shown?.text ?? '', service.finish(record.result!.text, plan));
  });

  it('the next keystroke reuses the server\'s prompt cache (cache_n)', async () => {
    const service = new CompletionService(backend, settings);
    const plan = (extra: string): InfillRequest => ({ ...service.plan(request(extra)).params, maxNewTokens: 4 });
    await backend.infill(plan('su'));
    const second = await backend.infill(plan('sum'));
    const f = second.figures;
    assert.ok(f.reusedPromptTokens > 0 && f.reusedPromptTokens < f.promptTokens, JSON.stringify(f));
    // The FIM layout puts the suffix after the cursor's line, so it is prefilled again with the changed tail.
    assert.ok(f.reusedPromptTokens >= f.promptTokens / 2, `the unchanged start is reused: ${JSON.stringify(f)}`);
  });

  it('under CompletionService, a keystroke typed while a completion streams takes the rest of the same generation: one /infill request', async () => {
    await typeFirstStreamedCharacter(backend);
  });

  it('a superseded request makes the server cancel its task (log and /slots)', async () => {
    const service = new CompletionService(backend, settings);
    const long: InfillRequest = { ...service.plan(request()).params, maxNewTokens: 1800, stopStrings: undefined, timeBudgetMs: undefined };
    const before = server.output().length;
    let started!: () => void;
    const streaming = new Promise<void>((r) => (started = r));
    const first = backend.infill(long, { onText: () => started() });
    await streaming;
    const second = await backend.infill({ ...long, maxNewTokens: 2 });
    assert.equal((await first).finishReason, 'cancelled');
    assert.ok(second.figures.newTokens > 0);
    const log = server.output().slice(before);
    assert.match(log, /cancel task/i, log.slice(-2000));
    const slots = (await (await fetch(`${server.url}/slots`)).json()) as { is_processing: boolean }[];
    assert.ok(slots.every((s) => !s.is_processing), JSON.stringify(slots).slice(0, 500));
  });

  it('explain and refactor answers come through /v1/chat/completions', async () => {
    const deltas: string[] = [];
    const explain = await backend.chat({ messages: [{ role: 'user', content: 'Explain: def mean(v): return sum(v) / len(v)' }], maxNewTokens: 12 }, { onText: (d) => deltas.push(d) });
    assert.ok(explain.figures.newTokens > 0, JSON.stringify(explain.figures));
    assert.equal(deltas.join(''), explain.text);
    const refactor = await backend.chat({ messages: [{ role: 'user', content: 'Rename v to values.' }], prefill: '```python\n', stopStrings: ['```'], maxNewTokens: 12 });
    assert.ok(refactor.figures.promptTokens > 0 && refactor.figures.newTokens > 0, JSON.stringify(refactor.figures));
  });
});
