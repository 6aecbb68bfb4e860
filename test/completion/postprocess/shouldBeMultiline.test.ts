import * as assert from 'node:assert/strict';
import { shouldBeMultiline } from '../../../src/completion/postprocess/shouldBeMultiline';
import { atCursor } from './atCursor';

const cases: { name: string; lang: string; doc: string; want: boolean }[] = [
  { name: 'TS: end of `function f() {` above a `}`', lang: 'typescript', doc: 'function f() {█\n}', want: true },
  { name: 'TS: `{` at the end of the file', lang: 'typescript', doc: 'function f() {█', want: true },
  { name: 'TS: `{█}` auto-closed', lang: 'typescript', doc: 'if (ok) {█}', want: true },
  { name: 'TS: `{█});` callback', lang: 'typescript', doc: 'useEffect(() => {█});', want: true },
  { name: 'TS: block that already has a body', lang: 'typescript', doc: 'if (ok) {█\n  run();\n}', want: false },
  { name: 'TS: text after the cursor', lang: 'typescript', doc: 'if (ok) {█ run(); }', want: false },
  { name: 'TS: `=>` with nothing after', lang: 'typescript', doc: 'const f = (x: number) =>█', want: true },
  { name: 'TS: `(` with nothing after', lang: 'typescript', doc: 'foo(█', want: true },
  { name: 'TS: `(█)` auto-closed: arguments on this line', lang: 'typescript', doc: 'foo(█)', want: false },
  { name: 'TS: `[█]` auto-closed', lang: 'typescript', doc: 'const xs = [█];', want: false },
  { name: 'TS: mid-statement', lang: 'typescript', doc: 'const x = █', want: false },
  { name: 'TS: blank line in an empty body', lang: 'typescript', doc: 'function f() {\n  █\n}', want: true },
  { name: 'TS: blank line after a statement', lang: 'typescript', doc: 'function f() {\n  a();\n  █\n}', want: false },
  { name: 'TS: blank line in a body with code below', lang: 'typescript', doc: 'function f() {\n  █\n  a();\n}', want: false },
  { name: 'TS: `{` inside a line comment', lang: 'typescript', doc: '// config {█', want: false },
  { name: 'TS: `{` inside a string', lang: 'typescript', doc: 'const s = "{█', want: false },
  { name: 'TS: `case 1:`', lang: 'typescript', doc: 'switch (x) {\n  case 1:█\n}', want: true },
  { name: 'Python: `def f():` at the end of the file', lang: 'python', doc: 'def f():█', want: true },
  { name: 'Python: blank line under `def f():`', lang: 'python', doc: 'def f():\n    █', want: true },
  { name: 'Python: blank line under `if x:` with code below at the if level', lang: 'python', doc: 'def f(x):\n    if x:\n        █\n    return 1', want: true },
  { name: 'Python: blank line in a body with code below', lang: 'python', doc: 'def f():\n    █\n    return 1', want: false },
  { name: 'Python: slice colon', lang: 'python', doc: 'ys = xs[1:█]', want: false },
  { name: 'Python: dict value on its own line', lang: 'python', doc: 'd = {\n    "a":█\n}', want: false },
  { name: 'Python: lambda in a call', lang: 'python', doc: 'ys = map(lambda x:█)', want: false },
  { name: 'Python: inside a docstring', lang: 'python', doc: 'def f():\n    """Returns:█', want: false },
  { name: 'Go: `func main() {`', lang: 'go', doc: 'func main() {█\n}', want: true },
  { name: 'Rust: `match x {`', lang: 'rust', doc: "fn f<'a>(x: &'a str) {\n    match x {█\n    }\n}", want: true },
  { name: 'Java: blank line in an empty method', lang: 'java', doc: 'class A {\n    void f() {\n        █\n    }\n}', want: true },
  { name: 'C: `#include` line', lang: 'c', doc: '#include <stdio.h>█', want: false },
  { name: 'Ruby: `do |x|`', lang: 'ruby', doc: 'xs.each do |x|█\nend', want: true },
  { name: 'Lua: `then`', lang: 'lua', doc: 'if x then█\nend', want: true },
  { name: 'Shell: `then`', lang: 'shellscript', doc: 'if [ -f x ]; then█\nfi', want: true },
  { name: 'YAML: `key:`', lang: 'yaml', doc: 'services:█', want: true },
  { name: 'unknown language: `{`', lang: 'plaintext', doc: 'x {█', want: true },
];

describe('shouldBeMultiline', () => {
  for (const c of cases) {
    it(`auto: ${c.name}`, () => {
      assert.equal(shouldBeMultiline(atCursor(c.doc, c.lang), 'auto'), c.want);
    });
  }

  it("'always' and 'never' force the answer", () => {
    const opener = atCursor('function f() {█\n}', 'typescript');
    const statement = atCursor('const x = █', 'typescript');
    assert.equal(shouldBeMultiline(opener, 'never'), false);
    assert.equal(shouldBeMultiline(statement, 'always'), true);
  });

  it('never throws on malformed positions', () => {
    const bad = { prefix: undefined, suffix: null, languageId: 42 } as unknown as Parameters<typeof shouldBeMultiline>[0];
    assert.equal(shouldBeMultiline(bad, 'auto'), false);
  });
});
