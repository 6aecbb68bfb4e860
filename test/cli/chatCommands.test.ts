import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, tinyModel } from '../support/tinyModels';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const PY = 'import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\ndef other(x):\n    if x:\n        return 1\n    return 2\n';

function slm(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli') } });
}

/** `slm explain` and `slm refactor`: the contracts of issue "Explain and refactor" (1-based lines and columns). */
describe('slm explain and refactor', function () {
  this.timeout(120_000);
  let modelDir: string;
  let dir: string;
  let file: string;
  const raw = (text: string) => {
    const f = path.join(dir, `raw-${Math.random().toString(36).slice(2)}.txt`);
    fs.writeFileSync(f, text);
    return f;
  };

  before(async () => {
    modelDir = await tinyModel('gqa', 'q4');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-chat-'));
    file = path.join(dir, 'geo.py');
    fs.writeFileSync(file, PY);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('explain --prompt-only --json: the rendered ChatML prompt and its token count, nothing generated', () => {
    const r = slm('explain', '--model', modelDir, '--device', 'cpu', '--file', file, '--range', '5:5-5:5', '--prompt-only', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['text', 'prompt', 'promptTokens', 'timings']);
    assert.equal(out.text, '');
    assert.match(out.prompt, /^<\|im_start\|>system\n.*<\|im_start\|>user\nFile: geo\.py \(python\), lines 4-5\.\n/s);
    assert.ok(out.prompt.includes('```python\ndef area(r):\n    return math.pi * r * r\n```'), 'the function at the cursor, dedented');
    assert.ok(out.prompt.endsWith('<|im_start|>assistant\n'));
    assert.ok(out.promptTokens > 20);
  });

  it('explain --json: the streamed answer with timings', () => {
    const r = slm('explain', '--model', modelDir, '--device', 'cpu', '--file', file, '--range', '8:1-11:13', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(typeof out.text, 'string');
    assert.ok(out.timings.newTokens > 0 && out.timings.firstTokenMs > 0);
    assert.equal(out.promptTokens, out.timings.promptTokens);
  });

  it('refactor --raw-file --json: the replacement of whole lines, the diff, applied, no model needed', () => {
    const r = slm('refactor', '--file', file, '--range', '4:3-5:10', '--instruction', 'Add types', '--raw-file', raw('def area(r: float) -> float:\n  return math.pi * r * r\n```\nI added types.'), '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['replacement', 'range', 'diff', 'applied', 'reason']);
    assert.equal(out.replacement, 'def area(r: float) -> float:\n    return math.pi * r * r', 're-indented to the file\'s 4 spaces, prose dropped');
    assert.deepEqual(out.range, { startLine: 4, endLine: 5 });
    assert.equal(out.applied, true);
    assert.equal(out.reason, null);
    assert.match(out.diff, /^--- a\/geo\.py\n\+\+\+ b\/geo\.py\n@@ -1,7 \+1,7 @@/);
    assert.match(out.diff, /\n-def area\(r\):\n\+def area\(r: float\) -> float:\n/);
  });

  it('refactor --raw-file: output that is not applied says why', () => {
    for (const [output, reason] of [
      ['def area(r):\n    return math.pi * r * r\n```', /unchanged/],
      ['I cannot help with that request, sorry.', /prose|no code/],
      ['def area(r:\n    return (math.pi * r * r\n```', /syntax errors/],
    ] as const) {
      const r = slm('refactor', '--file', file, '--range', '4:1-5:27', '--instruction', 'Simplify', '--raw-file', raw(output), '--json');
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.applied, false, output);
      assert.match(out.reason, reason);
      assert.equal(out.replacement, 'def area(r):\n    return math.pi * r * r', 'the lines stay as they are');
      assert.equal(out.diff, '');
    }
  });

  it('refactor with a model runs the whole pipeline; a bad range is a usage error', () => {
    const r = slm('refactor', '--model', modelDir, '--device', 'cpu', '--file', file, '--range', '8:1-11:13', '--instruction', 'Simplify', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.range, { startLine: 8, endLine: 11 });
    assert.equal(typeof out.applied, 'boolean');
    const bad = slm('refactor', '--file', file, '--range', '40:1-41:1', '--instruction', 'x', '--raw-file', raw('x'));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--range: line 40 is not from 1 to 12/);
  });
});
