import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureLlamaServer, startLlamaServer, tinyGguf, type RunningLlamaServer } from '../support/llamaServer';
import { FakeServer, json, startStream } from '../support/fakeServer';
import { REPO_ROOT, tinyModel } from '../support/tinyModels';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');

/** The CLI with the event loop free, for a fake server in this process. */
function slm(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli'), ...env } }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('slm --server', function () {
  this.timeout(120_000);
  let file: string;
  before(() => {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slm-server-cli-')), 'calc.py');
    fs.writeFileSync(file, 'def add(a, b):\n    return \n\nprint(add(1, 2))\n');
  });

  describe('against a fake Ollama', () => {
    let fake: FakeServer;
    beforeEach(async () => {
      fake = await FakeServer.start();
      fake
        .on('GET /api/version', (_q, res) => json(res, { version: '0.12.0' }))
        .on('GET /api/tags', (_q, res) => json(res, { models: [{ name: 'qwen2.5-coder:0.5b-base' }] }))
        .on('POST /api/show', (_q, res) => json(res, { template: '{{ .Prompt }}' }))
        .on('POST /api/generate', (_q, res) => {
          const send = startStream(res, 'ndjson');
          // As Ollama does with options.stop: the stop string is not sent, the answer ends there.
          send({ response: 'a + b   ', done: false });
          send({ response: '', done: true, done_reason: 'stop', prompt_eval_count: 21, prompt_eval_duration: 2e6, eval_count: 2, eval_duration: 4e6 });
          res.end();
        })
        .on('POST /api/chat', (_q, res) => {
          const send = startStream(res, 'ndjson');
          send({ message: { content: 'It adds a and b.' }, done: false });
          send({ message: { content: '' }, done: true, done_reason: 'stop', eval_count: 5 });
          res.end();
        });
    });
    afterEach(() => fake.close());

    it('complete --json: the post-processed completion, the worker\'s JSON fields, and the protocol that answered', async () => {
      const r = await slm(['complete', '--server', fake.url, '--server-model', 'qwen2.5-coder:0.5b-base', '--file', file, '--line', '2', '--col', '12', '--json'], { SLM_SERVER_API_KEY: 'k1' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.completion, 'a + b');
      assert.deepEqual([out.raw, out.finishReason], ['a + b   ', 'stop-token']);
      // A single-line completion asks the server to stop at the newline.
      assert.deepEqual((fake.to('/api/generate')[0]!.body!.options as { stop: string[] }).stop, ['\n']);
      assert.deepEqual(Object.keys(out), ['completion', 'raw', 'multiline', 'finishReason', 'timings', 'prompt', 'model', 'protocol']);
      assert.equal(out.protocol, 'ollama');
      assert.equal(out.model, 'qwen2.5-coder:0.5b-base');
      assert.deepEqual([out.timings.promptTokens, out.timings.prefillMs, out.timings.decodeMs], [21, 2, 4]);
      assert.equal(fake.to('/api/generate')[0]!.headers.authorization, 'Bearer k1');
      assert.ok((fake.to('/api/generate')[0]!.body!.prompt as string).includes('<|fim_prefix|>'));
    });

    it('explain --server streams the answer through /api/chat', async () => {
      const r = await slm(['explain', '--server', fake.url, '--server-protocol', 'ollama', '--file', file, '--range', '1:1-2:12']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'It adds a and b.');
      assert.match(r.stderr, /ollama server/);
    });

    it('generate --server sends the prompt raw', async () => {
      const prompt = path.join(path.dirname(file), 'prompt.txt');
      fs.writeFileSync(prompt, 'def add(a, b):');
      const r = await slm(['generate', '--server', fake.url, '--prompt-file', prompt, '--max-tokens', '8', '--json']);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).protocol, 'ollama');
      const body = fake.to('/api/generate')[0]!.body!;
      assert.deepEqual([body.prompt, body.raw], ['def add(a, b):', true]);
    });
  });

  it('a server that is not there: exit 1 and a message saying so', async () => {
    const fake = await FakeServer.start();
    const url = fake.url;
    await fake.close();
    const r = await slm(['complete', '--server', url, '--file', file, '--line', '2', '--col', '12']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot reach 127\.0\.0\.1:\d+ .*is the server running\? \[unreachable\]/);
  });

  it('usage errors: --model with --server, a bad protocol', async () => {
    assert.equal((await slm(['complete', '--server', 'http://127.0.0.1:1', '--model', 'x', '--file', file, '--line', '1', '--col', '1'])).status, 2);
    assert.equal((await slm(['complete', '--server', 'http://127.0.0.1:1', '--server-protocol', 'tgi', '--file', file, '--line', '1', '--col', '1'])).status, 2);
  });

  describe('against a real llama-server, beside --model on the same weights', function () {
    this.timeout(45 * 60_000);
    let server: RunningLlamaServer;
    let modelDir: string;
    before(async () => {
      server = await startLlamaServer(await ensureLlamaServer(), await tinyGguf(), ['-c', '2048', '-np', '1', '-b', '512']);
      modelDir = await tinyModel('standard', 'fp32');
    });
    after(() => server?.stop());

    it('complete --json has the same fields with --server as with --model, plus the protocol', async () => {
      const args = ['complete', '--file', file, '--line', '2', '--col', '12', '--json'];
      const [viaServer, viaModel] = [await slm([...args, '--server', server.url]), await slm([...args, '--model', modelDir])];
      assert.equal(viaServer.status, 0, viaServer.stderr);
      assert.equal(viaModel.status, 0, viaModel.stderr);
      const s = JSON.parse(viaServer.stdout);
      const m = JSON.parse(viaModel.stdout);
      assert.deepEqual(Object.keys(s), [...Object.keys(m), 'protocol']);
      assert.deepEqual(Object.keys(s.timings).sort(), Object.keys(m.timings).sort());
      assert.equal(s.protocol, 'llama.cpp');
      assert.ok(s.timings.newTokens > 0);
    });
  });
});
