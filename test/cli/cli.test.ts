import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeHub } from '../support/fakeHub';
import { REPO_ROOT, tinyModel } from '../support/tinyModels';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');

function slm(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli') } });
}

/** The same with the event loop free, for a server in this process. */
function slmAsync(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli') } }, (err, stdout, stderr) =>
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}

describe('slm CLI', function () {
  this.timeout(120_000);
  let modelDir: string;
  let promptFile: string;

  before(async () => {
    modelDir = await tinyModel('standard', 'q4');
    promptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-')), 'prompt.txt');
    fs.writeFileSync(promptFile, 'def add(a, b):\n    return');
  });

  it('generate --json prints the text, finish reason, timings and model', () => {
    const r = slm('generate', '--model', modelDir, '--prompt-file', promptFile, '--max-tokens', '6', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(['max-tokens', 'stop-token'].includes(out.finishReason), out.finishReason);
    assert.ok(out.timings.newTokens <= 6);
    assert.ok(out.timings.promptTokens > 0 && out.timings.loadMs > 0 && out.timings.prefillMs > 0);
    assert.equal(out.model.precision, 'q4');
    assert.equal(typeof out.text, 'string');
  });

  it('generate streams text to stdout and figures to stderr', () => {
    const r = slm('generate', '--model', modelDir, '--prompt-file', promptFile, '--max-tokens', '4', '--device', 'cpu');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /prompt tokens, \d+ new .*prefill .* tok\/s.*decode .* tok\/s/);
  });

  it('prompt --json prints the exact FIM prompt and its parts', () => {
    const r = slm('prompt', '--model', modelDir, '--file', promptFile, '--line', '2', '--col', '11', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.template, 'qwen2.5-coder');
    assert.equal(out.text, '<|repo_name|>' + path.basename(path.dirname(promptFile)) + '\n<|file_sep|>prompt.txt\n<|fim_prefix|>def add(a, b):\n    return<|fim_suffix|><|fim_middle|>');
    assert.equal(out.tokens, out.parts.reduce((n: number, p: { tokens: number }) => n + p.tokens, 0));
  });

  it('prompt --workspace lists each context snippet with its path, range, source, score and tokens', () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-ws-'));
    fs.mkdirSync(path.join(workspace, 'lib'));
    fs.writeFileSync(path.join(workspace, 'lib', 'tax.ts'), 'export const CURRENCY = "EUR";\n\nexport function taxRate(country: string): number {\n  return country === "FR" ? 0.2 : 0.1;\n}\n');
    const file = path.join(workspace, 'invoice.ts');
    fs.writeFileSync(file, 'import { taxRate } from "./lib/tax";\n\nexport function total(net: number, c: string): number {\n  return net * (1 + taxRate(c));\n}\n');
    const r = slm('prompt', '--model', modelDir, '--workspace', workspace, '--file', file, '--line', '4', '--col', '3', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const snippet = out.context.snippets.find((s: { path: string }) => s.path === 'lib/tax.ts');
    assert.deepEqual({ ...snippet, score: undefined, tokens: undefined, estimatedTokens: undefined }, { path: 'lib/tax.ts', range: { startLine: 3, endLine: 5 }, source: 'imports', score: undefined, tokens: undefined, estimatedTokens: undefined });
    assert.ok(snippet.tokens > 10 && snippet.estimatedTokens > 10 && snippet.score > 0);
    assert.ok(Array.isArray(out.context.dropped) && typeof out.context.timingsMs.imports === 'number');
    // The definition is in the prompt, labelled with its path, before the current file.
    assert.ok(out.text.indexOf('<|file_sep|>lib/tax.ts\nexport function taxRate(country: string)') < out.text.indexOf('<|file_sep|>invoice.ts'));
    assert.ok(!out.text.includes('CURRENCY'), 'only the symbols used near the cursor');
    assert.equal(out.parts.filter((p: { kind: string }) => p.kind === 'context').length, out.context.snippets.length);
  });

  it('prompt --workspace finds definitions in files that are neither open nor imported (workspace index)', () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-ws-'));
    fs.mkdirSync(path.join(workspace, 'shapes'));
    fs.writeFileSync(path.join(workspace, 'go.mod'), 'module example.com/geo\n');
    fs.writeFileSync(path.join(workspace, 'shapes', 'circle.go'), 'package shapes\n\nfunc CircleArea(r float64) float64 {\n\treturn 3.14159 * r * r\n}\n');
    const file = path.join(workspace, 'shapes', 'report.go');
    fs.writeFileSync(file, 'package shapes\n\nfunc Report(r float64) string {\n\ta := CircleArea(r)\n\treturn \n}\n');
    const r = slm('prompt', '--model', modelDir, '--workspace', workspace, '--file', file, '--line', '5', '--col', '9', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const found = out.context.snippets.find((s: { text?: string; path: string }) => s.path === 'shapes/circle.go');
    assert.ok(found, JSON.stringify(out.context));
    assert.ok(out.text.includes('<|file_sep|>shapes/circle.go\nfunc CircleArea(r float64) float64 {'));
  });

  it('complete prints the post-processed completion', () => {
    const r = slm('complete', '--model', modelDir, '--file', promptFile, '--line', '2', '--col', '11', '--json', '--language', 'python');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.completion, 'string');
    assert.equal(out.multiline, false);
    assert.ok(out.timings.promptTokens > 0);
  });

  it('postprocess keeps what the editor would show of a raw output', () => {
    const file = path.join(path.dirname(promptFile), 'math.py');
    fs.writeFileSync(file, 'def add(a, b):\n    return \n\nprint(add(1, 2))\n');
    const raw = path.join(path.dirname(promptFile), 'raw.txt');
    fs.writeFileSync(raw, 'a + b\n\nprint(add(1, 2))\n');
    const r = slm('postprocess', '--file', file, '--line', '2', '--col', '12', '--raw-file', raw);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'a + b\n');
  });

  it('explains a bad model folder and exits 1', () => {
    const r = slm('generate', '--model', path.join(os.tmpdir(), 'no-such-model'), '--prompt-file', promptFile);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not exist.*\[model-folder-missing\]/);
  });

  it('shows usage and exits 2 for bad arguments', () => {
    assert.equal(slm('generate', '--prompt-file', promptFile).status, 2);
    assert.equal(slm('generate', '--model', modelDir, '--prompt-file', promptFile, '--max-tokens', 'many').status, 2);
    assert.equal(slm('frobnicate').status, 2);
    assert.equal(slm('complete', '--model', modelDir, '--file', promptFile, '--line', '9', '--col', '1').status, 2);
    assert.match(slm('frobnicate').stderr, /Usage/);
  });

  it('models --json lists the catalog with roles, and suggestions for completion and chat on this machine', () => {
    const r = slm('models', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.ok(out.catalog.some((m: { id: string }) => m.id === out.suggestion.id));
    assert.ok(out.catalog.find((m: { id: string }) => m.id === out.chatSuggestion.id)?.roles.includes('chat'), out.chatSuggestion.id);
    assert.ok(out.hardware.cores >= 1 && out.hardware.memoryBytes > 0);
    assert.match(out.suggestion.why, /cores/);
  });

  it('download fetches a catalog model from the Hub into a folder that generate can use', async () => {
    const hub = await startFakeHub({ repos: { 'onnx-community/Qwen2.5-Coder-0.5B-Instruct': modelDir } });
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-dl-')), 'coder');
    try {
      const r = await slmAsync('download', 'qwen2.5-coder-0.5b', '--precision', 'q4', '--dest', dest, '--endpoint', hub.endpoint);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /downloaded .*onnx-community\/Qwen2.5-Coder-0.5B-Instruct q4 at [0-9a-f]{12}/);
      const again = await slmAsync('download', 'qwen2.5-coder-0.5b', '--dest', dest, '--endpoint', hub.endpoint);
      assert.match(again.stdout, /already downloaded/);
      const g = slm('generate', '--model', dest, '--prompt-file', promptFile, '--max-tokens', '4', '--json');
      assert.equal(g.status, 0, g.stderr);
      assert.equal(slm('download', 'qwen2.5-coder-9b').status, 2);
      assert.match(slm('download', 'qwen2.5-coder-3b', '--precision', 'q4f16').stderr, /comes in q4, q8, fp16/);
      assert.match(slm('download', 'qwen2.5-coder-1.5b-gguf', '--precision', 'q4').stderr, /comes in q8, not "q4"/);
    } finally {
      await hub.close();
      fs.rmSync(path.dirname(dest), { recursive: true, force: true });
    }
  });
});
