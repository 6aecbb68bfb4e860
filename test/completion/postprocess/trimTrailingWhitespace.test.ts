import * as assert from 'node:assert/strict';
import { trimTrailingWhitespace } from '../../../src/completion/postprocess/trimTrailingWhitespace';

describe('trimTrailingWhitespace', () => {
  it('trims every line and drops trailing blank lines', () => {
    assert.equal(trimTrailingWhitespace('a(); \t\n  b();  \n\n  \n'), 'a();\n  b();');
  });
  it('keeps leading whitespace and a leading line break', () => {
    assert.equal(trimTrailingWhitespace('\n    x  '), '\n    x');
  });
  it('is linear on long runs of spaces', () => {
    const t = performance.now();
    trimTrailingWhitespace(' '.repeat(200_000) + 'x');
    assert.ok(performance.now() - t < 200);
  });
});
