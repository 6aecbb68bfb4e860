import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findGgufFile } from '../../src/modelFormat/ggufFile';
import { findLlamaCppPackage, NODE_LLAMA_CPP_ENV } from '../../src/engine/gguf/llamaCpp';
import { EngineError } from '../../src/shared/errors';
import { tempWorkspaces } from '../support/tempWorkspaces';

describe('GGUF model paths', () => {
  const temp = tempWorkspaces('slm-gguf-');
  after(() => temp.removeAll());

  it('a .gguf file, or the one .gguf of a folder, is a GGUF model; an ONNX folder is not', () => {
    const dir = temp.create({ 'Qwen2.5-Coder-0.5B-Q4_0.gguf': 'GGUF', 'mmproj-model-f16.gguf': 'GGUF', 'README.md': '' });
    const file = path.join(dir, 'Qwen2.5-Coder-0.5B-Q4_0.gguf');
    assert.equal(findGgufFile(file), file);
    assert.equal(findGgufFile(dir), file);
    const onnx = temp.create({ 'config.json': '{}', 'onnx/model.onnx': '' });
    assert.equal(findGgufFile(onnx), undefined);
    assert.equal(findGgufFile(path.join(onnx, 'config.json')), undefined);
    assert.equal(findGgufFile(path.join(onnx, 'absent')), undefined);
  });

  it('a folder with two models names them and asks for the file', () => {
    const dir = temp.create({ 'a-Q4_0.gguf': 'GGUF', 'a-Q8_0.gguf': 'GGUF' });
    assert.throws(() => findGgufFile(dir), (err: EngineError) => err.code === 'model-folder-missing' && /a-Q4_0\.gguf, a-Q8_0\.gguf/.test(err.message) && /choose the file/.test(err.message));
  });

  it('without node-llama-cpp a GGUF load says what to install', () => {
    const dirs = [temp.folder(), temp.folder()];
    assert.throws(() => findLlamaCppPackage(dirs), (err: EngineError) => err.code === 'provider-unavailable' && err.message.includes(NODE_LLAMA_CPP_ENV) && err.message.includes(dirs[0]));
  });
});
