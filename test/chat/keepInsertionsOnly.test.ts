import * as assert from 'node:assert/strict';
import { keepInsertionsOnly } from '../../src/chat/keepInsertionsOnly';

/** undefined: refused, the model removed or changed a line. */
const cases: { name: string; original: string; replacement: string; want: { text: string; inserted: number[] } | undefined }[] = [
  {
    name: 'a docstring inserted',
    original: 'def f(x):\n    return x\n',
    replacement: 'def f(x):\n    """Identity."""\n    return x\n',
    want: { text: 'def f(x):\n    """Identity."""\n    return x\n', inserted: [1] },
  },
  {
    name: 'inserted lines with code re-spaced: the original lines are kept',
    original: 'function add(a,b){\n  return a+b;\n}',
    replacement: '/**\n * Adds.\n */\nfunction add(a, b) {\n    return a + b;\n}',
    want: { text: '/**\n * Adds.\n */\nfunction add(a,b){\n  return a+b;\n}', inserted: [0, 1, 2] },
  },
  {
    name: 'a blank line the model dropped is kept',
    original: 'int f(void) {\n\n    return 1;\n}',
    replacement: '/* One. */\nint f(void) {\n    return 1;\n}',
    want: { text: '/* One. */\nint f(void) {\n\n    return 1;\n}', inserted: [0] },
  },
  {
    name: 'a blank line inserted with a comment is kept, not counted',
    original: 'x = 1',
    replacement: '# One.\n\nx = 1',
    want: { text: '# One.\n\nx = 1', inserted: [0] },
  },
  {
    name: 'a blank line inserted between code lines is left out',
    original: 'def f():\n    a()\n    b()',
    replacement: 'def f():\n    """Run both."""\n    a()\n\n    b()',
    want: { text: 'def f():\n    """Run both."""\n    a()\n    b()', inserted: [1] },
  },
  { name: 'a line changed', original: 'def f(x):\n    return x\n', replacement: 'def f(x):\n    """Identity."""\n    return x + 0\n', want: undefined },
  { name: 'a line removed', original: 'a()\nb()\n', replacement: '# Calls.\na()\n', want: undefined },
  { name: 'nothing inserted', original: 'a()\n', replacement: 'a( )\n', want: { text: 'a()\n', inserted: [] } },
];

describe('chat/keepInsertionsOnly', () => {
  for (const c of cases) it(c.name, () => assert.deepEqual(keepInsertionsOnly(c.original, c.replacement, '\n'), c.want));

  it('joins with the document line end', () => {
    assert.deepEqual(keepInsertionsOnly('a()\r\nb()\r\n', '// A.\r\na()\r\nb()\r\n', '\r\n'), { text: '// A.\r\na()\r\nb()\r\n', inserted: [0] });
  });
});
