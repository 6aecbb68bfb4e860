import * as assert from 'node:assert/strict';
import { postprocess, shouldBeMultiline } from '../../../src/completion/postprocess/postprocess';
import type { CompletionPosition } from '../../../src/completion/postprocess/types';
import { random } from '../../support/random';

const ALPHABET = ['(', ')', '[', ']', '{', '}', '"', "'", '`', '#', '//', '/*', '*/', '\\', '\n', '\r\n', '\t', ' ', '  ', ':', ';', '=>', 'def ', 'end', 'x', '😀', '\u0000', '\u202E', '\uD800', '<|endoftext|>', 'else:'];

function garbage(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    out += next() < 0.7 ? ALPHABET[Math.floor(next() * ALPHABET.length)] : String.fromCharCode(Math.floor(next() * 0x10000));
  }
  return out;
}

const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'ruby', 'yaml', 'c', 'unknown'];

/** Generous for CI machines; the 1 MB cases run in a few milliseconds locally. */
const BUDGET_MS = 1_000;

describe('robustness', () => {
  it('never throws on random inputs, and returns text or undefined', () => {
    const next = random(42);
    for (let i = 0; i < 2_000; i++) {
      const pos: CompletionPosition = {
        prefix: garbage(next, next() * 300),
        suffix: garbage(next, next() * 300),
        languageId: LANGUAGES[i % LANGUAGES.length],
      };
      const raw = garbage(next, next() * 300);
      for (const mode of ['auto', 'always', 'never'] as const) {
        const multiline = shouldBeMultiline(pos, mode);
        const out = postprocess(raw, pos, { multiline, maxLines: 1 + (i % 20) });
        if (out !== undefined) {
          assert.equal(typeof out, 'string');
          assert.notEqual(out.trim(), '');
          assert.ok(!multiline ? !out.slice(out.startsWith('\n') ? 1 : 0).includes('\n') : true, 'single line');
        }
      }
    }
  });

  const huge: [name: string, text: string][] = [
    ['1 MB of one character', 'x'.repeat(1_000_000)],
    ['1 MB of spaces then text', ' '.repeat(1_000_000) + 'x'],
    ['1 MB of line breaks', '\n'.repeat(1_000_000)],
    ['1 MB of open brackets', '({['.repeat(333_334)],
    ['1 MB of close brackets', ')}]'.repeat(333_334)],
    ['1 MB of quotes', '"\'`\n'.repeat(250_000)],
    ['1 MB of repeated lines', '  foo();\n'.repeat(111_112)],
    ['1 MB of random text', garbage(random(7), 1_000_000)],
  ];
  for (const [name, text] of huge) {
    it(`stays bounded on ${name}`, () => {
      for (const languageId of ['typescript', 'python']) {
        const pos = { prefix: text, suffix: text, languageId };
        const t = performance.now();
        const multiline = shouldBeMultiline(pos, 'auto');
        postprocess(text, pos, { multiline: true, maxLines: 16 });
        postprocess(text, pos, { multiline: false, maxLines: 16 });
        assert.ok(performance.now() - t < BUDGET_MS, `${languageId} took ${performance.now() - t} ms`);
        assert.equal(typeof multiline, 'boolean');
      }
    });
  }

  it('tolerates malformed arguments from untyped callers', () => {
    const bad = [
      [undefined, { prefix: 'a', suffix: 'b', languageId: 'c' }, { multiline: true, maxLines: 16 }],
      ['x', undefined, undefined],
      ['x', { prefix: 1, suffix: null, languageId: {} }, { multiline: 'yes', maxLines: 'many' }],
    ] as unknown as Parameters<typeof postprocess>[];
    for (const args of bad) assert.doesNotThrow(() => postprocess(...args));
  });
});
