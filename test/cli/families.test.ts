import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FAMILIES, type FamilyId } from '../modelgen/families';
import { REPO_ROOT, familyModel } from '../support/tinyModels';

const CLI = path.join(REPO_ROOT, 'dist/cli.js');
const PY = 'import math\n\n\ndef area(r):\n    return \n\n\nprint(area(2))\n';

function slm(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: path.join(REPO_ROOT, '.cache/cli') } });
}

/** The 4-bit model of a family (its first 4-bit variant). */
function q4Model(family: FamilyId): Promise<string> {
  return familyModel(family, FAMILIES[family].variants.find((v) => v.precision !== 'fp32')!);
}

/** Each family through the command line on its generated model: a completion where it has FIM tokens, an explanation where it chats. */
describe('slm on every model family', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cli-families-'));
    file = path.join(dir, 'geo.py');
    fs.writeFileSync(file, PY);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fim: [FamilyId, string][] = [['deepseek-coder', 'deepseek-coder'], ['codegemma', 'codegemma'], ['starcoder2', 'starcoder2'], ['stable-code', 'stable-code']];
  for (const [family, template] of fim) {
    it(`${family}: complete --json, with its FIM template`, async () => {
      const model = await q4Model(family);
      const prompt = slm('prompt', '--model', model, '--device', 'cpu', '--file', file, '--line', '5', '--col', '12', '--json');
      assert.equal(prompt.status, 0, prompt.stderr);
      assert.equal(JSON.parse(prompt.stdout).template, template);
      const r = slm('complete', '--model', model, '--device', 'cpu', '--file', file, '--line', '5', '--col', '12', '--json');
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(typeof out.completion, 'string');
      assert.ok(out.timings.promptTokens > 5 && out.timings.newTokens > 0, JSON.stringify(out.timings));
    });
  }

  it('starcoder2: prompt --fim-order spm prints the suffix-first prompt; complete --fim-order spm generates after it', async () => {
    const model = await q4Model('starcoder2');
    const prompt = slm('prompt', '--model', model, '--device', 'cpu', '--file', file, '--line', '5', '--col', '12', '--fim-order', 'spm');
    assert.equal(prompt.status, 0, prompt.stderr);
    assert.equal(prompt.stdout, `<repo_name>${path.basename(dir)}\n<file_sep>geo.py\n<fim_prefix><fim_suffix>\n\n\nprint(area(2))\n<fim_middle>import math\n\n\ndef area(r):\n    return \n`);
    const r = slm('complete', '--model', model, '--device', 'cpu', '--file', file, '--line', '5', '--col', '12', '--fim-order', 'spm', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).prompt.order, 'spm');
  });

  it('deepseek-coder: --fim-order spm falls back to PSM and says so; a bad order is a usage error', async () => {
    const model = await q4Model('deepseek-coder');
    const r = slm('prompt', '--model', model, '--device', 'cpu', '--file', file, '--line', '5', '--col', '12', '--fim-order', 'spm', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).order, 'psm');
    assert.match(r.stderr, /\[warn\] slm\.fimOrder is "spm", but DeepSeek-Coder is not documented to be trained with suffix-first prompts/);
    const bad = slm('prompt', '--model', model, '--file', file, '--line', '5', '--col', '12', '--fim-order', 'middle-first');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--fim-order must be psm or spm \(got middle-first\)/);
  });

  for (const family of ['deepseek-coder', 'phi-3.5', 'smollm2', 'llama-3.2'] as FamilyId[]) {
    it(`${family}: explain --json answers with its own chat template`, async () => {
      const model = await q4Model(family);
      const r = slm('explain', '--model', model, '--device', 'cpu', '--file', file, '--range', '4:1-5:12', '--json');
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(typeof out.text, 'string');
      assert.ok(out.timings.newTokens > 0 && out.promptTokens > 20);
    });
  }

  for (const family of ['phi-3.5', 'smollm2', 'llama-3.2'] as FamilyId[]) {
    it(`${family}: complete says it has no FIM tokens and where it serves instead`, async () => {
      const r = slm('complete', '--model', await q4Model(family), '--device', 'cpu', '--file', file, '--line', '5', '--col', '12');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /has no fill-in-the-middle tokens this extension knows .*has a chat template: it can answer Explain and Refactor as slm\.chatModel\. \[fim-unsupported\]/);
    });
  }
});
