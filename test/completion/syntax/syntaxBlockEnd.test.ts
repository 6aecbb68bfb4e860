import * as assert from 'node:assert/strict';
import { ensureGrammar } from '../../../src/treeSitter/parser';
import { syntaxBlockEnd } from '../../../src/completion/syntax/syntaxBlockEnd';
import { atCursor, lines } from '../postprocess/atCursor';
import { RELAXED } from './relaxedLimits';

const cases: { name: string; lang: string; doc: string; completion: string; want: string | undefined }[] = [
  {
    name: 'TS: stops after the closer of an unclosed function, before the next one',
    lang: 'typescript',
    doc: 'function f() {\n  █',
    completion: lines('return 1;', '}', '', 'function g() {', '  return 2;', '}'),
    want: lines('return 1;', '}'),
  },
  {
    name: 'TS: keeps `});` with the closer',
    lang: 'typescript',
    doc: 'it("a", () => {\n  █',
    completion: lines('expect(1).toBe(1);', '});', '', 'it("b", () => {});'),
    want: lines('expect(1).toBe(1);', '});'),
  },
  {
    name: 'TS: drops `} else {`',
    lang: 'typescript',
    doc: 'function f() {\n  if (ok) {\n    █\n  }\n}\n',
    completion: lines('run();', '  } else {', '    stop();'),
    want: 'run();',
  },
  {
    name: 'TS: a completion that stays in its block is unchanged',
    lang: 'typescript',
    doc: 'function f() {\n  █\n}\n',
    completion: lines('if (ok) {', '    run();', '  }', '  return 1;'),
    want: lines('if (ok) {', '    run();', '  }', '  return 1;'),
  },
  {
    name: 'Python: stops at the end of the body, before the next def',
    lang: 'python',
    doc: 'def f(x):\n    █',
    completion: lines('return x * 2', '', 'def g():', '    pass'),
    want: 'return x * 2',
  },
  {
    name: 'Python: a nested block inside the body is kept',
    lang: 'python',
    doc: 'def f(x):\n    █',
    completion: lines('if x:', '        return 1', '    return 2'),
    want: lines('if x:', '        return 1', '    return 2'),
  },
  {
    name: 'Go: stops after the closer, before the next func',
    lang: 'go',
    doc: 'package main\n\nfunc main() {\n\t█',
    completion: lines('run()', '}', '', 'func run() {', '}'),
    want: lines('run()', '}'),
  },
  {
    name: 'Rust: stops after the closer',
    lang: 'rust',
    doc: 'fn main() {\n    █',
    completion: lines('run();', '}', '', 'fn run() {}'),
    want: lines('run();', '}'),
  },
  {
    name: 'Java: stops at the end of the method',
    lang: 'java',
    doc: 'class A {\n    int f() {\n        █',
    completion: lines('return 1;', '    }', '', '    int g() {', '        return 2;', '    }'),
    want: lines('return 1;', '    }'),
  },
  {
    name: 'C: stops after the closer',
    lang: 'c',
    doc: 'int main(void) {\n    █',
    completion: lines('return 0;', '}', '', 'int other(void) {', '    return 1;', '}'),
    want: lines('return 0;', '}'),
  },
  {
    name: 'C: a switch arm ends at the next case',
    lang: 'c',
    doc: 'void f(int x) {\n    switch (x) {\n    case 1:\n        █\n    }\n}\n',
    completion: lines('a();', '        break;', '    case 2:', '        b();'),
    want: lines('a();', '        break;'),
  },
  { name: 'Ruby: no grammar', lang: 'ruby', doc: 'def f\n  █', completion: lines('1', 'end', '', 'def g', 'end'), want: lines('1', 'end', '', 'def g', 'end') },
];

describe('syntax/syntaxBlockEnd', () => {
  before(async () => {
    for (const lang of new Set(cases.map((c) => c.lang))) await ensureGrammar(lang);
  });

  for (const c of cases) {
    it(c.name, () => {
      assert.equal(syntaxBlockEnd(c.completion, atCursor(c.doc, c.lang), RELAXED), c.want);
    });
  }
});
