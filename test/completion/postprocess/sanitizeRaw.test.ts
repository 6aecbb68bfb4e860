import * as assert from 'node:assert/strict';
import { MAX_RAW_CHARS, sanitizeRaw } from '../../../src/completion/postprocess/sanitizeRaw';

describe('sanitizeRaw', () => {
  const cases: [name: string, raw: string, want: string | undefined][] = [
    ['plain text passes', 'return x;', 'return x;'],
    ['CRLF and CR become LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['cut at a Qwen special token', 'x = 1<|fim_pad|><|endoftext|>', 'x = 1'],
    ['cut at a StarCoder special token', 'x = 1\n<file_sep>other.py', 'x = 1\n'],
    ['C0/C1 controls, BOM and zero-width space removed; tab kept', '\uFEFFa\u0000b\u0007\u0085c\u200B\td', 'abc\td'],
    ['bidi overrides removed', 'if (role == "user\u202E \u2066// admin\u2069")', 'if (role == "user // admin")'],
    ['unpaired surrogates removed, pairs kept', 'a\uD800b\uDC00c😀', 'abc😀'],
    ['empty', '', undefined],
    ['only a special token', '<|endoftext|>', undefined],
    ['not a string', 42 as unknown as string, undefined],
    ['an Elm/F# pipe is not a special token', 'f <| g |> h', 'f <| g |> h'],
    ['cut at a Qwen chat marker', 'x = 1\n<|im_start|>user', 'x = 1\n'],
    ['cut at DeepSeek-Coder end of sentence (full-width bars, ▁)', 'return a + b\n<｜end▁of▁sentence｜>', 'return a + b\n'],
    ['cut at a DeepSeek-Coder FIM marker', 'a = 1<｜fim▁hole｜>b = 2', 'a = 1'],
    ['cut at DeepSeek-Coder instruct end of turn', 'done()<|EOT|>', 'done()'],
    ['cut at CodeLlama end of infill as its piece', 'x + 1▁<EOT>', 'x + 1'],
    ['cut at CodeLlama end of infill decoded with its space', 'return x; <EOT>', 'return x;'],
    ['cut at CodeLlama end of infill decoded without a space', '<EOT>foo', undefined],
    ['cut at a CodeLlama FIM marker decoded as text', 'y = 2\n <PRE> z', 'y = 2\n'],
    ['cut at a CodeGemma file separator', 'pass\n<|file_separator|>b.py', 'pass\n'],
    ['cut at a Gemma end of turn', 'ok<end_of_turn>', 'ok'],
    ['cut at a StarCoder pad token', 'v = 3<fim_pad><fim_pad>', 'v = 3'],
    ['HTML strikethrough is not CodeLlama\'s <s>', '<s>$20</s> $15', '<s>$20</s> $15'],
    ['lower-case <pre> is HTML, not CodeLlama\'s marker', '<pre>x</pre>', '<pre>x</pre>'],
  ];
  for (const [name, raw, want] of cases) it(name, () => assert.equal(sanitizeRaw(raw), want));

  it('bounds runaway output to whole lines', () => {
    const out = sanitizeRaw('abc\n'.repeat(MAX_RAW_CHARS))!;
    assert.ok(out.length < MAX_RAW_CHARS);
    assert.ok(out.endsWith('abc'));
  });

  it('drops a single line longer than the bound', () => {
    assert.equal(sanitizeRaw('x'.repeat(MAX_RAW_CHARS + 1)), undefined);
  });
});
