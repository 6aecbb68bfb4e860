import * as assert from 'node:assert/strict';
import { isIntro, isProse } from '../../src/chat/proseLines';
import { languageSyntax } from '../../src/languages/languages';

/** Each line with what it is taken for: prose (a sentence), intro (leads into code), or code. */
const cases: { line: string; lang?: string; want: 'prose' | 'intro' | 'code' }[] = [
  { line: 'Here is the refactored code:', want: 'intro' },
  { line: "Sure! Here's the updated version:", want: 'intro' },
  { line: 'Certainly.', want: 'intro' },
  { line: 'Refactored code:', want: 'intro' },
  { line: '**Explanation:**', lang: 'typescript', want: 'intro' },
  { line: '### Explanation:', lang: 'typescript', want: 'intro' },
  { line: 'This version avoids the copy.', want: 'prose' },
  { line: '- Replaced the loop with `sum()`.', want: 'prose' },
  { line: '1. Extracted the helper `parse_row`.', want: 'prose' },
  { line: "I've kept the function's name", want: 'prose' },
  { line: 'No changes needed.', want: 'prose' },
  { line: 'return a if b else c', want: 'code' },
  { line: 'SELECT id FROM users WHERE active', want: 'code' },
  { line: '# Return the area of the shape.', want: 'code' },
  { line: '// Adds two numbers and returns the sum.', lang: 'typescript', want: 'code' },
  { line: ' * Adds two numbers and returns the sum.', lang: 'typescript', want: 'code' },
  { line: '### Explanation', lang: 'python', want: 'code' },
  { line: 'Console.WriteLine("Hello world");', lang: 'csharp', want: 'code' },
  { line: 'Okay(x)', want: 'code' },
  { line: 'else:', want: 'code' },
  { line: 'def area(self):', want: 'code' },
  { line: 'Point = namedtuple("Point", "x y")', want: 'code' },
  { line: 'True', want: 'code' },
  { line: '})', lang: 'typescript', want: 'code' },
  { line: '', want: 'code' },
];

describe('chat/proseLines', () => {
  for (const c of cases) {
    it(`${JSON.stringify(c.line)} (${c.lang ?? 'python'}): ${c.want}`, () => {
      const syntax = languageSyntax(c.lang ?? 'python');
      const got = isIntro(c.line, syntax) ? 'intro' : isProse(c.line, syntax) ? 'prose' : 'code';
      assert.equal(got, c.want);
    });
  }
});
