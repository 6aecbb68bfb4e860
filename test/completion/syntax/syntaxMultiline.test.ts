import * as assert from 'node:assert/strict';
import { ensureGrammar } from '../../../src/treeSitter/parser';
import { syntaxMultiline } from '../../../src/completion/syntax/syntaxMultiline';
import { atCursor } from '../postprocess/atCursor';
import { RELAXED } from './relaxedLimits';

/** undefined: the tree has no answer and shouldBeMultiline's text rules decide. */
const cases: { name: string; lang: string; doc: string; want: boolean | undefined }[] = [
  { name: 'TS: end of `function f() {` above a `}`', lang: 'typescript', doc: 'function f() {█\n}', want: true },
  { name: 'TS: blank line in an empty body', lang: 'typescript', doc: 'function f() {\n  █\n}', want: true },
  { name: 'TS: `{█}` auto-closed', lang: 'typescript', doc: 'if (ok) {█}', want: true },
  { name: 'TS: `{█});` callback in an argument list', lang: 'typescript', doc: 'useEffect(() => {█});', want: true },
  { name: 'TS: empty class body', lang: 'typescript', doc: 'class A {\n  █\n}\n', want: true },
  { name: 'TS: empty `case 1:`', lang: 'typescript', doc: 'switch (x) {\n  case 1:█\n}', want: true },
  { name: 'TS: block that already has a body', lang: 'typescript', doc: 'if (ok) {█\n  run();\n}', want: false },
  { name: 'TS: text after the cursor', lang: 'typescript', doc: 'if (ok) {█ run(); }', want: false },
  { name: 'TS: blank line after a statement', lang: 'typescript', doc: 'function f() {\n  a();\n  █\n}', want: false },
  { name: 'TS: `(█)` arguments', lang: 'typescript', doc: 'foo(█)', want: false },
  { name: 'TS: mid-expression', lang: 'typescript', doc: 'const x = a +█ b;', want: false },
  { name: 'TS: in a string', lang: 'typescript', doc: 'const s = "{█";', want: false },
  { name: 'TS: in a line comment ending in `{`', lang: 'typescript', doc: '// config {█\nfoo();', want: false },
  { name: 'TS: in a template literal', lang: 'typescript', doc: 'const s = `a {█ b`;', want: false },
  { name: 'TS: in a template substitution: code', lang: 'typescript', doc: 'const s = `a ${f(█)}`;', want: false },
  { name: 'TS: blank line under a `{` in a comment', lang: 'typescript', doc: 'function f() {\n  a(); // {\n  █\n}', want: false },
  { name: 'TS: `{` at the end of the file: error, text rules', lang: 'typescript', doc: 'function f() {█', want: undefined },
  { name: 'TS: `foo(` at the end of the file: error, text rules', lang: 'typescript', doc: 'foo(█', want: undefined },
  { name: 'TS: half-typed line above: error, text rules', lang: 'typescript', doc: 'function f() {\n  const x = \n  █\n}', want: undefined },
  { name: 'TS: `=>`: the tree cannot tell', lang: 'typescript', doc: 'const f = (x: number) =>█\nfoo();', want: undefined },
  { name: 'TS: object literal `{`', lang: 'typescript', doc: 'const o = {█};', want: undefined },
  { name: 'TS: an error elsewhere does not matter', lang: 'typescript', doc: 'const a = (;\n\nfunction f() {\n  █\n}', want: true },
  { name: 'Python: blank line under `def f():`', lang: 'python', doc: 'def f():\n    █', want: true },
  { name: 'Python: end of `class A:`', lang: 'python', doc: 'class A:█\n', want: true },
  { name: 'Python: blank line under `else:`', lang: 'python', doc: 'if x:\n    a()\nelse:\n    █\n', want: true },
  { name: 'Python: body with code below', lang: 'python', doc: 'def f():\n    █\n    return 1', want: false },
  { name: 'Python: slice colon', lang: 'python', doc: 'ys = xs[1:█]', want: false },
  { name: 'Python: lambda in a call', lang: 'python', doc: 'ys = map(lambda x:█ x, xs)', want: false },
  { name: 'Python: in a docstring', lang: 'python', doc: 'def f():\n    """Returns:█"""\n', want: false },
  { name: 'Python: in a comment', lang: 'python', doc: 'x = 1  # note:█\n', want: false },
  { name: 'Go: `func main() {`', lang: 'go', doc: 'package main\n\nfunc main() {█\n}', want: true },
  { name: 'Go: empty switch', lang: 'go', doc: 'package main\n\nfunc f(x int) {\n\tswitch x {\n\t█\n\t}\n}', want: true },
  { name: 'Go: raw string', lang: 'go', doc: 'package main\n\nvar s = `a {█`\n', want: false },
  { name: 'Rust: `match x {`', lang: 'rust', doc: "fn f<'a>(x: &'a str) {\n    match x {█\n    }\n}", want: true },
  { name: 'Rust: call arguments', lang: 'rust', doc: 'fn f() {\n    g(1, █);\n}', want: false },
  { name: 'Java: blank line in an empty method', lang: 'java', doc: 'class A {\n    void f() {\n        █\n    }\n}', want: true },
  { name: 'Java: empty `case 1:`', lang: 'java', doc: 'class A {\n    void f(int x) {\n        switch (x) {\n            case 1:█\n        }\n    }\n}', want: true },
  { name: 'Java: method with a body', lang: 'java', doc: 'class A {\n    void f() {█\n        g();\n    }\n}', want: false },
  { name: 'C: empty function body', lang: 'c', doc: '#include <stdio.h>\n\nint main(void) {\n    █\n}\n', want: true },
  { name: 'C: `#include` line', lang: 'c', doc: '#include <stdio.h>█\n', want: false },
  { name: 'C: char literal', lang: 'c', doc: "char c = '{█';\n", want: false },
  { name: 'C#: empty method', lang: 'csharp', doc: 'class A {\n    void F() {\n        █\n    }\n}', want: true },
  { name: 'C++: empty struct', lang: 'cpp', doc: 'struct A {\n    █\n};', want: true },
  { name: 'Ruby: no grammar', lang: 'ruby', doc: 'xs.each do |x|█\nend', want: undefined },
  { name: 'YAML: no grammar', lang: 'yaml', doc: 'services:█', want: undefined },
];

describe('syntax/syntaxMultiline', () => {
  before(async () => {
    for (const lang of new Set(cases.map((c) => c.lang))) await ensureGrammar(lang);
  });

  for (const c of cases) {
    it(c.name, () => {
      assert.equal(syntaxMultiline(atCursor(c.doc, c.lang), RELAXED), c.want);
    });
  }

  it('says nothing while the grammar loads, and answers once it has', async () => {
    // No case above loads the javascript grammar; another test file in the same run may have.
    const pos = atCursor('function f() {\n  █\n}', 'javascript');
    assert.ok([undefined, true].includes(syntaxMultiline(pos, RELAXED)));
    await ensureGrammar('javascript');
    assert.equal(syntaxMultiline(pos, RELAXED), true);
  });

  it('never throws on malformed positions', () => {
    const bad = { prefix: undefined, suffix: null, languageId: 42 } as unknown as Parameters<typeof syntaxMultiline>[0];
    assert.equal(syntaxMultiline(bad), undefined);
  });
});
