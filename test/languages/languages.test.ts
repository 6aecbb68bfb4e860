import * as assert from 'node:assert/strict';
import { GRAMMAR_IDS } from '../../src/languages/grammars';
import { grammarFor, LANGUAGES, languageSyntax } from '../../src/languages/languages';

describe('languages/languages', () => {
  it('maps language ids to grammars, and none for the rest', () => {
    assert.equal(grammarFor('typescriptreact'), 'tsx');
    assert.equal(grammarFor('csharp'), 'csharp');
    assert.equal(grammarFor('plaintext'), undefined);
    assert.equal(grammarFor('toString'), undefined);
  });

  it('gives every shipped grammar to some language', () => {
    const used = new Set(Object.values(LANGUAGES).map((language) => language.grammar));
    for (const grammar of GRAMMAR_IDS) assert.ok(used.has(grammar), grammar);
  });

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
