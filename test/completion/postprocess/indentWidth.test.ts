import * as assert from 'node:assert/strict';
import { indentWidth } from '../../../src/completion/postprocess/indentWidth';

describe('indentWidth', () => {
  it('counts spaces', () => assert.equal(indentWidth('    x'), 4));
  it('advances tabs to the next stop of 4', () => {
    assert.equal(indentWidth('\tx'), 4);
    assert.equal(indentWidth('  \tx'), 4);
    assert.equal(indentWidth('\t  x'), 6);
  });
  it('counts a blank line whole', () => assert.equal(indentWidth('   '), 3));
  it('is 0 without indentation', () => assert.equal(indentWidth('x  '), 0));
});
