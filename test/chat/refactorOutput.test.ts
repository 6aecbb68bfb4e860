import * as assert from 'node:assert/strict';
import type { IndentOptions } from '../../src/shared/indentation';
import { handleRefactorOutput, type RefactorTarget } from '../../src/chat/refactorOutput';
import { ensureGrammar } from '../../src/treeSitter/parser';

const SPACES_4: IndentOptions = { insertSpaces: true, tabSize: 4 };
const SPACES_2: IndentOptions = { insertSpaces: true, tabSize: 2 };
const TABS_4: IndentOptions = { insertSpaces: false, tabSize: 4 };
const TABS_8: IndentOptions = { insertSpaces: false, tabSize: 8 };

/** The selection in test documents: whole lines, from `⟦` to `⟧`. */
function target(doc: string, languageId: string, options: Partial<RefactorTarget> & { crlf?: boolean }): RefactorTarget {
  const text = options.crlf ? doc.replace(/\n/g, '\r\n') : doc;
  const start = text.indexOf('⟦');
  const end = text.indexOf('⟧');
  return {
    languageId,
    before: text.slice(0, start),
    original: text.slice(start + 1, end),
    after: text.slice(end + 1),
    eol: options.crlf ? '\r\n' : '\n',
    indent: SPACES_4,
    prefilled: true,
    ...options,
  };
}

const PY_CART = `class Cart:
    def __init__(self, items):
        self.items = items

⟦    def total(self):
        result = 0
        for item in self.items:
            result += item.price
        return result
⟧
    def count(self):
        return len(self.items)
`;

const PY_TABS = 'class Doubler:\n\tdef double(self, xs):\n⟦\t\tout = []\n\t\tfor x in xs:\n\t\t\tout.append(x * 2)\n\t\treturn out\n⟧';

const PY_BROKEN = `def f(xs):
⟦    return [x * 2 for x in xs
⟧
def g():
    pass
`;

const TS_TOTAL = `import { Item } from './item';

⟦export function total(items: Item[]): number {
  let sum = 0;
  for (const item of items) {
    sum += item.price;
  }
  return sum;
}
⟧
export const empty: Item[] = [];
`;

const TS_CLASS = `export class Cart {
    private items: Item[] = [];

⟦    total(): number {
        let sum = 0;
        for (const item of this.items) sum += item.price;
        return sum;
    }
⟧}
`;

const TS_BROKEN_ABOVE = `const a = 1 +;

⟦function f(x: number) {
  return x;
}
⟧`;

const GO_TOTAL = `package cart

⟦func Total(items []Item) int {
	sum := 0
	for i := 0; i < len(items); i++ {
		sum += items[i].Price
	}
	return sum
}
⟧`;

const GO_BODY = `package cart

func Total(items []Item) int {
⟦	sum := 0
	for i := 0; i < len(items); i++ {
		sum += items[i].Price
	}
	return sum
⟧}
`;

const RUST_RECT = `impl Rect {
⟦    fn area(&self) -> f64 {
        let a = self.w * self.h;
        return a;
    }
⟧}
`;

const JAVA_MAX = `public class Stats {
    public static int max(int[] xs) {
⟦        int best = xs[0];
        for (int i = 1; i < xs.length; i++) {
            if (xs[i] > best) {
                best = xs[i];
            }
        }
        return best;
⟧    }
}
`;

const C_SUM = `#include <stddef.h>

int sum(const int *a, size_t n)
{
⟦	int s = 0;
	size_t i = 0;
	while (i < n) {
		s += a[i];
		i++;
	}
⟧	return s;
}
`;

const RUBY_TOTAL = `def total(items)
⟦  sum = 0
  items.each { |i| sum += i.price }
  sum
⟧end
`;

const NO_CODE = { reason: 'The model returned no code.' };
const UNCHANGED = { reason: 'The model returned the code unchanged.' };
const PROSE = { reason: 'The model answered in prose, without code.' };
const CODE_CHANGED = { reason: 'The model changed the code, not only its comments.' };
const syntaxErrorAt = (line: number) => ({ reason: `The result would add syntax errors (line ${line}) where the selection had none.` });

/** `raw`: the text a small model generated after the prompt (after the pre-filled fence unless `prefilled: false`). */
const cases: { name: string; t: RefactorTarget; raw: string; want: string | { reason: string } }[] = [
  // Python, a method of a class (base indent 4).
  {
    name: 'Python: dedented answer, back at the method depth',
    t: target(PY_CART, 'python', { instruction: 'use sum()' }),
    raw: 'def total(self):\n    return sum(item.price for item in self.items)\n',
    want: '    def total(self):\n        return sum(item.price for item in self.items)\n',
  },
  {
    name: 'Python: think block, answer at the original depth',
    t: target(PY_CART, 'python', {}),
    raw: '<think>\nA generator in sum() replaces the loop.\n</think>\n    def total(self):\n        return sum(item.price for item in self.items)\n',
    want: '    def total(self):\n        return sum(item.price for item in self.items)\n',
  },
  {
    name: 'Python: nested 2-space answer and prose after it',
    t: target(PY_CART, 'python', {}),
    raw: 'def total(self):\n  result = 0\n  for item in self.items:\n    if item.price > 0:\n      result += item.price\n  return result\n\nThis version skips items with a negative price.\n',
    want: '    def total(self):\n        result = 0\n        for item in self.items:\n            if item.price > 0:\n                result += item.price\n        return result\n',
  },
  {
    name: 'Python: the selection unchanged',
    t: target(PY_CART, 'python', {}),
    raw: 'def total(self):\n    result = 0\n    for item in self.items:\n        result += item.price\n    return result\n',
    want: UNCHANGED,
  },
  {
    name: 'Python: unchanged but for 2-space indents and trailing spaces',
    t: target(PY_CART, 'python', {}),
    raw: 'def total(self):  \n  result = 0\n  for item in self.items:\n    result += item.price\n  return result\n\n',
    want: UNCHANGED,
  },
  { name: 'Python: an apology', t: target(PY_CART, 'python', {}), raw: "I'm sorry, but I can't refactor this without knowing what `item` is.\n", want: PROSE },
  { name: 'Python: nothing generated (stopped at the fence at once)', t: target(PY_CART, 'python', {}), raw: '', want: NO_CODE },
  { name: 'Python: only thinking, cut at the token limit', t: target(PY_CART, 'python', {}), raw: '<think>\nThe loop sums prices. I could use', want: NO_CODE },
  {
    name: 'Python: an unclosed parenthesis',
    t: target(PY_CART, 'python', {}),
    raw: 'def total(self):\n    return sum(item.price for item in self.items\n',
    want: syntaxErrorAt(6),
  },
  {
    name: 'Python: a selection that had errors may stay broken',
    t: target(PY_BROKEN, 'python', {}),
    raw: 'return [x * 2 for x in xs if x\n',
    want: '    return [x * 2 for x in xs if x\n',
  },
  {
    name: 'Python: tab-indented file, 4-space answer',
    t: target(PY_TABS, 'python', { indent: TABS_4 }),
    raw: 'if not xs:\n    return []\nreturn [x * 2 for x in xs]\n',
    want: '\t\tif not xs:\n\t\t\treturn []\n\t\treturn [x * 2 for x in xs]\n',
  },
  // Python doc comments: only insertions.
  {
    name: 'Python docstring: inserted inside the def',
    t: target(PY_CART, 'python', { insertOnly: true }),
    raw: 'def total(self):\n    """Return the sum of the item prices."""\n    result = 0\n    for item in self.items:\n        result += item.price\n    return result\n',
    want: '    def total(self):\n        """Return the sum of the item prices."""\n        result = 0\n        for item in self.items:\n            result += item.price\n        return result\n',
  },
  {
    name: 'Python docstring: the code re-spaced, the original lines kept',
    t: target(PY_CART, 'python', { insertOnly: true }),
    raw: 'def total(self):\n    """\n    Return the sum of the item prices.\n    """\n    result  =  0\n    for item in self.items:\n        result += item.price\n\n    return result\n',
    want: '    def total(self):\n        """\n        Return the sum of the item prices.\n        """\n        result = 0\n        for item in self.items:\n            result += item.price\n        return result\n',
  },
  {
    name: 'Python docstring: the loop rewritten as well',
    t: target(PY_CART, 'python', { insertOnly: true }),
    raw: 'def total(self):\n    """Return the sum of the item prices."""\n    return sum(item.price for item in self.items)\n',
    want: CODE_CHANGED,
  },
  {
    name: 'Python docstring: a line of code inserted too',
    t: target(PY_CART, 'python', { insertOnly: true }),
    raw: 'def total(self):\n    """Return the sum of the item prices."""\n    result = 0\n    print(self.items)\n    for item in self.items:\n        result += item.price\n    return result\n',
    want: { reason: 'The model changed the code, not only its comments (line 8).' },
  },
  {
    name: 'Python docstring: at the def level, which leaves the def without a body',
    t: target(PY_CART, 'python', { insertOnly: true }),
    raw: 'def total(self):\n"""Return the sum of the item prices."""\n    result = 0\n    for item in self.items:\n        result += item.price\n    return result\n',
    want: syntaxErrorAt(5),
  },
  // TypeScript.
  {
    name: 'TypeScript JSDoc above a function, the 4-space copy of the code ignored',
    t: target(TS_TOTAL, 'typescript', { indent: SPACES_2, insertOnly: true }),
    raw: '/**\n * Sums the prices of the items.\n * @param items The items to sum.\n * @returns The total price.\n */\nexport function total(items: Item[]): number {\n    let sum = 0;\n    for (const item of items) {\n        sum += item.price;\n    }\n    return sum;\n}\n',
    want: '/**\n * Sums the prices of the items.\n * @param items The items to sum.\n * @returns The total price.\n */\nexport function total(items: Item[]): number {\n  let sum = 0;\n  for (const item of items) {\n    sum += item.price;\n  }\n  return sum;\n}\n',
  },
  {
    name: 'TypeScript, not pre-filled: prose, a block in 4 spaces, an explanation',
    t: target(TS_TOTAL, 'typescript', { indent: SPACES_2, prefilled: false }),
    raw: "Sure! Here's the refactored function:\n\n```typescript\nexport function total(items: Item[]): number {\n    return items.reduce((sum, item) => sum + item.price, 0);\n}\n```\n\n**Explanation:**\n- Replaced the `for` loop with `reduce`.\n",
    want: 'export function total(items: Item[]): number {\n  return items.reduce((sum, item) => sum + item.price, 0);\n}\n',
  },
  {
    name: 'TypeScript: the closing brace dropped',
    t: target(TS_TOTAL, 'typescript', { indent: SPACES_2 }),
    raw: 'export function total(items: Item[]): number {\n  return items.reduce((sum, item) => sum + item.price, 0);\n',
    want: syntaxErrorAt(6),
  },
  {
    name: 'TypeScript class method (base 4), 2-space answer',
    t: target(TS_CLASS, 'typescript', {}),
    raw: 'total(): number {\n  return this.items.reduce((s, i) => s + i.price, 0);\n}\n',
    want: '    total(): number {\n        return this.items.reduce((s, i) => s + i.price, 0);\n    }\n',
  },
  {
    name: 'TypeScript: an error above the selection is not the model’s',
    t: target(TS_BROKEN_ABOVE, 'typescript', { indent: SPACES_2 }),
    raw: 'function f(x: number): number {\n  return x;\n}\n',
    want: 'function f(x: number): number {\n  return x;\n}\n',
  },
  {
    name: 'TypeScript: a new error still counts when the file had one elsewhere',
    t: target(TS_BROKEN_ABOVE, 'typescript', { indent: SPACES_2 }),
    raw: 'function f(x: number): number {\n  return x +;\n}\n',
    want: syntaxErrorAt(4),
  },
  // Go: tabs, CRLF.
  {
    name: 'Go: CRLF document, 4-space CRLF answer, back to tabs',
    t: target(GO_BODY, 'go', { indent: TABS_4, crlf: true }),
    raw: 'sum := 0\r\nfor _, item := range items {\r\n    sum += item.Price\r\n}\r\nreturn sum\r\n',
    want: '\tsum := 0\r\n\tfor _, item := range items {\r\n\t\tsum += item.Price\r\n\t}\r\n\treturn sum\r\n',
  },
  {
    name: 'Go: fence opened again, a usage example after',
    t: target(GO_BODY, 'go', { indent: TABS_4 }),
    raw: '```go\nsum := 0\nfor _, item := range items {\n\tsum += item.Price\n}\nreturn sum\n```\n\nExample usage:\n```go\nfmt.Println(Total(items))\n```\n',
    want: '\tsum := 0\n\tfor _, item := range items {\n\t\tsum += item.Price\n\t}\n\treturn sum\n',
  },
  {
    name: 'Go doc comment above a func, CRLF',
    t: target(GO_TOTAL, 'go', { indent: TABS_4, crlf: true, insertOnly: true }),
    raw: '// Total returns the sum of the prices of items.\nfunc Total(items []Item) int {\n\tsum := 0\n\tfor i := 0; i < len(items); i++ {\n\t\tsum += items[i].Price\n\t}\n\treturn sum\n}\n',
    want: '// Total returns the sum of the prices of items.\r\nfunc Total(items []Item) int {\r\n\tsum := 0\r\n\tfor i := 0; i < len(items); i++ {\r\n\t\tsum += items[i].Price\r\n\t}\r\n\treturn sum\r\n}\r\n',
  },
  // Rust.
  {
    name: 'Rust: prose after the code, no closing fence',
    t: target(RUST_RECT, 'rust', {}),
    raw: 'fn area(&self) -> f64 {\n    self.w * self.h\n}\n\nThis returns the expression directly, which is idiomatic Rust.\n',
    want: '    fn area(&self) -> f64 {\n        self.w * self.h\n    }\n',
  },
  {
    name: 'Rust: cut at the token limit mid-expression',
    t: target(RUST_RECT, 'rust', {}),
    raw: 'fn area(&self) -> f64 {\n    self.w *',
    want: syntaxErrorAt(3),
  },
  {
    name: 'Rust doc comment',
    t: target(RUST_RECT, 'rust', { insertOnly: true }),
    raw: '/// The area of the rectangle.\nfn area(&self) -> f64 {\n    let a = self.w * self.h;\n    return a;\n}\n',
    want: '    /// The area of the rectangle.\n    fn area(&self) -> f64 {\n        let a = self.w * self.h;\n        return a;\n    }\n',
  },
  // Java: a method body (base indent 8).
  {
    name: 'Java, not pre-filled: a shell block first, then the code',
    t: target(JAVA_MAX, 'java', { prefilled: false }),
    raw: '```bash\njavac Stats.java\n```\n```java\nreturn Arrays.stream(xs).max().getAsInt();\n```\n',
    want: '        return Arrays.stream(xs).max().getAsInt();\n',
  },
  {
    name: 'Java: "Here is the refactored code:", nested 2-space answer',
    t: target(JAVA_MAX, 'java', {}),
    raw: 'Here is the refactored code:\nint best = xs[0];\nfor (int x : xs) {\n  if (x > best) {\n    best = x;\n  }\n}\nreturn best;\n',
    want: '        int best = xs[0];\n        for (int x : xs) {\n            if (x > best) {\n                best = x;\n            }\n        }\n        return best;\n',
  },
  // C: tabs of 8, CRLF.
  {
    name: 'C: the instruction repeated, 4-space answer into tabs, CRLF',
    t: target(C_SUM, 'c', { indent: TABS_8, crlf: true, instruction: 'Use a for loop' }),
    raw: 'Use a for loop.\nint s = 0;\nfor (size_t i = 0; i < n; i++) {\n    s += a[i];\n}\n',
    want: '\tint s = 0;\r\n\tfor (size_t i = 0; i < n; i++) {\r\n\t\ts += a[i];\r\n\t}\r\n',
  },
  { name: 'C: prose only', t: target(C_SUM, 'c', { indent: TABS_8 }), raw: 'The loop is already efficient.\n', want: PROSE },
  {
    name: 'C: a brace left open',
    t: target(C_SUM, 'c', { indent: TABS_8 }),
    raw: 'int s = 0;\nfor (size_t i = 0; i < n; i++) {\n\ts += a[i];\n',
    want: syntaxErrorAt(9),
  },
  // A language without a grammar: no syntax check.
  {
    name: 'Ruby: no grammar, so no syntax check',
    t: target(RUBY_TOTAL, 'ruby', { indent: SPACES_2 }),
    raw: 'items.sum(&:price\n',
    want: '  items.sum(&:price\n',
  },
];

describe('chat/handleRefactorOutput', () => {
  before(async () => {
    for (const lang of new Set(cases.map((c) => c.t.languageId))) await ensureGrammar(lang);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const got = await handleRefactorOutput(c.raw, c.t);
      assert.deepEqual(got, typeof c.want === 'string' ? { ok: true, replacement: c.want } : { ok: false, ...c.want });
    });
  }

  it('odd outputs get an answer, never an exception', async () => {
    const odd = ['```', '```\n```\n```', '<think></think>', '</think></think><think>', '~~~\n~~~', '\r\n\r\n', '"""', '}\n}\n}', '\t\t\t', '**Explanation:**'];
    for (const raw of odd) {
      for (const insertOnly of [false, true]) {
        const got = await handleRefactorOutput(raw, target(PY_CART, 'python', { insertOnly }));
        assert.ok(got.ok ? typeof got.replacement === 'string' : typeof got.reason === 'string', JSON.stringify(raw));
      }
    }
  });

  it('the replacement fits the document: before + replacement + after', async () => {
    const t = target(GO_BODY, 'go', { indent: TABS_4, crlf: true });
    const got = await handleRefactorOutput('sum := 0\nfor _, item := range items {\n    sum += item.Price\n}\nreturn sum\n', t);
    assert.ok(got.ok);
    assert.equal(t.before + got.replacement + t.after, 'package cart\r\n\r\nfunc Total(items []Item) int {\r\n\tsum := 0\r\n\tfor _, item := range items {\r\n\t\tsum += item.Price\r\n\t}\r\n\treturn sum\r\n}\r\n');
  });
});
