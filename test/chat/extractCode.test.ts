import * as assert from 'node:assert/strict';
import { extractCode, type ExtractOptions } from '../../src/chat/extractCode';

type Want = string | { kind: 'empty' } | { kind: 'prose' };
const EMPTY = { kind: 'empty' } as const;
const PROSE = { kind: 'prose' } as const;

/** `raw`: what a small model generated after the prompt; with `prefilled`, after "```<lang>\n". */
const cases: ({ name: string; raw: string; want: Want } & Partial<ExtractOptions>)[] = [
  // Pre-filled fence: the output starts inside the code block.
  { name: 'code only (the closing fence was the stop string)', raw: 'def f(xs):\n    return sum(xs)\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'closing fence and prose after it (stop string not honoured)', raw: 'def f(xs):\n    return sum(xs)\n```\n\nThis uses the built-in `sum`.\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'prose after the code without a closing fence', raw: 'def f(xs):\n    return sum(xs)\n\nThis version uses the built-in `sum()` instead of a loop.\nIt is shorter and faster.\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'an explanation list after the code', raw: 'const total = items.reduce((s, i) => s + i.price, 0);\n\n**Explanation:**\n- Replaced the `for` loop with `reduce`.\n- Removed the mutable accumulator.\n', languageId: 'typescript', want: 'const total = items.reduce((s, i) => s + i.price, 0);' },
  { name: 'fence opened again right after the pre-filled one', raw: '```python\ndef f(xs):\n    return sum(xs)\n```\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'pre-filled block closed at once, code after it unfenced', raw: '```\ndef f(xs):\n    return sum(xs)\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: '"Here is the refactored code:" inside the pre-filled block', raw: 'Here is the refactored code:\n\ndef f(xs):\n    return sum(xs)\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'prose first, then a second fence with the code', raw: 'Sure! Here is the refactored version:\n```python\ndef f(xs):\n    return sum(xs)\n```', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'usage example in a second block after the code', raw: 'func Sum(xs []int) (n int) {\n\tfor _, x := range xs {\n\t\tn += x\n\t}\n\treturn\n}\n```\n\nExample usage:\n```go\nfmt.Println(Sum([]int{1, 2}))\n```\n', languageId: 'go', want: 'func Sum(xs []int) (n int) {\n\tfor _, x := range xs {\n\t\tn += x\n\t}\n\treturn\n}' },
  { name: 'no closing fence: cut at the token limit', raw: 'fn area(&self) -> f64 {\n    self.w * self.h\n}\n\nfn perimeter(&self) -> f64 {\n    2.0 * (self.w', languageId: 'rust', want: 'fn area(&self) -> f64 {\n    self.w * self.h\n}\n\nfn perimeter(&self) -> f64 {\n    2.0 * (self.w' },
  { name: 'closing fence glued to the last line', raw: 'let n = xs.iter().sum::<i32>();```\n', languageId: 'rust', want: 'let n = xs.iter().sum::<i32>();' },
  { name: 'think block before the code', raw: '<think>\nThe loop can be a sum. Keep the name.\n</think>\n\ndef f(xs):\n    return sum(xs)\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'reasoning closed without an opening (the template opened it)', raw: 'Okay, the user wants a sum.\n</think>\ndef f(xs):\n    return sum(xs)\n', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'unclosed think after the code', raw: 'def f(xs):\n    return sum(xs)\n<think>\nWait, should I also', want: 'def f(xs):\n    return sum(xs)' },
  { name: 'unclosed think and nothing else', raw: '<think>\nI need to look at the loop first. The items have', want: EMPTY },
  { name: 'the instruction repeated as the first line', raw: 'Use a list comprehension\nsquares = [x * x for x in xs]\n', instruction: 'use a list comprehension', want: 'squares = [x * x for x in xs]' },
  { name: 'the instruction repeated as a comment', raw: '// Use early returns.\nif (!user) return;\nsave(user);\n', languageId: 'typescript', instruction: 'Use early returns', want: 'if (!user) return;\nsave(user);' },
  { name: 'a comment that is not the instruction stays', raw: '# squares of the inputs\nsquares = [x * x for x in xs]\n', instruction: 'use a list comprehension', want: '# squares of the inputs\nsquares = [x * x for x in xs]' },
  { name: 'CRLF and trailing whitespace', raw: 'int main(void) {  \r\n    return 0;\t\r\n}\r\n\r\n', languageId: 'c', want: 'int main(void) {\n    return 0;\n}' },
  { name: 'docstring lines are not prose', raw: 'def area(self):\n    """Return the area.\n\n    Width times height, in square units.\n    """\n    return self.w * self.h\n', want: 'def area(self):\n    """Return the area.\n\n    Width times height, in square units.\n    """\n    return self.w * self.h' },
  { name: 'a selection starting inside a docstring keeps its sentence', raw: 'Returns the area of the shape.\n"""\nreturn self.w * self.h\n', selection: '    Returns the area of the shape.\n    """\n    return self.w*self.h\n', want: 'Returns the area of the shape.\n"""\nreturn self.w * self.h' },
  { name: 'prose only', raw: "I'm sorry, but I can't refactor this code without more context.\n", want: PROSE },
  { name: 'prose only, in two paragraphs', raw: 'The code is already optimal.\n\nNo changes are needed.\n', want: PROSE },
  { name: 'nothing', raw: '', want: EMPTY },
  { name: 'only whitespace', raw: '\n  \n', want: EMPTY },
  // No pre-filled fence: a fenced block, or bare code.
  { name: 'unprefilled: prose, a block, prose', prefilled: false, raw: "Here's the refactored function:\n\n```java\npublic int sum(int[] xs) {\n    return Arrays.stream(xs).sum();\n}\n```\n\nThis uses streams.", languageId: 'java', want: 'public int sum(int[] xs) {\n    return Arrays.stream(xs).sum();\n}' },
  { name: "unprefilled: a block in another language first, then the file's", prefilled: false, raw: '```bash\nmvn test\n```\n\n```java\nint n = list.size();\n```\n', languageId: 'java', want: 'int n = list.size();' },
  { name: 'unprefilled: the tag may be a file extension', prefilled: false, raw: '```sh\nnpm i lodash\n```\n```ts\nconst xs = _.uniq(ys);\n```', languageId: 'typescript', want: 'const xs = _.uniq(ys);' },
  { name: 'unprefilled: a block tagged with another language is still taken when alone', prefilled: false, raw: '```javascript\nconst xs = [...new Set(ys)];\n```', languageId: 'typescript', want: 'const xs = [...new Set(ys)];' },
  { name: 'unprefilled: bare code', prefilled: false, raw: 'for (int i = 0; i < n; i++) {\n    sum += a[i];\n}\n', languageId: 'c', want: 'for (int i = 0; i < n; i++) {\n    sum += a[i];\n}' },
  { name: 'unprefilled: unclosed block', prefilled: false, raw: 'Sure.\n```go\nreturn errors.New("empty")\n', languageId: 'go', want: 'return errors.New("empty")' },
  { name: 'unprefilled: prose only', prefilled: false, raw: 'This function already follows best practices.', want: PROSE },
  { name: 'unprefilled: an empty block and prose', prefilled: false, raw: 'Here you go:\n```python\n```\n', want: PROSE },
];

describe('chat/extractCode', () => {
  for (const c of cases) {
    it(c.name, () => {
      const got = extractCode(c.raw, { prefilled: c.prefilled ?? true, languageId: c.languageId ?? 'python', instruction: c.instruction, selection: c.selection });
      assert.deepEqual(got, typeof c.want === 'string' ? { kind: 'code', code: c.want } : c.want);
    });
  }
});
