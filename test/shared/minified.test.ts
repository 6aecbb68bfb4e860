import * as assert from 'node:assert/strict';
import { hasMinifiedLine, MINIFIED_LINE_CHARS } from '../../src/shared/minified';

describe('hasMinifiedLine', () => {
  it('finds a line over the limit anywhere, and none in ordinary code', () => {
    const long = 'x'.repeat(MINIFIED_LINE_CHARS + 1);
    assert.equal(hasMinifiedLine(long), true);
    assert.equal(hasMinifiedLine(`a\n${long}\nb`), true);
    assert.equal(hasMinifiedLine(`a\nb\n${long}`), true);
    assert.equal(hasMinifiedLine('x'.repeat(MINIFIED_LINE_CHARS)), false);
    assert.equal(hasMinifiedLine('function f() {\n  return 1;\n}\n'.repeat(1000)), false);
    assert.equal(hasMinifiedLine(''), false);
  });
});
