import * as assert from 'node:assert/strict';
import { isLoopback, parseEndpoint } from '../../../src/backend/server/endpoint';
import { ServerError } from '../../../src/backend/server/serverError';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as ServerError).code;
  }
  return 'ok';
};

describe('parseEndpoint', () => {
  it('allows plain http to this machine only', () => {
    assert.equal(parseEndpoint('http://127.0.0.1:8080/', false).base, 'http://127.0.0.1:8080');
    assert.equal(parseEndpoint('http://localhost:11434', false).origin, 'http://localhost:11434');
    assert.equal(code(() => parseEndpoint('http://[::1]:8000', false)), 'ok');
    assert.equal(code(() => parseEndpoint('http://gpu-box.lan:8080', false)), 'insecure-http');
    assert.equal(code(() => parseEndpoint('http://10.0.0.5:8080', true)), 'ok');
    assert.equal(code(() => parseEndpoint('https://gpu-box.lan/llm/', false)), 'ok');
  });

  it('keeps a path prefix and binds the key to the origin', () => {
    const e = parseEndpoint('https://gpu-box.lan:8443/llm/', false);
    assert.deepEqual(e, { base: 'https://gpu-box.lan:8443/llm', origin: 'https://gpu-box.lan:8443', loopback: false });
  });

  it('refuses what is not a plain server address', () => {
    for (const url of ['', 'gpu-box:8080', 'ftp://x', 'https://user:pw@x', 'https://x/?key=1']) assert.equal(code(() => parseEndpoint(url, true)), 'bad-url', url);
  });

  it('knows loopback names', () => {
    assert.deepEqual(['localhost', '127.0.0.2', '[::1]', 'a.localhost', '128.0.0.1', 'localhost.evil.com'].map(isLoopback), [true, true, true, true, false, false]);
  });
});

describe('templateForModelName', () => {
  it('finds the family in served model names', async () => {
    const { templateForModelName } = await import('../../../src/backend/server/fimFamily');
    const ids = ['Qwen/Qwen2.5-Coder-1.5B', 'qwen2.5-coder:1.5b-base', 'deepseek-coder-6.7b-base.Q4_K_M.gguf', 'bigcode/starcoder2-3b', 'stabilityai/stable-code-3b', 'codegemma:2b', 'codellama:7b-code', 'llama3:8b'].map((n) => templateForModelName(n)?.id);
    assert.deepEqual(ids, ['qwen2.5-coder', 'qwen2.5-coder', 'deepseek-coder', 'starcoder2', 'stable-code', 'codegemma', 'codellama', undefined]);
  });
});
