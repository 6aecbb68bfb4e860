import * as assert from 'node:assert/strict';
import { DocumentImports } from '../../src/context/importStatements';
import { DocumentTrees, type Tree } from '../../src/context/parser';
import { loadQuery } from '../../src/context/queries';

describe('context/importStatements: DocumentImports', () => {
  const head = "import { a } from './a';\nimport { b } from './b';\n";
  let trees: DocumentTrees;
  let parses = 0;
  const treeOf = (uri: string, text: string) => (): Tree | undefined => {
    parses++;
    return trees.tree(uri, text, 'typescript');
  };

  before(async () => {
    trees = new DocumentTrees({ timeoutMs: 5000 });
    await trees.open('file:///w/x.ts', 'typescript', head);
    await loadQuery('typescript', 'imports');
  });
  after(() => trees.dispose());

  it('reuses the statements while the text up to the last import is unchanged, and reads them again when it changes', () => {
    const imports = new DocumentImports();
    const uri = 'file:///w/m.ts';
    const first = imports.get(uri, 'typescript', `${head}const x = 1;\n`, treeOf(uri, `${head}const x = 1;\n`));
    assert.deepEqual(first?.map((s) => s.source), ['./a', './b']);
    const before = parses;
    // Typing below the imports: no query, the same statements.
    assert.equal(imports.get(uri, 'typescript', `${head}const x = 12;\n`, treeOf(uri, `${head}const x = 12;\n`)), first);
    assert.equal(parses, before);
    // An import edited: read again.
    const edited = head.replace("'./b'", "'./c'") + 'const x = 12;\n';
    trees.close(uri);
    assert.deepEqual(imports.get(uri, 'typescript', edited, treeOf(uri, edited))?.map((s) => s.source), ['./a', './c']);
    assert.equal(parses, before + 1);
  });
});
