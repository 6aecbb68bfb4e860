import * as assert from 'node:assert/strict';
import { endsWithBlockOpener } from '../../../src/completion/postprocess/endsWithBlockOpener';
import { languageSyntax } from '../../../src/languages/languages';

describe('endsWithBlockOpener', () => {
  const cases: [lang: string, line: string, want: 'block' | 'bracket' | undefined][] = [
    ['typescript', 'function f() {', 'block'],
    ['typescript', 'const f = () =>  ', 'block'],
    ['typescript', 'foo(', 'bracket'],
    ['typescript', 'const xs = [', 'bracket'],
    ['typescript', 'const x = 1;', undefined],
    ['typescript', '  case "a":', 'block'],
    ['typescript', 'const y = c ? a :', undefined],
    ['python', 'def f(x):', 'block'],
    ['python', 'ys = xs[1:', undefined],
    ['python', 'f(lambda x:', undefined],
    ['go', 'func main() {', 'block'],
    ['ruby', 'xs.each do |x|', 'block'],
    ['ruby', 'def greet(name)', 'block'],
    ['lua', 'local function f(a, b)', 'block'],
    ['shellscript', 'for f in *; do', 'block'],
    ['yaml', 'script: |', 'block'],
    ['plaintext', 'anything:', undefined],
    ['typescript', '', undefined],
  ];
  for (const [lang, line, want] of cases) {
    it(`${lang}: ${JSON.stringify(line)} -> ${want}`, () => {
      assert.equal(endsWithBlockOpener(line, languageSyntax(lang)), want);
    });
  }

  it('uses the caller-known bracket depth for a colon', () => {
    assert.equal(endsWithBlockOpener('    "a":', languageSyntax('python'), 1), undefined);
    assert.equal(endsWithBlockOpener('    "a":', languageSyntax('python')), 'block');
  });
});
