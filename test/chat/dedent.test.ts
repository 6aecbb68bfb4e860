import * as assert from 'node:assert/strict';
import { dedent } from '../../src/chat/dedent';

const cases: { name: string; text: string; tabSize?: number; want: string }[] = [
  { name: 'removes the common spaces', text: '    if x:\n        y()\n', want: 'if x:\n    y()\n' },
  { name: 'keeps relative indentation under a less indented closer', text: '        return x\n    }\n', want: '    return x\n}\n' },
  { name: 'blank and whitespace-only lines do not count, and become empty', text: '\t\tif (a) {\n\n  \n\t\t\tb();\n\t\t}', want: 'if (a) {\n\n\n\tb();\n}' },
  { name: 'tabs and spaces compare in columns', text: '\tx := 1\n    y := 2', want: 'x := 1\ny := 2' },
  { name: 'a tab cut through keeps its other columns', text: '  a\n\tb', want: 'a\n  b' },
  { name: 'tab width from the editor', text: '\t\tx\n        y', tabSize: 4, want: 'x\ny' },
  { name: 'tab width 8', text: '\tx\n        y', tabSize: 8, want: 'x\ny' },
  { name: 'CRLF in, LF out', text: '    a = 1\r\n    b = 2\r\n', want: 'a = 1\nb = 2\n' },
  { name: 'nothing to remove', text: 'fn main() {\n    run();\n}', want: 'fn main() {\n    run();\n}' },
  { name: 'only blank lines', text: '  \n\t\n', want: '\n\n' },
];

describe('chat/dedent', () => {
  for (const c of cases) it(c.name, () => assert.equal(dedent(c.text, c.tabSize ?? 4), c.want));
});
