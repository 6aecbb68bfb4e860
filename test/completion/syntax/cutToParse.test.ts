import * as assert from 'node:assert/strict';
import { ensureGrammar } from '../../../src/treeSitter/parser';
import { cutToParse } from '../../../src/completion/syntax/cutToParse';
import { atCursor, lines } from '../postprocess/atCursor';
import { RELAXED } from './relaxedLimits';

/** want: the completion as cut; undefined: dropped. */
const cases: { name: string; lang: string; doc: string; completion: string; want: string | undefined }[] = [
  // TypeScript
  {
    name: 'TS: a multi-line function body is kept whole',
    lang: 'typescript',
    doc: 'function sum(xs: number[]): number {\n  █\n}\n',
    completion: lines('let total = 0;', '  for (const x of xs) {', '    total += x;', '  }', '  return total;'),
    want: lines('let total = 0;', '  for (const x of xs) {', '    total += x;', '  }', '  return total;'),
  },
  {
    name: 'TS: closing one brace too many',
    lang: 'typescript',
    doc: 'function f() {\n  if (ok) {\n    █\n  }\n}\n',
    completion: lines('run();', '  }', '}'),
    want: 'run();',
  },
  {
    name: 'TS: a half statement at the end',
    lang: 'typescript',
    doc: 'function f(xs: number[]) {\n  █\n}\n',
    completion: lines('const total = xs.reduce((a, b) => a + b, 0);', '  return total +'),
    want: 'const total = xs.reduce((a, b) => a + b, 0);',
  },
  {
    name: 'TS: an unbalanced string is dropped',
    lang: 'typescript',
    doc: 'function f() {\n  log(█);\n}\n',
    completion: '"hello);',
    want: undefined,
  },
  {
    name: 'TS: one `)` too many is cut at a token',
    lang: 'typescript',
    doc: 'function f() {\n  █\n}\n',
    completion: 'foo(a, b));',
    want: 'foo(a, b)',
  },
  {
    name: 'TS: arguments that the suffix closes',
    lang: 'typescript',
    doc: 'const x = foo(█);\n',
    completion: 'a, b',
    want: 'a, b',
  },
  {
    name: 'TS: completing a half-typed line',
    lang: 'typescript',
    doc: 'function f() {\n  const x = █\n}\n',
    completion: 'compute(1, 2);',
    want: 'compute(1, 2);',
  },
  {
    name: 'TS: errors elsewhere in the file do not cause a drop',
    lang: 'typescript',
    doc: 'const broken = (;\n\nfunction f() {\n  █\n}\n\nlet y = ;\n',
    completion: lines('const a = 1;', '  return a;'),
    want: lines('const a = 1;', '  return a;'),
  },
  {
    name: 'TS: errors elsewhere, and one brace too many',
    lang: 'typescript',
    doc: 'const broken = (;\n\nfunction f() {\n  █\n}\n\nlet y = ;\n',
    completion: lines('return 1;', '}', '}'),
    want: 'return 1;',
  },
  {
    name: 'TS: window starting mid-function (an unmatched `}` above)',
    lang: 'typescript',
    doc: '  a();\n}\n\nfunction f() {\n  █\n}\n',
    completion: lines('b();', '}', '}'),
    want: 'b();',
  },
  // Python
  {
    name: 'Python: a multi-line body is kept whole',
    lang: 'python',
    doc: 'def f(x):\n    █\n',
    completion: lines('if x:', '        return 1', '    return 2'),
    want: lines('if x:', '        return 1', '    return 2'),
  },
  {
    name: 'Python: a broken line cuts the rest',
    lang: 'python',
    doc: 'def f(x):\n    █\n',
    completion: lines('total = 0', '    for i in range(x:', '        total += i', '    return total'),
    want: 'total = 0',
  },
  {
    name: 'Python: one `]` too many',
    lang: 'python',
    doc: 'def f():\n    █\n',
    completion: 'ys = [1, 2, 3]]',
    want: 'ys = [1, 2, 3]',
  },
  {
    name: 'Python: unbalanced string',
    lang: 'python',
    doc: 'def f():\n    print(█)\n',
    completion: '"hello',
    want: undefined,
  },
  // Go
  {
    name: 'Go: a body is kept whole',
    lang: 'go',
    doc: 'package main\n\nfunc run() error {\n\t█\n}\n',
    completion: lines('if err := step(); err != nil {', '\t\treturn err', '\t}', '\treturn nil'),
    want: lines('if err := step(); err != nil {', '\t\treturn err', '\t}', '\treturn nil'),
  },
  {
    name: 'Go: closing one brace too many',
    lang: 'go',
    doc: 'package main\n\nfunc main() {\n\tfor {\n\t\t█\n\t}\n}\n',
    completion: lines('fmt.Println("hi")', '\t}', '}'),
    want: 'fmt.Println("hi")',
  },
  // Rust
  {
    name: 'Rust: a body is kept whole',
    lang: 'rust',
    doc: 'fn main() {\n    █\n}\n',
    completion: lines('let v = vec![1, 2, 3];', '    println!("{:?}", v);'),
    want: lines('let v = vec![1, 2, 3];', '    println!("{:?}", v);'),
  },
  {
    name: 'Rust: a half statement at the end',
    lang: 'rust',
    doc: 'fn main() {\n    █\n}\n',
    completion: lines('let v = vec![1, 2, 3];', '    let n = v.iter().map(|x| x * 2'),
    want: 'let v = vec![1, 2, 3];',
  },
  // Java
  {
    name: 'Java: a body is kept whole',
    lang: 'java',
    doc: 'class A {\n    int f(int x) {\n        █\n    }\n}\n',
    completion: lines('int y = x * 2;', '        return y;'),
    want: lines('int y = x * 2;', '        return y;'),
  },
  {
    name: 'Java: closing one brace too many',
    lang: 'java',
    doc: 'class A {\n    int f(int x) {\n        █\n    }\n}\n',
    completion: lines('return x;', '    }', '}'),
    want: 'return x;',
  },
  // C
  {
    name: 'C: a body is kept whole',
    lang: 'c',
    doc: '#include <stdio.h>\n\nint main(void) {\n    █\n}\n',
    completion: lines('printf("hi\\n");', '    return 0;'),
    want: lines('printf("hi\\n");', '    return 0;'),
  },
  {
    name: 'C: a half statement at the end',
    lang: 'c',
    doc: '#include <stdio.h>\n\nint main(void) {\n    █\n}\n',
    completion: lines('int x = 1;', '    int y = x +'),
    want: 'int x = 1;',
  },
  {
    name: 'C: an unbalanced string',
    lang: 'c',
    doc: '#include <stdio.h>\n\nint main(void) {\n    █\n    return 0;\n}\n',
    completion: 'puts("hi);',
    want: undefined,
  },
  // Languages without a grammar: unchanged, however broken.
  { name: 'Ruby: no grammar', lang: 'ruby', doc: 'def f\n  █\nend\n', completion: 'x = [1, 2))', want: 'x = [1, 2))' },
  { name: 'YAML: no grammar', lang: 'yaml', doc: 'a:\n  █\n', completion: 'b: "c', want: 'b: "c' },
];

describe('syntax/cutToParse', () => {
  before(async () => {
    for (const lang of new Set(cases.map((c) => c.lang))) await ensureGrammar(lang);
  });

  for (const c of cases) {
    it(c.name, () => {
      assert.equal(cutToParse(c.completion, atCursor(c.doc, c.lang), RELAXED), c.want);
    });
  }

  it('leaves the text unchanged while the grammar loads, and cuts once it has', async () => {
    // No case above loads the javascript grammar; another test file in the same run may have (then it cuts at once).
    const pos = atCursor('█\nfoo();', 'javascript');
    assert.ok(['a(;', undefined, 'a'].includes(cutToParse('a(;', pos, RELAXED)));
    await ensureGrammar('javascript');
    assert.equal(cutToParse('a(;', pos, RELAXED), 'a');
  });
});
