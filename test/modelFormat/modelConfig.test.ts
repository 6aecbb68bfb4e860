import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseModelConfig } from '../../src/modelFormat/modelConfig';
import { chooseGraph, openModelFolder } from '../../src/modelFormat/modelFolder';
import { EngineError } from '../../src/shared/errors';
import { FAMILIES } from '../modelgen/families';
import { familyModel } from '../support/tinyModels';

const base = { hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 2, vocab_size: 1000, max_position_embeddings: 16384 };

describe('model config: families', () => {
  it('accepts stablelm (Stable Code) and every family of the generated models', () => {
    for (const f of Object.values(FAMILIES)) assert.equal(parseModelConfig({ ...base, model_type: f.config.model_type }, 'config.json').modelType, f.config.model_type);
    assert.throws(() => parseModelConfig({ ...base, model_type: 'bert' }, 'config.json'), /Supported: .*stablelm/);
  });

  it('reads an explicit head_dim (Gemma) and falls back to hidden / heads', () => {
    assert.equal(parseModelConfig({ ...base, model_type: 'gemma', head_dim: 256 }, 'c').headDim, 256);
    assert.equal(parseModelConfig({ ...base, model_type: 'llama' }, 'c').headDim, 16);
  });

  it("caps the context at StarCoder2's sliding window and Phi-3's LongRoPE switch, and says why", () => {
    const star = parseModelConfig({ ...base, model_type: 'starcoder2', sliding_window: 4096 }, 'c');
    assert.deepEqual([star.contextLimit, star.contextLimitReason], [4096, 'its attention window is 4096 tokens']);
    const phi = parseModelConfig({ ...base, model_type: 'phi3', max_position_embeddings: 131072, original_max_position_embeddings: 4096, sliding_window: 262144, rope_scaling: { type: 'longrope', short_factor: [1], long_factor: [2] } }, 'c');
    assert.deepEqual([phi.contextLimit, phi.contextLimitReason], [4096, 'its rotary tables switch at 4096 tokens']);
    // Qwen2 configs name a window they do not use.
    const qwen = parseModelConfig({ ...base, model_type: 'qwen2', max_position_embeddings: 32768, sliding_window: 4096, use_sliding_window: false }, 'c');
    assert.deepEqual([qwen.contextLimit, qwen.contextLimitReason], [32768, undefined]);
    assert.equal(parseModelConfig({ ...base, model_type: 'llama', max_position_embeddings: 131072, rope_scaling: { rope_type: 'llama3', factor: 32 } }, 'c').contextLimit, 131072);
  });
});

describe('model folder: both file layouts', function () {
  this.timeout(60_000);
  let scratch: string;
  before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-layouts-'))));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('finds onnx/decoder_model_merged*.onnx (Xenova exports) and its external data', async () => {
    const dir = await familyModel('deepseek-coder', { style: 'standard', precision: 'q4', layout: 'merged' });
    const folder = openModelFolder(dir);
    assert.equal(path.basename(folder.graphs.q4!), 'decoder_model_merged_q4.onnx');
    assert.ok(chooseGraph(folder, 'auto', 'cpu').bytes > fs.statSync(folder.graphs.q4!).size);
  });

  it('prefers model*.onnx when a folder holds both, and names both layouts when neither is there', async () => {
    const copy = path.join(scratch, 'both');
    fs.cpSync(await familyModel('deepseek-coder', { style: 'standard', precision: 'q4', layout: 'merged' }), copy, { recursive: true });
    fs.copyFileSync(path.join(copy, 'onnx/decoder_model_merged_q4.onnx'), path.join(copy, 'onnx/model_q4.onnx'));
    assert.equal(path.basename(openModelFolder(copy).graphs.q4!), 'model_q4.onnx');
    for (const f of fs.readdirSync(path.join(copy, 'onnx'))) if (f.endsWith('.onnx')) fs.rmSync(path.join(copy, 'onnx', f));
    assert.throws(() => openModelFolder(copy), (err: unknown) => err instanceof EngineError && err.code === 'graph-missing' && /onnx\/model_q4\.onnx.*decoder_model_merged\*\.onnx/.test(err.message));
  });
});
