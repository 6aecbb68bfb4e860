import * as assert from 'node:assert/strict';
import { ResultCache, TypedAhead } from '../../src/completion/resultCache';

describe('ResultCache', () => {
  it('finds a completion by the text around the cursor', () => {
    const cache = new ResultCache();
    cache.set('a'.repeat(2000) + 'const x = ', ';\n', '42');
    assert.equal(cache.get('b'.repeat(2000) + 'a'.repeat(900) + 'const x = ', ';\n'), '42');
    assert.equal(cache.get('const x = ', ';\n'), undefined);
    assert.equal(cache.get('a'.repeat(2000) + 'const x = ', ')\n'), undefined);
  });
});

describe('TypedAhead', () => {
  const t = new TypedAhead();
  t.remember('doc', 'let total = ', ';', 'items.length');

  it('serves the rest of the suggestion while the user types it', () => {
    assert.equal(t.match('doc', 'let total = it', ';'), 'ems.length');
    assert.equal(t.match('doc', 'let total = items.', ';'), 'length');
  });

  it('does not match other text, other documents, a changed suffix, or the whole suggestion typed', () => {
    assert.equal(t.match('doc', 'let total = x', ';'), undefined);
    assert.equal(t.match('other', 'let total = it', ';'), undefined);
    assert.equal(t.match('doc', 'let total = it', ')'), undefined);
    assert.equal(t.match('doc', 'let total = items.length', ';'), undefined);
    assert.equal(t.match('doc', 'let total = ', ';'), undefined);
  });
});
