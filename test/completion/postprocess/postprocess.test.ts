import * as assert from 'node:assert/strict';
import { postprocess, shouldBeMultiline } from '../../../src/completion/postprocess/postprocess';
import type { MultilineMode } from '../../../src/completion/postprocess/types';
import { atCursor, lines } from './atCursor';

/**
 * End to end: real code with the cursor at `█`, what a small FIM model wrote there, and what is
 * shown. Each case also pins the multi-line decision made before generation. Negative cases are
 * the usual small-model failures: re-emitting the suffix or the line above, running past the end
 * of the function into the next one, closers the suffix already has, loops, whitespace.
 */
interface Case {
  name: string;
  lang: string;
  doc: string;
  raw: string;
  want: string | undefined;
  /** shouldBeMultiline(pos, mode) */
  multiline: boolean;
  mode?: MultilineMode;
  maxLines?: number;
}

const typescript: Case[] = [
  {
    name: 'empty function body: stops before the `}` and the next function',
    lang: 'typescript',
    doc: `
      function add(a: number, b: number): number {
        █
      }

      function sub(a: number, b: number): number {
        return a - b;
      }
    `,
    raw: lines('return a + b;', '}', '', 'function mul(a: number, b: number): number {', '  return a * b;', '}'),
    want: 'return a + b;',
    multiline: true,
  },
  {
    name: 'argument before an auto-closed `);`',
    lang: 'typescript',
    doc: `const total = items.reduce((sum, item) => sum + item.price, █);`,
    raw: '0);',
    want: '0',
    multiline: false,
  },
  {
    name: 'single line: the next statement is cut off',
    lang: 'typescript',
    doc: `
      function done() {
        console.log(█);
      }
    `,
    raw: lines("'done');", "  console.log('next');"),
    want: "'done'",
    multiline: false,
  },
  {
    name: 'callback body before `});`: the closers land on their own line',
    lang: 'typescript',
    doc: `
      export function useTitle(title: string) {
        useEffect(() => {█});
      }
    `,
    raw: lines('', '    document.title = title;', '  }, [title]);', '}'),
    want: lines('', '    document.title = title;', '  '),
    multiline: true,
  },
  {
    name: 'repeats the line above',
    lang: 'typescript',
    doc: `
      const first = names[0];
      █
    `,
    raw: 'const first = names[0];',
    want: undefined,
    multiline: false,
  },
  {
    name: 'template literal with braces inside, then the `)` the suffix has',
    lang: 'typescript',
    doc: `throw new Error(█);`,
    raw: '`unknown kind: ${kind}`);',
    want: '`unknown kind: ${kind}`',
    multiline: false,
  },
  {
    name: 'whitespace only',
    lang: 'typescript',
    doc: `
      function f() {
        █
      }
    `,
    raw: '   \n  \n\t',
    want: undefined,
    multiline: true,
  },
  {
    name: 'method body: drops the `}` the suffix already has, and the next method',
    lang: 'typescript',
    doc: `
      class Stack<T> {
        private items: T[] = [];

        push(item: T): void {
          █
        }
      }
    `,
    raw: lines('this.items.push(item);', '  }', '', '  pop(): T | undefined {', '    return this.items.pop();', '  }'),
    want: 'this.items.push(item);',
    multiline: true,
  },
  {
    name: "method's `}` missing below (only the class's): the completion writes it",
    lang: 'typescript',
    doc: `
      class Stack<T> {
        push(item: T): void {█
      }
    `,
    raw: lines('', '    this.items.push(item);', '  }', '', '  pop() {}'),
    want: lines('', '    this.items.push(item);', '  }'),
    multiline: true,
  },
  {
    name: 'arrow function body after `=>`: stops at the next declaration',
    lang: 'typescript',
    doc: `
      const double = (n: number) =>█

      export default double;
    `,
    raw: lines(' n * 2;', '', 'const triple = (n: number) => n * 3;'),
    want: ' n * 2;',
    multiline: true,
  },
  {
    name: 'a loop repeating one line',
    lang: 'typescript',
    doc: `
      for (const item of items) {
        █
      }
    `,
    raw: lines('console.log(item);', '  console.log(item);', '  console.log(item);'),
    want: 'console.log(item);',
    multiline: true,
  },
  {
    name: 'condition inside `if (█) {`',
    lang: 'typescript',
    doc: `
      if (█) {
        return;
      }
    `,
    raw: '!user) {',
    want: '!user',
    multiline: false,
  },
  {
    name: 'leaked end-of-text token, then the `;` the suffix has',
    lang: 'typescript',
    doc: `const port = █;`,
    raw: '8080;<|endoftext|>const host = "x";',
    want: '8080',
    multiline: false,
  },
  {
    name: 'blank line inside a body that has code: single line, a lone `}` is dropped',
    lang: 'typescript',
    doc: `
      function f() {
        if (x) {
          y();
        }
        █
      }
    `,
    raw: '}',
    want: undefined,
    multiline: false,
  },
  {
    name: 'line break inside a line cannot be shown as one line',
    lang: 'typescript',
    doc: `foo(█bar);`,
    raw: '\n  baz,',
    want: undefined,
    multiline: false,
  },
  {
    name: 'statement complete: the next line is suggested',
    lang: 'typescript',
    doc: `const a = 1;█`,
    raw: '\nconst b = 2;\nconst c = 3;',
    want: '\nconst b = 2;',
    multiline: false,
  },
  {
    name: 'blank line: leading line break and indentation the cursor already has are dropped',
    lang: 'typescript',
    doc: `
      function g() {
        const a = 1;
        █
      }
    `,
    raw: '\n  return a;',
    want: 'return a;',
    multiline: false,
  },
  {
    name: 'doubled space after `= `',
    lang: 'typescript',
    doc: `const answer = █`,
    raw: ' 42;',
    want: '42;',
    multiline: false,
  },
  {
    name: 'at most maxLines lines',
    lang: 'typescript',
    doc: `
      function setup() {
        █
      }
    `,
    raw: lines('a();', '  b();', '  c();', '  d();', '  e();', '}'),
    want: lines('a();', '  b();', '  c();'),
    multiline: true,
    maxLines: 3,
  },
  {
    name: "mode 'never' at a block opener: one line, the `}` kept (the suffix has none)",
    lang: 'typescript',
    doc: `function f() {█`,
    raw: ' return 1; }\nfunction g() {}',
    want: ' return 1; }',
    multiline: false,
    mode: 'never',
  },
  {
    name: "mode 'always' mid-statement: stops where it repeats the line below",
    lang: 'typescript',
    doc: `
      const total = █
      console.log(total);
    `,
    raw: lines('a +', '  b +', '  c;', 'console.log(total);'),
    want: lines('a +', '  b +', '  c;'),
    multiline: true,
    mode: 'always',
  },
  {
    name: 'closing quote and `;` the suffix has',
    lang: 'typescript',
    doc: `const name = "█";`,
    raw: 'Ada";',
    want: 'Ada',
    multiline: false,
  },
  {
    name: 'a call whose `)` is its own is kept whole',
    lang: 'typescript',
    doc: `foo(█)`,
    raw: 'bar())',
    want: 'bar()',
    multiline: false,
  },
  {
    name: 'only re-emits the rest of the line',
    lang: 'typescript',
    doc: `const value = Math.ma█x(a, b);`,
    raw: 'x(a, b);',
    want: undefined,
    multiline: false,
  },
  {
    name: '`} else {` after an if body whose `}` is below',
    lang: 'typescript',
    doc: `
      function abs(x: number) {
        if (x < 0) {
          █
        }
        return x;
      }
    `,
    raw: lines('return -x;', '  } else {', '    return x;', '  }'),
    want: 'return -x;',
    multiline: true,
  },
  {
    name: 'CRLF document, CRLF output',
    lang: 'typescript',
    doc: 'function f() {\r\n  █\r\n}\r\n',
    raw: 'return 1;\r\n}',
    want: 'return 1;',
    multiline: true,
  },
];

const tsx: Case[] = [
  {
    name: 'JSX inside `return (`: the `);` the suffix has is dropped',
    lang: 'typescriptreact',
    doc: `
      export function App() {
        return (
          █
        );
      }
    `,
    raw: lines('<div className="app">', '      <Header />', '    </div>', '  );', '}'),
    want: lines('<div className="app">', '      <Header />', '    </div>'),
    multiline: true,
  },
];

const python: Case[] = [
  {
    name: 'empty def body: stops before the next def',
    lang: 'python',
    doc: `
      def area(radius):
          █


      def perimeter(radius):
          return 2 * math.pi * radius
    `,
    raw: lines('return math.pi * radius ** 2', '', '', 'def perimeter(radius):', '    return 2 * math.pi * radius'),
    want: 'return math.pi * radius ** 2',
    multiline: true,
  },
  {
    name: 'after `def fib(n):` at the end of the file: stops at top-level code',
    lang: 'python',
    doc: `def fib(n):█`,
    raw: lines('', '    if n < 2:', '        return n', '    return fib(n - 1) + fib(n - 2)', '', '', 'print(fib(10))'),
    want: lines('', '    if n < 2:', '        return n', '    return fib(n - 1) + fib(n - 2)'),
    multiline: true,
  },
  {
    name: 'nothing of the def below: may dedent from the loop to the def body',
    lang: 'python',
    doc: `
      def total(prices):
          result = 0
          for price in prices:
              █
    `,
    raw: lines('result += price', '    return result', '', 'print(total([1, 2]))'),
    want: lines('result += price', '    return result'),
    multiline: true,
  },
  {
    name: 'the def continues below: stays in the loop body',
    lang: 'python',
    doc: `
      def total(prices):
          result = 0
          for price in prices:
              █
          return result
    `,
    raw: lines('result += price', '    return result'),
    want: 'result += price',
    multiline: true,
  },
  {
    name: 'repeats the import above',
    lang: 'python',
    doc: `
      import os
      import sys
      █
    `,
    raw: 'import sys',
    want: undefined,
    multiline: false,
  },
  {
    name: 'repeats the last two lines',
    lang: 'python',
    doc: `
      x = load()
      y = transform(x)
      █
    `,
    raw: lines('x = load()', 'y = transform(x)', 'z = save(y)'),
    want: undefined,
    multiline: true,
    mode: 'always',
  },
  {
    name: 'argument before the `)` the suffix has',
    lang: 'python',
    doc: `result = compute(a, █)`,
    raw: 'b)',
    want: 'b',
    multiline: false,
  },
  {
    name: 'a slice colon is not a block',
    lang: 'python',
    doc: `head = items[:█]`,
    raw: '3]',
    want: '3',
    multiline: false,
  },
  {
    name: 'method body in a class: stops at the next method',
    lang: 'python',
    doc: `
      class Account:
          def deposit(self, amount):
              █

          def withdraw(self, amount):
              self.balance -= amount
    `,
    raw: lines('self.balance += amount', '', '    def withdraw(self, amount):', '        self.balance -= amount'),
    want: 'self.balance += amount',
    multiline: true,
  },
  {
    name: '`else:` at the `if` level continues the block',
    lang: 'python',
    doc: `
      def sign(x):
          if x >= 0:
              █
          return 0
    `,
    raw: lines('return 1', '    else:', '        return -1', '    return 0'),
    want: lines('return 1', '    else:', '        return -1'),
    multiline: true,
  },
  {
    name: 'inside a docstring: one line, quotes and all',
    lang: 'python',
    doc: `
      def parse(text):
          """Parse █
    `,
    raw: lines('the input into tokens."""', '    return text.split()'),
    want: 'the input into tokens."""',
    multiline: false,
  },
  {
    name: 'a loop printing the same line',
    lang: 'python',
    doc: `
      def main():
          █
    `,
    raw: lines('print("hi")', '    print("hi")', '    print("hi")'),
    want: 'print("hi")',
    multiline: true,
  },
];

const go: Case[] = [
  {
    name: 'empty func body (tabs): stops before `}` and the next func',
    lang: 'go',
    doc: `
      func Add(a, b int) int {
      	█
      }

      func Sub(a, b int) int {
      	return a - b
      }
    `,
    raw: lines('return a + b', '}', '', 'func Mul(a, b int) int {', '\treturn a * b', '}'),
    want: 'return a + b',
    multiline: true,
  },
  {
    name: '`if err != nil {` with no `}` of its own below: the completion writes it',
    lang: 'go',
    doc: `
      func load(path string) error {
      	data, err := os.ReadFile(path)
      	if err != nil {█
      	return parse(data)
      }
    `,
    raw: lines('', '\t\treturn err', '\t}', '\treturn parse(data)', '}'),
    want: lines('', '\t\treturn err', '\t}'),
    multiline: true,
  },
  {
    name: 'string argument before the `)` the suffix has',
    lang: 'go',
    doc: `
      func main() {
      	fmt.Println(█)
      }
    `,
    raw: '"hello")',
    want: '"hello"',
    multiline: false,
  },
  {
    name: 're-emits the line below',
    lang: 'go',
    doc: `
      func main() {
      	x := 1
      	█
      	fmt.Println(x)
      }
    `,
    raw: 'fmt.Println(x)',
    want: undefined,
    multiline: false,
  },
  {
    name: 'inside a raw string: brackets do not count',
    lang: 'go',
    doc: 'const q = `SELECT * FROM t WHERE id IN (█`',
    raw: '1, 2, 3)',
    want: '1, 2, 3)',
    multiline: false,
  },
  {
    name: 'call before `); err != nil {`',
    lang: 'go',
    doc: `
      func main() {
      	if err := run(█); err != nil {
      		log.Fatal(err)
      	}
      }
    `,
    raw: 'ctx); err != nil {',
    want: 'ctx',
    multiline: false,
  },
];

const rust: Case[] = [
  {
    name: 'next match arm',
    lang: 'rust',
    doc: `
      fn describe(n: i32) -> &'static str {
          match n {
              0 => "zero",
              █
          }
      }
    `,
    raw: '_ => "many",',
    want: '_ => "many",',
    multiline: false,
  },
  {
    name: "lifetimes are not quotes: the fn's `}` below is found",
    lang: 'rust',
    doc: `
      fn longest<'a>(a: &'a str, b: &'a str) -> &'a str {
          █
      }
    `,
    raw: lines('if a.len() > b.len() { a } else { b }', '}', '', 'fn main() {}'),
    want: 'if a.len() > b.len() { a } else { b }',
    multiline: true,
  },
  {
    name: 'method at the end of the file: writes its `}`, not the impl',
    lang: 'rust',
    doc: `
      impl Point {
          fn norm(&self) -> f64 {█
    `,
    raw: lines('', '        (self.x * self.x + self.y * self.y).sqrt()', '    }', '}', '', 'fn main() {}'),
    want: lines('', '        (self.x * self.x + self.y * self.y).sqrt()', '    }'),
    multiline: true,
  },
];

const java: Case[] = [
  {
    name: 'empty method body: stops before `}` and the next method',
    lang: 'java',
    doc: `
      public class Counter {
          private int count;

          public void increment() {
              █
          }

          public int get() {
              return count;
          }
      }
    `,
    raw: lines('count++;', '    }', '', '    public int get() {', '        return count;', '    }'),
    want: 'count++;',
    multiline: true,
  },
  {
    name: 'string concatenation before the `;` the suffix has',
    lang: 'java',
    doc: `String msg = "Hello, " + █;`,
    raw: 'name + "!";',
    want: 'name + "!"',
    multiline: false,
  },
  {
    name: 'a `]` that closes nothing ends the completion',
    lang: 'java',
    doc: `list.add(█);`,
    raw: 'item]);',
    want: 'item',
    multiline: false,
  },
  {
    name: 'if block with an auto-closed `}` on the line',
    lang: 'java',
    doc: `
      int clamp(int x) {
          if (x < 0) {█}
          return x;
      }
    `,
    raw: lines('', '        return 0;', '    }', '    return x;'),
    want: lines('', '        return 0;', '    '),
    multiline: true,
  },
];

const c: Case[] = [
  {
    name: 'empty main body: keeps two statements, drops `}` and the next function',
    lang: 'c',
    doc: `
      #include <stdio.h>

      int main(void) {
          █
      }
    `,
    raw: lines('printf("Hello, world!\\n");', '    return 0;', '}', '', 'int helper(void) {'),
    want: lines('printf("Hello, world!\\n");', '    return 0;'),
    multiline: true,
  },
  {
    name: 'for-loop update before `) {`',
    lang: 'c',
    doc: `for (int i = 0; i < n; █) {`,
    raw: 'i++) {',
    want: 'i++',
    multiline: false,
  },
  {
    name: "a brace in a char literal is not a bracket",
    lang: 'c',
    doc: `char open = █;`,
    raw: "'{';",
    want: "'{'",
    multiline: false,
  },
  {
    name: 'a brace in a block comment is not a bracket',
    lang: 'c',
    doc: `
      int f(void) {
          █
      }
    `,
    raw: lines('/* } */ return 1;', '}'),
    want: '/* } */ return 1;',
    multiline: true,
  },
];

const others: Case[] = [
  {
    name: 'C#: repeats the property above',
    lang: 'csharp',
    doc: `
      public class User
      {
          public string Name { get; set; }
          █
      }
    `,
    raw: 'public string Name { get; set; }',
    want: undefined,
    multiline: false,
  },
  {
    name: 'unknown language: generic bracket balance',
    lang: 'haskell',
    doc: `main = print (█)`,
    raw: 'sum [1, 2, 3])',
    want: 'sum [1, 2, 3]',
    multiline: false,
  },
  {
    name: 'Svelte: a `}` the suffix lacks is kept',
    lang: 'svelte',
    doc: `
      <ul>
        {#each items as item}
          <li>{item}</li>
        {/each█
      </ul>
    `,
    raw: '}',
    want: '}',
    multiline: false,
  },
  {
    name: 'YAML: nested list under `ports:` stops at the next service',
    lang: 'yaml',
    doc: `
      services:
        web:
          image: nginx
          ports:█
    `,
    raw: lines('', '      - "80:80"', '  db:', '    image: postgres'),
    want: lines('', '      - "80:80"'),
    multiline: true,
  },
  {
    name: 'Ruby: `do |item|` block whose `end` is below',
    lang: 'ruby',
    doc: `
      items.each do |item|█
      end
    `,
    raw: lines('', '  puts item', 'end', '', 'puts "done"'),
    want: lines('', '  puts item'),
    multiline: true,
  },
  {
    name: 'Ruby: def at the end of the file writes its own `end`',
    lang: 'ruby',
    doc: `def greet(name)█`,
    raw: lines('', '  puts "Hello, #{name}"', 'end', '', 'greet("x")'),
    want: lines('', '  puts "Hello, #{name}"', 'end'),
    multiline: true,
  },
];

const garbage: Case[] = [
  {
    name: 'control characters are removed',
    lang: 'typescript',
    doc: `
      function f(x: number) {
        █
      }
    `,
    raw: 'ret\u0000urn\u001b x;',
    want: 'return x;',
    multiline: true,
  },
  {
    name: 'bidirectional overrides are removed',
    lang: 'typescript',
    doc: `const role = █`,
    raw: '"\u202Eadmin\u202C";',
    want: '"admin";',
    multiline: false,
  },
  {
    name: 'only a leaked special token',
    lang: 'python',
    doc: `x = █`,
    raw: '<|fim_middle|>1',
    want: undefined,
    multiline: false,
  },
];

const groups: Record<string, Case[]> = {
  typescript,
  tsx,
  python,
  go,
  rust,
  java,
  c,
  others,
  garbage,
};

describe('postprocess', () => {
  for (const [group, cases] of Object.entries(groups)) {
    describe(group, () => {
      for (const k of cases) {
        it(k.name, () => {
          const pos = atCursor(k.doc, k.lang);
          const multiline = shouldBeMultiline(pos, k.mode ?? 'auto');
          assert.equal(multiline, k.multiline, 'multi-line decision');
          const got = postprocess(k.raw, pos, { multiline, maxLines: k.maxLines ?? 16 });
          assert.equal(got, k.want);
        });
      }
    });
  }
});
