import * as assert from 'node:assert/strict';
import type { InfillRequest } from '../../../src/backend/inferenceBackend';
import { ServerBackend } from '../../../src/backend/server/serverBackend';
import { ServerError } from '../../../src/backend/server/serverError';
import type { ServerSettings } from '../../../src/settings/serverSettings';
import { endlessLlamaStream, FakeServer, json, llamaProps, llamaStream, sleep, startStream } from '../../support/fakeServer';

const REQUEST: InfillRequest = {
  input: { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(add(1, 2))\n', filePath: 'src/calc.py', snippets: [{ path: 'src/util.py', text: 'def helper():\n    pass' }], lineComment: '#' },
  budget: { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 256 },
  maxNewTokens: 32,
};

function backend(fake: FakeServer, settings: Partial<ServerSettings> = {}, keys: Record<string, string> = {}) {
  const lines: string[] = [];
  const b = new ServerBackend({
    settings: () => ({ url: fake.url, protocol: 'auto', model: '', fimTemplate: 'auto', allowInsecureHttp: false, fallbackToLocal: false, ...settings }),
    apiKey: async (origin) => keys[origin],
    log: (_l, line) => lines.push(line),
    retryDelaysMs: { completion: [10, 20], chat: [10] },
    timeouts: { firstByteMs: 300, idleMs: 300 },
  });
  return Object.assign(b, { lines });
}

describe('ServerBackend (in-process fakes of each wire format)', () => {
  let fake: FakeServer;
  beforeEach(async () => (fake = await FakeServer.start()));
  afterEach(() => fake.close());

  describe('llama.cpp', () => {
    it('probes /props, sends /infill with the budgeted parts and other files as input_extra, streams, maps the timings', async () => {
      llamaProps(fake).on('POST /infill', llamaStream(['a', ' + ', 'b'], { cache_n: 40, prompt_n: 5, prompt_ms: 8, predicted_n: 3, predicted_ms: 20 }));
      const b = backend(fake);
      const deltas: string[] = [];
      const result = await b.infill(REQUEST, { onText: (d) => deltas.push(d) });
      assert.equal(result.text, 'a + b');
      assert.deepEqual(deltas.join(''), 'a + b');
      assert.equal(result.finishReason, 'stop-token');
      const body = fake.to('/infill')[0]!.body!;
      assert.equal(body.input_prefix, REQUEST.input.prefix);
      assert.equal(body.input_suffix, REQUEST.input.suffix);
      assert.deepEqual(body.input_extra, [{ filename: 'src/util.py', text: 'def helper():\n    pass' }]);
      assert.equal(body.cache_prompt, true);
      assert.equal(body.stream, true);
      assert.equal(body.n_predict, 32);
      const f = result.figures;
      assert.deepEqual([f.promptTokens, f.reusedPromptTokens, f.newTokens, f.prefillMs, f.decodeMs, f.tokensPerSecond], [45, 40, 3, 8, 20, 100]);
      assert.ok(f.timeToFirstTokenMs! <= f.totalMs);
      assert.deepEqual(b.state('completion'), { kind: 'ready', name: 'qwen2.5-coder-0.5b-q8_0.gguf', detail: `llama.cpp server at ${fake.url}; FIM prompt by the server's /infill` });
    });

    it('drops a snippet over maxContextTokens and cuts the prefix to the prompt budget', async () => {
      llamaProps(fake).on('POST /infill', llamaStream(['x']));
      const lines = Array.from({ length: 200 }, (_, i) => `x${i} = ${i}`).join('\n') + '\n';
      await backend(fake).infill({ ...REQUEST, input: { ...REQUEST.input, prefix: lines, snippets: [{ path: 'big.py', text: 'y'.repeat(4000) }] }, budget: { maxPromptTokens: 300, maxSuffixTokens: 64, maxContextTokens: 100 } });
      const body = fake.to('/infill')[0]!.body!;
      assert.deepEqual(body.input_extra, []);
      assert.ok((body.input_prefix as string).length < lines.length && lines.endsWith(body.input_prefix as string));
    });

    it('with a template chosen, sends our raw FIM prompt to /completion', async () => {
      llamaProps(fake).on('POST /completion', llamaStream(['1']));
      await backend(fake, { fimTemplate: 'qwen2.5-coder' }).infill(REQUEST);
      const prompt = fake.to('/completion')[0]!.body!.prompt as string;
      assert.ok(prompt.startsWith('<|repo_name|>'), prompt);
      assert.ok(prompt.endsWith('<|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>'), prompt);
    });

    it('follows slm.fimOrder in its raw prompt where the family has SPM; /infill stays prefix-first', async () => {
      llamaProps(fake).on('POST /completion', llamaStream(['1'])).on('POST /infill', llamaStream(['1']));
      await backend(fake, { fimTemplate: 'starcoder2' }).infill({ ...REQUEST, fimOrder: 'spm' });
      const prompt = fake.to('/completion')[0]!.body!.prompt as string;
      assert.ok(prompt.includes('<file_sep>src/calc.py\n<fim_prefix><fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>def add(a, b):\n    return '), prompt);
      assert.ok(prompt.endsWith('<fim_middle>def add(a, b):\n    return '), prompt);
      const b = backend(fake);
      await b.infill({ ...REQUEST, fimOrder: 'spm' });
      await b.infill({ ...REQUEST, fimOrder: 'spm' });
      assert.equal(fake.to('/infill')[0]!.body!.input_prefix, REQUEST.input.prefix);
      assert.deepEqual(b.lines.filter((l) => l.includes('fimOrder')), ['server: slm.fimOrder is "spm", but the server\'s /infill writes prefix-suffix-middle prompts: using that order.']);
      const qwen = backend(fake, { fimTemplate: 'qwen2.5-coder' });
      await qwen.infill({ ...REQUEST, fimOrder: 'spm' });
      assert.ok((fake.to('/completion')[1]!.body!.prompt as string).endsWith('<|fim_middle|>'), 'PSM for Qwen2.5-Coder');
      assert.equal(qwen.lines.filter((l) => l.includes('not documented to be trained with suffix-first')).length, 1);
    });

    it('closes the connection on abort (the server sees it go) and leaves nothing open', async () => {
      llamaProps(fake).on('POST /infill', endlessLlamaStream());
      const b = backend(fake);
      const abort = new AbortController();
      let first!: () => void;
      const gotText = new Promise<void>((r) => (first = r));
      const pending = b.infill(REQUEST, { signal: abort.signal, onText: () => first() });
      await gotText;
      abort.abort();
      const result = await pending;
      assert.equal(result.finishReason, 'cancelled');
      await fake.to('/infill')[0]!.closedEarly;
      assert.equal(fake.to('/infill')[0]!.finished, false);
    });

    it('keeps one completion in flight: a newer request aborts the older one', async () => {
      llamaProps(fake).on('POST /infill', endlessLlamaStream());
      const b = backend(fake);
      const older = b.infill(REQUEST);
      while (fake.to('/infill').length < 1) await sleep(5);
      fake.on('POST /infill', llamaStream(['done']));
      const newer = await b.infill(REQUEST);
      assert.equal((await older).finishReason, 'cancelled');
      await fake.to('/infill')[0]!.closedEarly;
      assert.equal(newer.text, 'done');
    });

    it('stops at a stop string on our side and closes the stream', async () => {
      llamaProps(fake).on('POST /infill', endlessLlamaStream(5));
      fake.on('POST /infill', async (req, res) => {
        const send = startStream(res, 'sse');
        send({ content: 'a + b', stop: false });
        send({ content: '\nmore', stop: false });
        await req.closedEarly;
      });
      const result = await backend(fake).infill({ ...REQUEST, stopStrings: ['\n'] });
      assert.deepEqual([result.text, result.finishReason], ['a + b', 'stop-string']);
      await fake.to('/infill')[0]!.closedEarly;
    });

    it('ends a request over its time budget with what arrived, and closes it', async () => {
      llamaProps(fake).on('POST /infill', endlessLlamaStream(10));
      const result = await backend(fake).infill({ ...REQUEST, timeBudgetMs: 100 });
      assert.equal(result.finishReason, 'time-budget');
      assert.match(result.text, /^x+$/);
      await fake.to('/infill')[0]!.closedEarly;
    });
  });

  describe('Ollama', () => {
    const ollama = (template: string) =>
      fake
        .on('GET /props', (_q, res) => json(res, { error: 'not found' }, 404))
        .on('GET /api/version', (_q, res) => json(res, { version: '0.12.0' }))
        .on('GET /api/tags', (_q, res) => json(res, { models: [{ name: 'qwen2.5-coder:1.5b-base' }, { name: 'llama3:8b' }] }))
        .on('POST /api/show', (_q, res) => json(res, { template, details: { family: 'qwen2' } }))
        .on('POST /api/generate', async (_q, res) => {
          const send = startStream(res, 'ndjson');
          send({ model: 'qwen2.5-coder:1.5b-base', response: 'a', done: false });
          send({ model: 'qwen2.5-coder:1.5b-base', response: ' + b', done: false });
          send({ response: '', done: true, done_reason: 'stop', prompt_eval_count: 30, prompt_eval_duration: 15_000_000, eval_count: 3, eval_duration: 40_000_000 });
          res.end();
        });

    it('uses suffix when the model template has a .Suffix slot, with a fixed num_ctx and keep_alive', async () => {
      ollama('{{- if .Suffix }}<|fim_prefix|>{{ .Prompt }}<|fim_suffix|>{{ .Suffix }}<|fim_middle|>{{ end }}');
      const result = await backend(fake).infill(REQUEST);
      assert.equal(result.text, 'a + b');
      const body = fake.to('/api/generate')[0]!.body!;
      assert.deepEqual([body.model, body.prompt, body.suffix, body.raw, body.keep_alive], ['qwen2.5-coder:1.5b-base', REQUEST.input.prefix, REQUEST.input.suffix, undefined, '30m']);
      assert.equal((body.options as { num_ctx: number }).num_ctx, 8192);
      assert.deepEqual([result.figures.promptTokens, result.figures.prefillMs, result.figures.decodeMs, result.figures.newTokens], [30, 15, 40, 3]);
    });

    it('otherwise sends raw: true with the template the model name implies', async () => {
      ollama('{{ .Prompt }}');
      await backend(fake).infill(REQUEST);
      const body = fake.to('/api/generate')[0]!.body!;
      assert.equal(body.raw, true);
      assert.ok((body.prompt as string).endsWith('<|fim_middle|>'));
    });

    it('names a model the server does not have, and what it has', async () => {
      ollama('');
      const b = backend(fake, { model: 'starcoder2:3b' });
      await assert.rejects(b.infill(REQUEST), (e: ServerError) => e.code === 'not-found' && /starcoder2:3b.*ollama pull.*qwen2.5-coder:1.5b-base/.test(e.message));
      assert.equal(b.state('completion').kind, 'error');
    });

    it('chats through /api/chat with the same num_ctx, prefill as the last assistant turn', async () => {
      ollama('').on('POST /api/chat', async (_q, res) => {
        const send = startStream(res, 'ndjson');
        send({ message: { role: 'assistant', content: 'x = 1' }, done: false });
        send({ message: { role: 'assistant', content: '' }, done: true, done_reason: 'stop', eval_count: 3 });
        res.end();
      });
      const result = await backend(fake).chat({ messages: [{ role: 'user', content: 'refactor' }], prefill: '```python\n', maxNewTokens: 64 });
      assert.equal(result.text, 'x = 1');
      const body = fake.to('/api/chat')[0]!.body!;
      assert.deepEqual(body.messages, [{ role: 'user', content: 'refactor' }, { role: 'assistant', content: '```python\n' }]);
      assert.equal((body.options as { num_ctx: number }).num_ctx, 8192);
    });
  });

  describe('OpenAI-compatible (vLLM)', () => {
    const vllm = () =>
      fake
        .on('GET /v1/models', (_q, res) => json(res, { object: 'list', data: [{ id: 'Qwen/Qwen2.5-Coder-1.5B', object: 'model' }] }))
        .on('POST /v1/completions', async (_q, res) => {
          const send = startStream(res, 'sse');
          send({ choices: [{ index: 0, text: 'a', finish_reason: null }] });
          send({ choices: [{ index: 0, text: ' + b', finish_reason: 'stop' }] });
          send({ choices: [], usage: { prompt_tokens: 50, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 32 } } });
          send('[DONE]');
          res.end();
        });

    it('sends the raw prompt with the family FIM tokens (no suffix field), reads usage', async () => {
      vllm();
      const result = await backend(fake, { protocol: 'openai' }).infill(REQUEST);
      assert.equal(result.text, 'a + b');
      const body = fake.to('/v1/completions')[0]!.body!;
      assert.equal(body.model, 'Qwen/Qwen2.5-Coder-1.5B');
      assert.equal(body.suffix, undefined);
      assert.ok((body.prompt as string).includes('<|fim_prefix|>def add'));
      assert.deepEqual([result.figures.promptTokens, result.figures.reusedPromptTokens, result.figures.newTokens], [50, 32, 2]);
    });

    it('auto-detects it after /props and /api/version fail', async () => {
      vllm();
      const b = backend(fake);
      await b.infill(REQUEST);
      assert.equal((await b.connected()).adapter.protocol, 'openai');
    });

    it('says to set slm.server.fimTemplate when the model name names no family', async () => {
      fake.on('GET /v1/models', (_q, res) => json(res, { data: [{ id: 'my-finetune' }] }));
      await assert.rejects(backend(fake, { protocol: 'openai' }).infill(REQUEST), /slm\.server\.fimTemplate/);
    });

    it('chats through /v1/chat/completions, streaming deltas', async () => {
      vllm().on('POST /v1/chat/completions', async (_q, res) => {
        const send = startStream(res, 'sse');
        send({ choices: [{ delta: { role: 'assistant' }, index: 0 }] });
        send({ choices: [{ delta: { content: 'It adds' }, index: 0 }] });
        send({ choices: [{ delta: { content: ' two numbers.' }, index: 0, finish_reason: 'length' }] });
        send('[DONE]');
        res.end();
      });
      const deltas: string[] = [];
      const result = await backend(fake, { protocol: 'openai' }).chat({ messages: [{ role: 'user', content: 'explain' }], maxNewTokens: 10 }, { onText: (d) => deltas.push(d) });
      assert.deepEqual([result.text, result.finishReason, deltas.join('')], ['It adds two numbers.', 'max-tokens', 'It adds two numbers.']);
      assert.equal(fake.to('/v1/chat/completions')[0]!.body!.stream, true);
    });
  });

  describe('failures: a clear state and message, never a hang', () => {
    it('unreachable host', async () => {
      const url = fake.url;
      await fake.close();
      const b = backend({ url } as FakeServer);
      await assert.rejects(b.infill(REQUEST), (e: ServerError) => e.code === 'unreachable' && /is the server running/.test(e.message));
      const state = b.state('completion');
      assert.equal(state.kind, 'error');
      assert.match((state as { message: string }).message, /cannot reach 127\.0\.0\.1/);
      fake = await FakeServer.start();
    });

    it('401: says to set the API key; the key is sent only to its own origin', async () => {
      fake.on('GET /props', (q, res) => (q.headers.authorization === 'Bearer right' ? json(res, { model_path: 'm.gguf' }) : json(res, { error: { code: 401, message: 'Invalid API Key' } }, 401)));
      await assert.rejects(backend(fake, {}, { 'http://other:1': 'right' }).infill(REQUEST), (e: ServerError) => e.code === 'unauthorized' && /Invalid API Key.*Set Server API Key/.test(e.message));
      assert.equal(fake.requests[0]!.headers.authorization, undefined);
      fake.on('POST /infill', llamaStream(['ok']));
      assert.equal((await backend(fake, {}, { [fake.url]: 'right' }).infill(REQUEST)).text, 'ok');
    });

    it('503 while loading: retried with backoff, then answers', async () => {
      let calls = 0;
      llamaProps(fake).on('POST /infill', (q, res) => (++calls < 3 ? json(res, { error: { code: 503, message: 'Loading model' } }, 503) : llamaStream(['ok'])(q, res)));
      const b = backend(fake);
      assert.equal((await b.infill(REQUEST)).text, 'ok');
      assert.equal(calls, 3);
      assert.equal(b.lines.filter((l) => /Loading model.*retrying/.test(l)).length, 2);
    });

    it('503 for longer than the retries: the error says loading', async () => {
      llamaProps(fake).on('POST /infill', (_q, res) => json(res, { error: { code: 503, message: 'Loading model' } }, 503));
      await assert.rejects(backend(fake).infill(REQUEST), (e: ServerError) => e.code === 'loading' && /loading its model/.test(e.message));
      assert.equal(fake.to('/infill').length, 3);
    });

    it('malformed stream', async () => {
      llamaProps(fake).on('POST /infill', (_q, res) => {
        startStream(res, 'sse')({ content: 'a', stop: false });
        res.end('data: {oops\n\n');
      });
      await assert.rejects(backend(fake).infill(REQUEST), (e: ServerError) => e.code === 'bad-response');
    });

    it('slow first byte: a timeout, not a hang', async () => {
      llamaProps(fake).on('POST /infill', async (q) => void (await q.closedEarly));
      await assert.rejects(backend(fake).infill(REQUEST), (e: ServerError) => e.code === 'timeout' && /no answer within/.test(e.message));
      assert.equal(fake.to('/infill').length, 3);
    });

    it('a connection cut mid-stream is an error, not retried after text was passed on', async () => {
      llamaProps(fake).on('POST /infill', (_q, res) => {
        startStream(res, 'sse')({ content: 'half', stop: false });
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const deltas: string[] = [];
      await assert.rejects(backend(fake).infill(REQUEST, { onText: (d) => deltas.push(d) }), (e: ServerError) => e.code === 'connection-cut');
      assert.deepEqual(deltas, ['half']);
      assert.equal(fake.to('/infill').length, 1);
    });

    it('an error reported mid-stream', async () => {
      llamaProps(fake).on('POST /infill', (_q, res) => {
        startStream(res, 'sse')({ error: { code: 500, message: 'Context size has been exceeded.' } });
        res.end();
      });
      await assert.rejects(backend(fake).infill(REQUEST), /Context size has been exceeded/);
    });

    it('a redirect is refused, never followed (the key stays home)', async () => {
      const other = await FakeServer.start();
      try {
        llamaProps(other);
        fake.on('GET /props', (_q, res) => void res.writeHead(302, { location: `${other.url}/props` }).end());
        await assert.rejects(backend(fake, {}, { [fake.url]: 'secret' }).infill(REQUEST), (e: ServerError) => e.code === 'redirect' && /not followed/.test(e.message));
        assert.equal(other.requests.length, 0);
      } finally {
        await other.close();
      }
    });

    it('plain http to another host is refused before any request', async () => {
      const b = backend(fake, { url: 'http://192.0.2.1:8080' });
      await assert.rejects(b.infill(REQUEST), (e: ServerError) => e.code === 'insecure-http' && /allowInsecureHttp/.test(e.message));
    });
  });
});
