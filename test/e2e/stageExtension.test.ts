import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GRAMMAR_IDS, GRAMMARS } from '../../src/languages/grammars';
import { QUERY_KINDS } from '../../src/treeSitter/queries';
import { stageExtension } from './stageExtension';

/** The installed layout (what `npm start` serves) must carry everything the bundles load at run time. */
describe('staged extension', function () {
  this.timeout(120_000);
  let target: string;

  before(() => {
    target = stageExtension(fs.mkdtempSync(path.join(os.tmpdir(), 'slm-stage-')));
  });
  after(() => fs.rmSync(path.dirname(target), { recursive: true, force: true }));

  it('resolves tree-sitter and every grammar from dist/, as the bundle does', () => {
    const requests = ['web-tree-sitter', 'web-tree-sitter/web-tree-sitter.wasm', ...Object.values(GRAMMARS).map((grammar) => grammar.wasm)];
    // A fresh node, so that the repository's own node_modules cannot answer.
    const script = `for (const r of ${JSON.stringify(requests)}) { const p = require.resolve(r, { paths: [${JSON.stringify(path.join(target, 'dist'))}] }); if (!p.startsWith(${JSON.stringify(target)})) throw new Error(r + ' resolved outside: ' + p); } require(require.resolve('web-tree-sitter', { paths: [${JSON.stringify(path.join(target, 'dist'))}] }));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('carries the queries of every grammar', () => {
    const grammars = fs.readdirSync(path.join(target, 'syntaxes'));
    for (const grammar of GRAMMAR_IDS) {
      assert.ok(grammars.includes(grammar), grammar);
      for (const kind of QUERY_KINDS) assert.ok(fs.existsSync(path.join(target, 'syntaxes', grammar, `${kind}.scm`)), `${grammar}/${kind}.scm`);
    }
  });
});
