import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, tinyModel } from '../support/tinyModels';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');

function slm(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli') } });
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

  it('explains a bad model folder and exits 1', () => {
    const r = slm('generate', '--model', path.join(os.tmpdir(), 'no-such-model'), '--prompt-file', promptFile);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not exist.*\[model-folder-missing\]/);
  });

  it('shows usage and exits 2 for bad arguments', () => {
    assert.equal(slm('generate', '--prompt-file', promptFile).status, 2);
    assert.equal(slm('generate', '--model', modelDir, '--prompt-file', promptFile, '--max-tokens', 'many').status, 2);
    assert.equal(slm('frobnicate').status, 2);
    assert.match(slm('frobnicate').stderr, /Usage/);
  });
});
