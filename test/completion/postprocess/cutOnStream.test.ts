import * as assert from 'node:assert/strict';
import { cutOnStream, postprocess } from '../../../src/completion/postprocess/postprocess';
import { atCursor, lines } from './atCursor';

const OPTIONS = { multiline: true, maxLines: 16 };

const fn = atCursor(
  `
  function total(items) {
    █
  }

  function next() {}
  `,
  'javascript',
);

const method = atCursor(
  `
  class A:
      def total(self, items):
          █

      def next(self):
          pass
  `,
  'python',
);

/** The shortest prefix of `raw` after which the completion is decided, or undefined. */
function decidedAt(raw: string, pos = fn, options = OPTIONS): string | undefined {
  for (let n = 1; n <= raw.length; n++) if (cutOnStream(raw.slice(0, n), pos, options)) return raw.slice(0, n);
  return undefined;
}

describe('postprocess/cutOnStream', () => {
  it('is undecided while the completion stays in its block, and for a half-written line', () => {
    assert.equal(cutOnStream(lines('let sum = 0;', '  for (const i of items) sum += i;', '  return sum;'), fn, OPTIONS), false);
    assert.equal(cutOnStream(lines('let sum = 0;', 'func'), fn, OPTIONS), false, 'the dedented line is not whole yet');
  });

  it('decides once a line leaves the block by indentation', () => {
    const raw = lines('return items.length;', '}', '', 'function other() {', '  return 2;', '}');
    // The `}` line is kept as the completion's last line (truncateAtBlockEnd): whole, it decides.
    assert.equal(decidedAt(raw), lines('return items.length;', '}', ''));
  });

  it('decides at a closer the suffix already has, and at the line limit', () => {
    const closed = atCursor(
      `
      const xs = [
        █
      ];
      `,
      'javascript',
    );
    assert.equal(decidedAt(lines('1,', '  2,', '];', 'more();'), closed), lines('1,', '  2,', '];', ''));
    const many = Array.from({ length: 30 }, (_, i) => `  step${i}();`).join('\n').trimStart();
    const at = decidedAt(many, fn, { multiline: true, maxLines: 4 });
    assert.equal(at?.split('\n').length, 4 + 3 + 1, 'maxLines plus the lines loop detection reads');
  });

  it('decides at a loop', () => {
    assert.ok(decidedAt(lines('console.log(items);', '  console.log(items);', '  console.log(items);')));
  });

  it('Python: a line at the def level ends the method body once its first word is whole; else/except continue it', () => {
    const body = lines('if items:', '            return 1', '        else:', '            return 0', '', '');
    assert.equal(decidedAt(body + '    def other(self):\n        pass', method), body + '    def ');
    assert.equal(cutOnStream(lines('if items:', '            return 1', '        els'), method, OPTIONS), false, 'a word being written may still be `else`');
    assert.equal(cutOnStream(lines('try:', '            return 1', '        except ValueError:', ''), method, OPTIONS), false);
  });

  it('never decides a single-line completion (its stop string ends it)', () => {
    assert.equal(cutOnStream('a;\n}\nfoo\n', fn, { multiline: false, maxLines: 16 }), false);
  });

  it('where it decides, postprocess of the text so far equals postprocess of the whole output', () => {
    const outputs = [
      lines('return items.length;', '}', '', 'function other() {', '  return 2;', '}'),
      lines('let s = 0;', '  for (const i of items) {', '    s += i;', '  }', '  return s;', '}', 'next();'),
      lines('if (!items) return 0;', '  return items.reduce((a, b) => a + b, 0);', '}', '}', 'x'),
      lines('console.log(items);', '  console.log(items);', '  console.log(items);', '  done();'),
    ];
    for (const raw of outputs) {
      const at = decidedAt(raw);
      assert.ok(at, raw);
      assert.equal(postprocess(at, fn, OPTIONS), postprocess(raw, fn, OPTIONS), raw);
    }
  });
});
