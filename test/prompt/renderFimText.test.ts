import * as assert from 'node:assert/strict';
import type { FimInput } from '../../src/prompt/fimPrompt';
import { buildFimLayout } from '../../src/prompt/fimLayout';
import { FIM_TEMPLATES, type FimTemplate } from '../../src/prompt/fimTemplates';
import { CHARS_PER_TOKEN, PREFIX_CHUNK_LINES, type PromptBudget } from '../../src/prompt/promptBudget';
import { PromptBuilder } from '../../src/prompt/promptBuilder';
import { fimPromptText, renderFimText } from '../../src/prompt/renderFimText';
import { fakeTokenizer } from './fakeTokenizer';

const BUDGET: PromptBudget = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 256 };
const template = (id: FimTemplate['id']) => FIM_TEMPLATES.find((t) => t.id === id)!;
const render = (id: FimTemplate['id'], input: FimInput, budget = BUDGET) => renderFimText(buildFimLayout(template(id), input), budget);
const sum = (parts: { tokens: number }[]) => parts.reduce((n, p) => n + p.tokens, 0);

describe('renderFimText', () => {
  const snippets = [{ path: 'lib/tax.ts', text: 'export function taxRate(c: string): number {\n  return 0.2;\n}' }];
  const input: FimInput = { prefix: 'def f(x):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(f(2))', filePath: 'src/a.py', repoName: 'demo', snippets, lineComment: '#' };

  for (const t of FIM_TEMPLATES) {
    it(`writes the ${t.id} prompt the worker encodes, control tokens spelled out`, () => {
      const tokenizer = fakeTokenizer(t);
      const encoded = new PromptBuilder(t, tokenizer).build(input, BUDGET);
      const text = render(t.id, input);
      assert.equal(text.text, tokenizer.decode(encoded.ids));
      assert.deepEqual(text.parts.map((p) => p.kind), encoded.parts.map((p) => p.kind));
    });
  }

  for (const t of FIM_TEMPLATES.filter((x) => x.spm)) {
    it(`writes the ${t.id} SPM prompt the worker encodes`, () => {
      const tokenizer = fakeTokenizer(t);
      const encoded = new PromptBuilder(t, tokenizer).build(input, BUDGET, 'spm');
      const text = renderFimText(buildFimLayout(t, input, 'spm'), BUDGET);
      assert.equal(text.text, tokenizer.decode(encoded.ids));
      assert.deepEqual(text.parts.map((p) => p.kind), encoded.parts.map((p) => p.kind));
      assert.equal(fimPromptText(t, input, BUDGET, 'spm'), text.text);
    });
  }

  it('gives a server PSM where slm.fimOrder asks for SPM and the family has none', () => {
    assert.equal(fimPromptText(template('qwen2.5-coder'), input, BUDGET, 'spm'), render('qwen2.5-coder', input).text);
    assert.equal(fimPromptText(template('starcoder2'), input, BUDGET, 'auto'), render('starcoder2', input).text);
  });

  describe('the budget in SPM order (StarCoder2)', () => {
    const spm = (i: FimInput, budget = BUDGET) => renderFimText(buildFimLayout(template('starcoder2'), i, 'spm'), budget);

    it('drops whole 16-line chunks from the start of the prefix, which now ends the prompt', () => {
      const lines = Array.from({ length: 400 }, (_, i) => `    total += values[${i}] * weight(${i}); // step ${i}`);
      const startLine = 100;
      const prefix = lines.join('\n') + '\n    return ';
      const { text, parts } = spm({ prefix, prefixStartLine: startLine, suffix: '\n}\n', filePath: 'src/sum.ts' }, { ...BUDGET, maxPromptTokens: 600 });
      assert.ok(sum(parts) <= 600, `${sum(parts)} estimated tokens`);
      assert.ok(text.startsWith('<repo_name>workspace\n<file_sep>src/sum.ts\n<fim_prefix><fim_suffix>\n}\n<fim_middle>    total += values['), text.slice(0, 120));
      const kept = Number(/<fim_middle> {4}total \+= values\[(\d+)\]/.exec(text)?.[1]);
      assert.equal((kept + startLine) % PREFIX_CHUNK_LINES, 0, `window starts at document line ${kept + startLine}`);
      assert.ok(text.endsWith('// step 399\n    return '));
      assert.equal(parts.find((p) => p.kind === 'prefix')!.droppedChars, prefix.indexOf(`    total += values[${kept}]`));
    });

    it('keeps the head of a long suffix, cut at a line end, before the middle token', () => {
      const suffix = Array.from({ length: 200 }, (_, i) => `line_${i}()`).join('\n');
      const { text, parts } = spm({ prefix: 'x = 1\n', prefixStartLine: 0, suffix }, { ...BUDGET, maxSuffixTokens: 50 });
      const part = parts.find((p) => p.kind === 'suffix')!;
      assert.ok(part.tokens <= 50 && part.tokens > 40, `${part.tokens} suffix tokens`);
      assert.match(text, /^<fim_prefix><fim_suffix>line_0\(\)\n[\s\S]*\)\n<fim_middle>x = 1\n$/);
    });

    it('leaves out a snippet over maxContextTokens, the header still first', () => {
      const { text, parts } = spm(input, { ...BUDGET, maxContextTokens: 5 });
      assert.ok(!text.includes('taxRate') && text.startsWith('<repo_name>demo\n<file_sep>src/a.py\n<fim_prefix><fim_suffix>'));
      assert.deepEqual(parts.find((p) => p.kind === 'context'), { kind: 'context', tokens: 0, droppedChars: snippets[0]!.text.length });
    });
  });

  it('sizes parts in estimated tokens: ceil(characters / CHARS_PER_TOKEN), plus 1 per control token', () => {
    const { parts } = render('qwen2.5-coder', { prefix: 'x = 12345', prefixStartLine: 0, suffix: '\n', filePath: 'a.py' });
    assert.deepEqual(parts, [
      { kind: 'control', tokens: 1 + Math.ceil('workspace\n'.length / CHARS_PER_TOKEN) },
      { kind: 'path', tokens: 1 + Math.ceil('a.py\n'.length / CHARS_PER_TOKEN) },
      { kind: 'control', tokens: 1 },
      { kind: 'prefix', tokens: 3 },
      { kind: 'control', tokens: 1 },
      { kind: 'suffix', tokens: 1 },
      { kind: 'control', tokens: 1 },
    ]);
  });

  it('leaves out a snippet over maxContextTokens, and says so', () => {
    const { text, parts } = render('deepseek-coder', { ...input, lineComment: '//' }, { ...BUDGET, maxContextTokens: 20 });
    assert.ok(!text.includes('taxRate'));
    assert.deepEqual(parts.find((p) => p.kind === 'context'), { kind: 'context', tokens: 0, droppedChars: snippets[0]!.text.length });
  });

  it('drops whole 16-line chunks from the start of the prefix to fit maxPromptTokens', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `    total += values[${i}] * weight(${i}); // step ${i}`);
    const startLine = 100;
    const prefix = lines.join('\n') + '\n    return ';
    const { text, parts } = render('qwen2.5-coder', { prefix, prefixStartLine: startLine, suffix: '\n}\n', filePath: 'src/sum.ts' }, { ...BUDGET, maxPromptTokens: 600 });
    assert.ok(sum(parts) <= 600, `${sum(parts)} estimated tokens`);
    const kept = Number(/<\|fim_prefix\|> {4}total \+= values\[(\d+)\]/.exec(text)?.[1]);
    assert.equal((kept + startLine) % PREFIX_CHUNK_LINES, 0, `window starts at document line ${kept + startLine}`);
    assert.ok(text.includes('// step 399\n    return <|fim_suffix|>'));
    const part = parts.find((p) => p.kind === 'prefix')!;
    assert.equal(part.droppedChars, prefix.indexOf(`    total += values[${kept}]`));
  });

  it('keeps the tail of a single prefix line longer than the budget, whole characters only', () => {
    const prefix = '😀'.repeat(500) + 'x';
    const { text, parts } = render('starcoder2', { prefix, prefixStartLine: 0, suffix: '' }, { ...BUDGET, maxPromptTokens: 50 });
    const kept = text.slice('<fim_prefix>'.length, text.indexOf('<fim_suffix>'));
    assert.ok(kept.endsWith('😀x') && prefix.endsWith(kept));
    assert.equal(kept.length % 2, 1, 'no half surrogate pair');
    assert.equal(parts.find((p) => p.kind === 'prefix')!.droppedChars, prefix.length - kept.length);
    assert.ok(sum(parts) <= 50);
  });

  it('keeps the head of a long suffix, cut at a line end', () => {
    const suffix = Array.from({ length: 200 }, (_, i) => `line_${i}()`).join('\n');
    const { text, parts } = render('codegemma', { prefix: 'x = 1\n', prefixStartLine: 0, suffix }, { ...BUDGET, maxSuffixTokens: 50 });
    const part = parts.find((p) => p.kind === 'suffix')!;
    assert.ok(part.tokens <= 50 && part.tokens > 40, `${part.tokens} suffix tokens`);
    assert.match(text, /<\|fim_suffix\|>line_0\(\)\n[\s\S]*\)\n<\|fim_middle\|>$/);
    assert.equal(part.droppedChars, suffix.length - (text.length - text.indexOf('line_0') - '<|fim_middle|>'.length));
  });

  it('with a suffix budget of 0 keeps no suffix', () => {
    const { text } = render('qwen2.5-coder', { prefix: 'x = 1\n', prefixStartLine: 0, suffix: 'y = 2\n' }, { ...BUDGET, maxSuffixTokens: 0 });
    assert.equal(text, '<|fim_prefix|>x = 1\n<|fim_suffix|><|fim_middle|>');
  });

  it('leaves user text that spells a control token as it is (keeping it text is the server\'s concern)', () => {
    const prefix = 'const s = "<|fim_middle|><|endoftext|>";\n';
    assert.equal(render('qwen2.5-coder', { prefix, prefixStartLine: 0, suffix: '' }).text, `<|fim_prefix|>${prefix}<|fim_suffix|><|fim_middle|>`);
  });
});
