import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openModelFolder } from '../../src/modelFormat/modelFolder';
import { EngineError, type EngineErrorCode } from '../../src/shared/errors';
import { loadEngine } from '../support/loadedEngine';
import { tinyModel } from '../support/tinyModels';

/** Every way a user's model folder can be broken gives a typed error naming the file. */
describe('bad model folders', function () {
  this.timeout(60_000);
  let good: string;
  let scratch: string;

  before(async () => {
    good = await tinyModel('gqa', 'q4');
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-bad-models-'));
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  function brokenCopy(name: string, breakIt: (dir: string) => void): string {
    const dir = path.join(scratch, name);
    fs.cpSync(good, dir, { recursive: true });
    breakIt(dir);
    return dir;
  }

  async function expectError(dir: string, code: EngineErrorCode, file: RegExp, hint: RegExp): Promise<void> {
    await assert.rejects(loadEngine({ modelDir: dir, device: 'cpu', threads: 1, cacheDir: path.join(scratch, 'cache') }), (err: unknown) => {
      assert.ok(err instanceof EngineError, `not an EngineError: ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.file ?? '', file);
      assert.match(err.message, new RegExp(file.source.replace(/\$$/, '')));
      assert.match(err.message, hint);
      return true;
    });
  }

  const onnxFile = (dir: string) => path.join(dir, 'onnx', fs.readdirSync(path.join(dir, 'onnx')).find((f) => f.endsWith('.onnx'))!);

  it('a folder that does not exist', async () => {
    await expectError(path.join(scratch, 'nowhere'), 'model-folder-missing', /nowhere/, /Choose a folder/);
  });

  it('missing config.json', async () => {
    await expectError(brokenCopy('no-config', (d) => fs.rmSync(path.join(d, 'config.json'))), 'config-missing', /config\.json$/, /config\.json/);
  });

  it('config.json that is not JSON', async () => {
    await expectError(brokenCopy('bad-config', (d) => fs.writeFileSync(path.join(d, 'config.json'), '{"model_type": "qwen2",')), 'config-invalid', /config\.json$/, /Re-download/);
  });

  it('missing tokenizer', async () => {
    await expectError(brokenCopy('no-tokenizer', (d) => fs.rmSync(path.join(d, 'tokenizer.json'))), 'tokenizer-missing', /tokenizer\.json$/, /download/);
  });

  it('no graph in onnx/', async () => {
    await expectError(brokenCopy('no-graph', (d) => fs.rmSync(onnxFile(d))), 'graph-missing', /onnx$/, /onnx-community/);
  });

  it('truncated .onnx', async () => {
    const dir = brokenCopy('truncated', (d) => {
      const f = onnxFile(d);
      fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2));
    });
    await expectError(dir, 'graph-invalid', /\.onnx$/, /truncated|corrupt|re-download/i);
  });

  it('missing external data file', async () => {
    const dir = brokenCopy('no-data', (d) => {
      for (const f of fs.readdirSync(path.join(d, 'onnx'))) if (f.includes('.onnx_data')) fs.rmSync(path.join(d, 'onnx', f));
    });
    await expectError(dir, 'external-data-missing', /\.onnx_data/, /Download it/);
  });

  it('unsupported architecture', async () => {
    const dir = brokenCopy('bert', (d) => {
      const config = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8'));
      fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...config, model_type: 'bert', architectures: ['BertModel'] }));
    });
    await expectError(dir, 'unsupported-architecture', /config\.json$/, /"bert".*not a supported/);
  });

  it('a tokenizer whose vocabulary the model does not score', async () => {
    const dir = brokenCopy('vocab', (d) => {
      const file = path.join(d, 'tokenizer.json');
      const tokenizer = JSON.parse(fs.readFileSync(file, 'utf8'));
      tokenizer.added_tokens.push({ id: 250_000, content: '<|from_another_model|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
      fs.writeFileSync(file, JSON.stringify(tokenizer));
    });
    await expectError(dir, 'vocab-mismatch', /tokenizer\.json$/, /another model/);
  });

  it('still loads the intact folder', async () => {
    const model = await loadEngine({ modelDir: good, device: 'cpu', threads: 1, cacheDir: path.join(scratch, 'cache') });
    assert.equal(model.info.modelType, 'qwen2');
    await model.dispose();
  });

  it('calls a generated model a test model, and a real export by its folder name', () => {
    assert.equal(openModelFolder(good).name, `${path.basename(good)} (test model)`);
    const exported = brokenCopy('exported', (d) => {
      const config = JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
      delete config.slm_test_model;
      fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(config));
    });
    assert.equal(openModelFolder(exported).name, 'exported');
  });
});
