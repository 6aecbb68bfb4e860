import * as assert from 'node:assert/strict';
import type { Eol, IndentOptions } from '../../src/shared/indentation';
import { reindent } from '../../src/chat/reindent';

const SPACES_4: IndentOptions = { insertSpaces: true, tabSize: 4 };
const SPACES_2: IndentOptions = { insertSpaces: true, tabSize: 2 };
const TABS_4: IndentOptions = { insertSpaces: false, tabSize: 4 };
const TABS_8: IndentOptions = { insertSpaces: false, tabSize: 8 };

/** `code`: the model's answer; `original`: the selected lines as in the document. */
const cases: { name: string; code: string; original: string; indent: IndentOptions; eol?: Eol; want: string }[] = [
  {
    name: 'dedented answer goes to the selection base (method body at 8)',
    code: 'total = sum(i.price for i in self.items)\nreturn total',
    original: '        total = 0\n        for i in self.items:\n            total += i.price\n        return total\n',
    indent: SPACES_4,
    want: '        total = sum(i.price for i in self.items)\n        return total\n',
  },
  {
    name: 'answer at the original depth stays there',
    code: '    def area(self):\n        return self.w * self.h',
    original: '    def area(self):\n        return self.w*self.h\n',
    indent: SPACES_4,
    want: '    def area(self):\n        return self.w * self.h\n',
  },
  {
    name: '2-space answer in a 4-space file, nested',
    code: 'for x in xs:\n  if x:\n    yield x\n  else:\n    continue',
    original: '    for x in xs:\n        yield x\n',
    indent: SPACES_4,
    want: '    for x in xs:\n        if x:\n            yield x\n        else:\n            continue\n',
  },
  {
    name: '4-space answer in a tab-indented Go file',
    code: 'for _, v := range vs {\n    if v > 0 {\n        n++\n    }\n}',
    original: '\tfor i := 0; i < len(vs); i++ {\n\t\tif vs[i] > 0 {\n\t\t\tn++\n\t\t}\n\t}\n',
    indent: TABS_4,
    want: '\tfor _, v := range vs {\n\t\tif v > 0 {\n\t\t\tn++\n\t\t}\n\t}\n',
  },
  {
    name: '2-space answer in a tab file with tab width 8',
    code: 'if (a) {\n  b();\n}',
    original: '\tif (a)\n\t\tb();\n',
    indent: TABS_8,
    want: '\tif (a) {\n\t\tb();\n\t}\n',
  },
  {
    name: 'tab answer in a tab file with tab width 8: one tab per level',
    code: 'if (a) {\n\tb();\n}',
    original: '\tif (a)\n\t\tb();\n',
    indent: TABS_8,
    want: '\tif (a) {\n\t\tb();\n\t}\n',
  },
  {
    name: '4-space answer in a 2-space TypeScript file',
    code: 'if (user) {\n    return user.name;\n}\nreturn "";',
    original: '    return user ? user.name : "";\n',
    indent: SPACES_2,
    want: '    if (user) {\n      return user.name;\n    }\n    return "";\n',
  },
  {
    name: 'JSDoc alignment spaces stay spaces',
    code: '/**\n * Adds.\n */\nfunction add(a, b) {\n    return a + b;\n}',
    original: '\tfunction add(a, b) {\n\t\treturn a + b;\n\t}\n',
    indent: TABS_4,
    want: '\t/**\n\t * Adds.\n\t */\n\tfunction add(a, b) {\n\t\treturn a + b;\n\t}\n',
  },
  {
    name: 'steps of 2 that the selection also has are kept (chained calls in a 4-space file)',
    code: 'fetch(url)\n  .then((r) => r.json())\n  .then(render);',
    original: '    fetch(url)\n      .then((r) => r.json())\n      .then((data) => render(data));\n',
    indent: SPACES_4,
    want: '    fetch(url)\n      .then((r) => r.json())\n      .then(render);\n',
  },
  {
    name: 'a selection ending in a dedent: the closer is the least indented',
    code: '    return x + 1\n}',
    original: '        return x+1\n    }\n',
    indent: SPACES_4,
    want: '        return x + 1\n    }\n',
  },
  {
    name: 'CRLF document: CRLF out, blank lines empty, trailing whitespace gone',
    code: 'int a = 1;   \n\n  \nint b = 2;\t',
    original: '    int a = 1;\r\n    int b = 2;\r\n',
    indent: SPACES_4,
    eol: '\r\n',
    want: '    int a = 1;\r\n\r\n\r\n    int b = 2;\r\n',
  },
  {
    name: 'selection without a final line end, answer with one',
    code: 'x = 2\n',
    original: '  x = 1',
    indent: SPACES_2,
    want: '  x = 2',
  },
  {
    name: "the selection's blank lines around the code are kept, the model's dropped",
    code: '\n\ndef f():\n    return 2\n\n\n',
    original: '\ndef f():\n    return 1\n\n',
    indent: SPACES_4,
    want: '\ndef f():\n    return 2\n\n',
  },
];

describe('chat/reindent', () => {
  for (const c of cases) it(c.name, () => assert.equal(reindent(c.code, c.original, c.indent, c.eol ?? '\n'), c.want));
});
