import * as assert from 'node:assert/strict';
import { DocumentImports } from '../../src/context/importStatements';
import { DocumentTrees, type Tree } from '../../src/treeSitter/parser';
import { loadQuery } from '../../src/treeSitter/queries';

describe('context/importStatements: DocumentImports', () => {
  const head = "import { a } from './a';\nimport { b } from './b';\n";
  let trees: DocumentTrees;
  let parses = 0;
  /** A fresh parse of `text` (no incremental edit): what the document's tree would be. */
  const treeOf2 = (uri: string, text: string) => (): Tree | undefined => {
    trees.close(uri);
    return trees.tree(uri, text, 'javascript');
  };
  const treeOf = (uri: string, text: string) => (): Tree | undefined => {
    parses++;
    return trees.tree(uri, text, 'typescript');
  };

  before(async () => {
    trees = new DocumentTrees({ timeoutMs: 5000 });
    await trees.open('file:///w/x.ts', 'typescript', head);
    await loadQuery('typescript', 'imports');
    await loadQuery('javascript', 'imports');
    await trees.open('file:///w/y.js', 'javascript', '');
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

  it('keeps the statements of a file that requires at its end while a half-typed line above leaves them unparseable', () => {
    const imports = new DocumentImports();
    const uri = 'file:///w/tail.js';
    const body = 'function f(a) {\n  return a;\n}\n';
    const tail = "const re = require('./re');\nconst debug = require('./debug');\n";
    const text = body + tail;
    trees.close(uri);
    const first = imports.get(uri, 'javascript', text, treeOf2(uri, text));
    assert.deepEqual(first?.map((s) => s.source), ['./re', './debug']);
    const typed = body.replace('return a;', 'return a ? re[') + tail;
    const kept = imports.get(uri, 'javascript', typed, treeOf2(uri, typed));
    assert.deepEqual(kept?.map((s) => s.source), ['./re', './debug']);
    const shift = typed.length - text.length;
    assert.deepEqual(kept?.map((s) => typed.slice(s.startIndex, s.endIndex)), first?.map((s) => text.slice(s.startIndex, s.endIndex)));
    assert.ok(shift > 0);
  });
});
