import * as assert from 'node:assert/strict';
import { ensureGrammar } from '../../../src/treeSitter/parser';
import { cutToParse } from '../../../src/completion/syntax/cutToParse';
import { syntaxBlockEnd } from '../../../src/completion/syntax/syntaxBlockEnd';
import { syntaxMultiline } from '../../../src/completion/syntax/syntaxMultiline';
import type { CompletionPosition } from '../../../src/completion/postprocess/types';
import { RELAXED } from './relaxedLimits';
import { random } from '../../support/random';

const ALPHABET = ['(', ')', '[', ']', '{', '}', '"', "'", '`', '#', '//', '/*', '*/', '\\', '\n', '\r\n', '\t', ' ', ':', ';', '=>', 'def ', 'fn ', 'x', '😀', '\u0000', '\uD800', 'if (x) {', 'return 1;'];

function garbage(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) {
    out += next() < 0.8 ? ALPHABET[Math.floor(next() * ALPHABET.length)] : String.fromCharCode(Math.floor(next() * 0x10000));
  }
  return out;
}

const LANGUAGES = ['typescript', 'python', 'go', 'rust', 'java', 'c', 'cpp', 'csharp', 'ruby'];

/** One call's worst case is a few parses over their 5 ms limit plus cutToParse's 30 ms budget; generous for busy CI. */
const BUDGET_MS = 250;

/** A 5,000-line TypeScript file of small classes, cursor on a blank line in the middle of a method. */
function bigTypeScript(): CompletionPosition {
  const block = (i: number) => [`export class Service${i} {`, `  private count = ${i};`, `  handle(input: string): number {`, `    const value = input.length + this.count;`, `    if (value > ${i}) { return value * 2; }`, `    return value;`, `  }`, `}`, ''];
  const out: string[] = [];
  for (let i = 0; out.length < 5_000; i++) out.push(...block(i));
  const at = out.indexOf('    return value;', 2_500);
  return { prefix: out.slice(0, at).join('\n') + '\n    ', suffix: '\n' + out.slice(at).join('\n'), languageId: 'typescript' };
}

function timed<T>(run: () => T): [T, number] {
  const start = performance.now();
  const out = run();
  return [out, performance.now() - start];
}

describe('syntax/robustness', () => {
  before(async () => {
    for (const lang of LANGUAGES) await ensureGrammar(lang);
  });

  it('never throws on random inputs, returns a prefix of the completion, in bounded time', () => {
    const next = random(7);
    let slowest = 0;
    for (let i = 0; i < 300; i++) {
      const pos: CompletionPosition = { prefix: garbage(next, next() * 400), suffix: garbage(next, next() * 400), languageId: LANGUAGES[i % LANGUAGES.length] };
      const completion = garbage(next, next() * 300);
      const [multiline, t1] = timed(() => syntaxMultiline(pos));
      assert.ok(multiline === undefined || typeof multiline === 'boolean');
      const [cut, t2] = timed(() => cutToParse(completion, pos));
      if (cut !== undefined) assert.ok(completion.startsWith(cut), 'cutToParse returns a prefix');
      const [ended, t3] = timed(() => syntaxBlockEnd(completion, pos));
      if (ended !== undefined) assert.ok(completion.startsWith(ended), 'syntaxBlockEnd returns a prefix');
      slowest = Math.max(slowest, t1, t2, t3);
    }
    console.log(`      slowest call on garbage: ${slowest.toFixed(1)} ms`);
    assert.ok(slowest < BUDGET_MS, `${slowest} ms`);
  });

  it('malformed arguments never throw', () => {
    const bad = { prefix: 1, suffix: {}, languageId: null } as unknown as CompletionPosition;
    assert.equal(cutToParse(undefined as unknown as string, bad), undefined);
    assert.equal(cutToParse('x', bad), 'x');
    assert.equal(syntaxBlockEnd('x', bad), 'x');
  });

  it('prints its times on a 5,000-line document (not asserted)', () => {
    const pos = bigTypeScript();
    const good = ['const doubled = value * 2;', '    return doubled;'].join('\n');
    const broken = ['const doubled = value * 2;', '    if (doubled > 10) {', '      return doubled;', '    }', '    }', '  }', '}'].join('\n');
    const runs: [string, () => unknown][] = [
      ['syntaxMultiline', () => syntaxMultiline(pos)],
      ['cutToParse, parses as is', () => cutToParse(good, pos)],
      ['cutToParse, one brace too many', () => cutToParse(broken, pos)],
      ['syntaxBlockEnd', () => syntaxBlockEnd(broken, pos)],
    ];
    for (const [name, run] of runs) {
      run(); // warm
      const times = Array.from({ length: 20 }, () => timed(run)[1]).sort((a, b) => a - b);
      console.log(`      ${name}: median ${times[10].toFixed(2)} ms, max ${times[19].toFixed(2)} ms`);
    }
    // Timed with the default limits above; checked with relaxed ones, which a busy machine can't trip.
    assert.equal(cutToParse(good, pos, RELAXED), good);
    assert.equal(cutToParse(broken, pos, RELAXED), ['const doubled = value * 2;', '    if (doubled > 10) {', '      return doubled;', '    }'].join('\n'));
  });
});
