import * as assert from 'node:assert/strict';
import { StopStrings } from '../../src/shared/stopStrings';

describe('StopStrings', () => {
  const stops = new StopStrings(['\n\n', '<|endoftext|>', 'END']);

  it('finds the earliest stop string', () => {
    assert.equal(stops.find('abc END\n\nx'), 4);
    assert.equal(stops.find('no stop here'), -1);
  });

  it('finds a stop string that began before the search start', () => {
    const text = 'foo<|endof';
    assert.equal(stops.find(text, 0), -1);
    assert.equal(stops.find(text + 'text|>', text.length), 3);
  });

  it('holds back a tail that may still become a stop string', () => {
    assert.equal(stops.safeLength('abc\n'), 3);
    assert.equal(stops.safeLength('abc<|endo'), 3);
    assert.equal(stops.safeLength('abcEN'), 3);
    assert.equal(stops.safeLength('abc'), 3);
    assert.equal(new StopStrings([]).safeLength('abc\n'), 4);
  });
});
