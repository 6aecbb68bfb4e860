import * as assert from 'node:assert/strict';
import { languageSyntax } from '../../../src/completion/postprocess/languageSyntax';

describe('languageSyntax', () => {
  it('shares one C-like entry across brace languages', () => {
    assert.equal(languageSyntax('java'), languageSyntax('c'));
    assert.equal(languageSyntax('typescriptreact'), languageSyntax('typescript'));
  });
  it('gives unknown and odd ids the generic entry', () => {
    const generic = languageSyntax('no-such-language');
    assert.equal(languageSyntax('toString'), generic);
    assert.equal(languageSyntax(undefined as unknown as string), generic);
    assert.deepEqual(generic.lineComments, []);
  });
  it('knows Python blocks by scope and continuation keywords', () => {
    const py = languageSyntax('python');
    assert.ok(py.scopeStart?.test('    async def run(self):'));
    assert.ok(py.continuation?.test('elif x:'));
  });
});
