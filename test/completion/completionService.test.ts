import * as assert from 'node:assert/strict';
import { CompletionService, type RequestRecord } from '../../src/completion/completionService';
import { postprocess } from '../../src/completion/postprocess/postprocess';
import type { ContextBuilder, ContextRequest, ContextResult } from '../../src/context/contextEngine';
import type { BackendResult, InfillRequest } from '../../src/backend/inferenceBackend';
import { ensureGrammar, parseSnippet } from '../../src/treeSitter/parser';
import { backendResult as result, COMPLETION_SETTINGS as SETTINGS, requestFor } from '../support/completionRequests';

describe('CompletionService with context', () => {
  const doc = 'import { rate } from "./tax";\nconst total = ';

  it('sends the context engine\'s snippets with the prompt, for the request\'s document and cursor', async () => {
    const asked: ContextRequest[] = [];
    const context: ContextBuilder = {
      async build(request) {
        asked.push(request);
        return { snippets: [{ path: 'tax.ts', text: 'export const rate = 0.2;', source: 'imports', score: 1, tokens: 6 }], dropped: [{ source: 'recent', reason: 'took 30 ms' }], timings: {} };
      },
    };
    const sent: InfillRequest[] = [];
    const records: RequestRecord[] = [];
    const service = new CompletionService({ infill: async (params) => (sent.push(params), result('price * rate;')) }, () => SETTINGS, { onRecord: (r) => records.push(r) }, context);
    const completion = await service.provide(requestFor(doc, 1, 14), new AbortController().signal);
    assert.equal(completion?.text, 'price * rate;');
    assert.deepEqual(sent[0]!.input.snippets, [{ path: 'tax.ts', text: 'export const rate = 0.2;' }]);
    assert.equal(asked[0]!.cursorOffset, doc.length);
    assert.equal(asked[0]!.maxContextTokens, 256);
    assert.equal(asked[0]!.path, 'main.ts');
    assert.deepEqual(records[0]!.context?.dropped, ['recent: took 30 ms']);
    assert.equal(records[0]!.context?.snippets, 1);
    assert.deepEqual(records[0]!.context?.paths, ['tax.ts']);
  });

  it('completes without snippets when the context engine fails, and says so in the record', async () => {
    const records: RequestRecord[] = [];
    const sent: InfillRequest[] = [];
    const context: ContextBuilder = { build: () => Promise.reject(new Error('grammar exploded')) };
    const service = new CompletionService({ infill: async (params) => (sent.push(params), result('1;')) }, () => SETTINGS, { onRecord: (r) => records.push(r) }, context);
    assert.equal((await service.provide(requestFor(doc, 1, 14), new AbortController().signal))?.text, '1;');
    assert.equal(sent[0]!.input.snippets, undefined);
    assert.deepEqual(records[0]!.context?.dropped, ['failed: grammar exploded']);
  });

  it('asks for no context when the budget is 0', async () => {
    let asked = 0;
    const context: ContextBuilder = { build: async (): Promise<ContextResult> => (asked++, { snippets: [], dropped: [], timings: {} }) };
    const service = new CompletionService({ infill: async () => result('1;') }, () => ({ ...SETTINGS, maxContextTokens: 0 }), {}, context);
    await service.provide(requestFor(doc, 1, 14), new AbortController().signal);
    assert.equal(asked, 0);
  });

  it('does not call the model when the request is cancelled while context is built', async () => {
    const controller = new AbortController();
    let called = 0;
    const context: ContextBuilder = {
      async build() {
        controller.abort();
        return { snippets: [], dropped: [], timings: {} };
      },
    };
    const service = new CompletionService({ infill: async () => (called++, result('1;')) }, () => SETTINGS, {}, context);
    assert.equal(await service.provide(requestFor(doc, 1, 14), controller.signal), undefined);
    assert.equal(called, 0);
  });
});

describe('CompletionService.plan and slm.fimOrder', () => {
  it('sends the FIM order the settings ask for, and none when they leave it out', () => {
    const service = new CompletionService({ infill: () => Promise.reject(new Error('not used')) }, () => SETTINGS);
    const request = requestFor('x = \n', 0, 4);
    assert.equal(service.plan(request).params.fimOrder, undefined);
    assert.equal(service.plan(request, { ...SETTINGS, fimOrder: 'spm' }).params.fimOrder, 'spm');
  });
});

describe('CompletionService.finish with a syntax tree', () => {
  before(async () => {
    await ensureGrammar('typescript');
    // The first parses run while V8 still compiles the grammar, slower than finish()'s time limit.
    for (let i = 0; i < 20; i++) parseSnippet('typescript', 'function f(a: number) {\n  return compute(a, [1, 2]);\n}\n'.repeat(20), 1000)?.delete();
  });

  it('cuts a completion that would leave a new syntax error back to what parses', () => {
    const service = new CompletionService({ infill: () => Promise.reject(new Error('not used')) }, () => SETTINGS);
    const plan = service.plan(requestFor('function f(a: number) {\n  const label = \n  return a;\n}\n', 1, 16));
    // The text rules keep it (they see no unmatched closer); the tree sees the unclosed call.
    assert.equal(postprocess('compute(a, b;', plan.position, { multiline: false, maxLines: 16 }), 'compute(a, b;');
    // A parse over finish()'s time limit (a busy machine) leaves the text as it is; a later one cuts.
    let shown = '';
    for (let i = 0; i < 20 && (shown = service.finish('compute(a, b;', plan)) === 'compute(a, b;'; i++);
    assert.ok(shown.length < 'compute(a, b;'.length && 'compute(a, b;'.startsWith(shown), JSON.stringify(shown));
    assert.equal(service.finish('compute(a, b);', plan), 'compute(a, b);');
    assert.equal(service.finish('compute(a, b;', plan, { ...SETTINGS, syntaxCheck: false }), 'compute(a, b;', 'slm.syntaxCheck off');
  });
});

describe('CompletionService stops generation when the completion is decided', () => {
  const doc = 'function total(items) {\n  \n}\n\nfunction next() {}\n';
  const raw = 'let sum = 0;\n  for (const i of items) sum += i;\n  return sum;\n}\n\nfunction other() {\n  return 2;\n}\n\nfunction third() {\n  return 3;\n}\n';
  const settings = { ...SETTINGS, multiline: 'always' as const, maxContextTokens: 0 };

  /** A backend that streams `text` a few characters at a time, as the worker streams tokens, until its signal aborts. */
  function streaming(text: string, onAbort: 'resolve' | 'reject' = 'resolve') {
    const seen = { streamed: 0, aborted: false };
    const backend = {
      async infill(_params: InfillRequest, options: { signal?: AbortSignal; onText?(delta: string): void } = {}): Promise<BackendResult> {
        for (let at = 0; at < text.length; at += 3) {
          if (options.signal?.aborted) {
            seen.aborted = true;
            if (onAbort === 'reject') throw new Error('aborted');
            return { ...result(text.slice(0, at)), finishReason: 'cancelled' };
          }
          options.onText?.(text.slice(at, at + 3));
          seen.streamed = at + 3;
          await new Promise((r) => setImmediate(r));
        }
        return { ...result(text), finishReason: 'max-tokens' };
      },
    };
    return { backend, seen };
  }

  for (const onAbort of ['resolve', 'reject'] as const) {
    it(`aborts at the block's end and shows what finishing the whole output shows (backend that ${onAbort}s on abort)`, async () => {
      const { backend, seen } = streaming(raw, onAbort);
      const records: RequestRecord[] = [];
      const service = new CompletionService(backend, () => settings, { onRecord: (r) => records.push(r) });
      const completion = await service.provide(requestFor(doc, 1, 2), new AbortController().signal);
      assert.ok(seen.aborted, 'generation was stopped');
      assert.ok(seen.streamed < raw.indexOf('function third'), `stopped after ${seen.streamed} of ${raw.length} characters`);
      const plan = service.plan(requestFor(doc, 1, 2));
      assert.equal(completion?.text, service.finish(raw, plan, settings, 'max-tokens'));
      assert.equal(completion?.text, 'let sum = 0;\n  for (const i of items) sum += i;\n  return sum;');
      assert.equal(records[0]!.outcome, 'shown');
      assert.ok(records[0]!.decidedAtChars! <= seen.streamed);
    });
  }

  it('a cancellation by the caller is still a cancellation (recorded when the generation ends)', async () => {
    const { backend } = streaming(raw);
    const controller = new AbortController();
    const records: RequestRecord[] = [];
    const service = new CompletionService({ infill: (p, o) => (controller.abort(), backend.infill(p, o)) }, () => settings, { onRecord: (r) => records.push(r) });
    assert.equal(await service.provide(requestFor(doc, 1, 2), controller.signal), undefined);
    while (!records.length) await new Promise((r) => setTimeout(r, 5));
    assert.equal(records[0]!.outcome, 'cancelled');
    assert.equal(records[0]!.chars, 0);
  });
});
