import * as assert from 'node:assert/strict';
import { languageSyntax } from '../../../src/languages/languages';
import { IN_CODE, scanBrackets, type ScanState } from '../../../src/completion/postprocess/scanBrackets';

function brackets(text: string, languageId: string, start: ScanState = IN_CODE): { seen: string; end: ScanState } {
  let seen = '';
  const end = scanBrackets(text, languageSyntax(languageId), start, (event, char) => {
    seen += event === 'newline' ? '/' : char;
  });
  return { seen, end };
}

describe('scanBrackets', () => {
  const cases: [name: string, lang: string, text: string, seen: string][] = [
    ['code brackets and line breaks', 'typescript', 'f(a[0], {b})\n}', '([]{})/}'],
    ['skips double- and single-quoted strings', 'typescript', `f("(", ')', x)`, '()'],
    ['skips an escaped quote inside a string', 'typescript', 'f("\\")", 1)', '()'],
    ['skips line comments to the line end', 'typescript', 'a(); // }\n}', '()/}'],
    ['skips block comments across lines', 'c', 'a /* {\n ( */ )', '/)'],
    ['template literals span lines', 'typescript', '`{\n(` )', '/)'],
    ['Python triple quotes span lines', 'python', '"""(\n"""\n)', '//)'],
    ['Python # comments', 'python', 'x = 1  # )\n(', '/('],
    ["Rust: `'` is a lifetime, not a quote", 'rust', "fn f<'a>(x: &'a str) {", '(){'],
    ['an unclosed string ends at the line end', 'plaintext', "don't (\n)", '/)'],
    ['CSS has no // comments', 'css', 'a { background: url(http://x) }', '{()}'],
  ];
  for (const [name, lang, text, seen] of cases) {
    it(name, () => assert.equal(brackets(text, lang).seen, seen));
  }

  it('returns the state at the end, to resume from', () => {
    const { end } = brackets('const s = `abc', 'typescript');
    assert.deepEqual(end, { mode: 'string', close: '`', spansLines: true });
    assert.equal(brackets('def)`)', 'typescript', end).seen, ')');
  });

  it('stops when the visitor returns true', () => {
    let count = 0;
    scanBrackets('((((', languageSyntax('c'), IN_CODE, () => ++count === 2);
    assert.equal(count, 2);
  });
});
