import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { enclosingScopes } from '../../src/context/enclosingScopes';
import { grammarFor } from '../../src/languages/languages';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { loadQuery } from '../../src/treeSitter/queries';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'grammars');

/** The enclosing-scopes snippet at the first occurrence of `marker` in a fixture. */
async function scopesAt(fixture: string, languageId: string, marker: string, prefixStartLine: number) {
  const text = fs.readFileSync(path.join(FIXTURES, fixture), 'utf8');
  const grammar = grammarFor(languageId)!;
  await loadQuery(grammar, 'scopes');
  const trees = new DocumentTrees({ timeoutMs: 5000 });
  const tree = (await trees.open(fixture, languageId, text))!;
  const cursorOffset = text.indexOf(marker);
  assert.ok(cursorOffset >= 0, marker);
  const snippet = enclosingScopes({ tree, grammar, text, cursorOffset, prefixStartLine, path: `src/${fixture}` });
  trees.dispose();
  return snippet;
}

describe('context/enclosingScopes', () => {
  it('gives the signatures of the class, method and callback around the cursor, outermost first', async () => {
    const snippet = await scopesAt('typescript.ts.txt', 'typescript', 'return line.trim()', 36);
    assert.equal(snippet?.text, [
      'export class Circle extends Base<number> {',
      '  async load(file: string, options: Opts = {}): Promise<string> {',
      '    return [text].map((line) => {',
    ].join('\n'));
    assert.equal(snippet.source, 'scopes');
    assert.equal(snippet.path, 'src/typescript.ts.txt');
    assert.deepEqual(snippet.range, { startLine: 23, endLine: 34 });
  });

  it('leaves out scopes that start inside the prefix window', async () => {
    // The window starts at line 34 (0-based 33: the `async load` line): only the class is above it.
    const snippet = await scopesAt('typescript.ts.txt', 'typescript', 'return line.trim()', 32);
    assert.equal(snippet?.text, 'export class Circle extends Base<number> {');
    assert.equal(await scopesAt('typescript.ts.txt', 'typescript', 'return line.trim()', 20), undefined);
  });

  it('gives nothing at the top level or in a signature being typed', async () => {
    assert.equal(await scopesAt('typescript.ts.txt', 'typescript', 'export const LIMIT', 100), undefined);
    const inSignature = await scopesAt('typescript.ts.txt', 'typescript', 'file: string, options', 100);
    assert.equal(inSignature?.text, 'export class Circle extends Base<number> {');
  });

  it('keeps multi-line Python signatures whole, up to the colon', async () => {
    const snippet = await scopesAt('python.py.txt', 'python', 'self.users[key(user)]', 100);
    assert.equal(snippet?.text, [
      'class Repository(object):',
      '    def add(',
      '        self,',
      '        user: User,',
      '        replace: bool = False,',
      '    ) -> None:',
    ].join('\n'));
  });

  it('counts offsets in UTF-16 units past non-ASCII text', async () => {
    const text = `const s = '${'é😀'.repeat(3000)}';\nclass Ünïcode {\n  método(ß: string) {\n${'    x++;\n'.repeat(20)}    \n  }\n}\n`;
    await loadQuery('typescript', 'scopes');
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const tree = (await trees.open('u.ts', 'typescript', text))!;
    const cursorOffset = text.indexOf('    \n  }') + 4;
    const snippet = enclosingScopes({ tree, grammar: 'typescript', text, cursorOffset, prefixStartLine: 10, path: 'u.ts' });
    assert.equal(snippet?.text, 'class Ünïcode {\n  método(ß: string) {');
    trees.dispose();
  });

  const others: [string, string, string, string[]][] = [
    ['go.go.txt', 'go', 'return str.EqualFold', ['func (s *Store) Find(name string) (*models.User, error) {', '\tmatch := func(u models.User) bool {']],
    ['rust.rs.txt', 'rust', 'k.to_lowercase()', ['impl Store {', '    pub fn names(&self) -> Vec<String> {', '        self.users.keys().map(|k| {']],
    ['java.java.txt', 'java', 'return item.name()', ['public class Store<T extends Named> implements Finder<T> {', '    @Override', '    public T find(String name) {', '        Predicate<T> match = item -> {']],
    ['c.c.txt', 'c', 'total = MAX', ['int count_users(const user_t *users, int n)', '{']],
    ['cpp.cpp.txt', 'cpp', 'return u.name == name', ['namespace app {', 'class Store : public Finder {', '    const User* find(const string& name) const override {', '        auto match = [&](const User& u) {']],
    ['csharp.cs.txt', 'csharp', 'return string.Equals', ['namespace App.Store', '{', '    public class Store : IFinder', '    {', '        public User Find(string name)', '        {', '            bool Matches(User u)', '            {']],
    ['javascript.js.txt', 'javascript', 'callback(err', ['export function load(file, callback) {', '  fs.readFile(file, function (err, data) {']],
    ['tsx.tsx.txt', 'typescriptreact', 'setCount(count + 1)', ['export function Counter({ label }: Props) {', '  const onClick = () => {']],
  ];
  for (const [fixture, languageId, marker, expected] of others) {
    it(`works in ${languageId}`, async () => {
      assert.equal((await scopesAt(fixture, languageId, marker, 1000))?.text, expected.join('\n'));
    });
  }
});

describe('context/enclosingScopes on pathological input', () => {
  it('stays bounded in 3,000-deep nested functions', async () => {
    const depth = 3000;
    let text = '';
    for (let i = 0; i < depth; i++) text += `${' '.repeat(i % 40)}function f${i}() {\n`;
    const cursorOffset = text.length;
    text += '}\n'.repeat(depth);
    await loadQuery('javascript', 'scopes');
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const tree = await trees.open('deep.js', 'javascript', text);
    if (!tree) return; // a parse that times out gives no scopes, which is bounded too
    const started = performance.now();
    const snippet = enclosingScopes({ tree, grammar: 'javascript', text, cursorOffset, prefixStartLine: depth, path: 'deep.js' });
    const ms = performance.now() - started;
    console.log(`      3,000-deep nesting: ${snippet?.text.split('\n').length ?? 0} signatures in ${ms.toFixed(1)} ms`);
    assert.ok(ms < 2000);
    assert.ok(snippet && snippet.text.split("\n").length <= 50);
    trees.dispose();
  });
});
