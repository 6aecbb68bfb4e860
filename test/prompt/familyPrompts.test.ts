import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { readChatTemplate, renderChat } from '../../src/prompt/chatPrompt';
import { detectFimTemplate } from '../../src/prompt/fimTemplates';
import { PromptBuilder } from '../../src/prompt/promptBuilder';
import { FAMILIES, type FamilyId } from '../modelgen/families';
import { writeTokenizer } from '../modelgen/tokenizers';

const built = new Map<FamilyId, { tokenizer: TextTokenizer; configFile: string }>();

/** Each family's tokenizer files as the generated models carry them (tokenizers.ts), built once. */
function familyTokenizer(family: FamilyId, scratch: string): { tokenizer: TextTokenizer; configFile: string } {
  const known = built.get(family);
  if (known) return known;
  const dir = path.join(scratch, family);
  fs.mkdirSync(dir, { recursive: true });
  writeTokenizer(dir, FAMILIES[family].tokenizer, FAMILIES[family].tokenizerConfig);
  const configFile = path.join(dir, 'tokenizer_config.json');
  const result = { tokenizer: TextTokenizer.load(path.join(dir, 'tokenizer.json'), configFile), configFile };
  built.set(family, result);
  return result;
}

const INPUT = { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n\nprint(add(1, 2))\n', filePath: 'src/calc.py', repoName: 'demo' };
const BUDGET = { maxPromptTokens: 512, maxSuffixTokens: 128, maxContextTokens: 0 };

/**
 * Golden FIM prompts: the family's control tokens at their real ids (FACTS.md, MODEL-FAMILIES.md,
 * each template's source) around the code as plain text.
 */
const FIM_GOLDEN: Partial<Record<FamilyId, { template: string; text: string; ids: Record<string, number>; stops: number[] }>> = {
  'deepseek-coder': {
    template: 'deepseek-coder',
    text: '<｜fim▁begin｜>def add(a, b):\n    return <｜fim▁hole｜>\n\nprint(add(1, 2))\n<｜fim▁end｜>',
    ids: { '<｜fim▁begin｜>': 32016, '<｜fim▁hole｜>': 32015, '<｜fim▁end｜>': 32017 },
    stops: [32014, 32021],
  },
  codegemma: {
    template: 'codegemma',
    text: '<|file_separator|>src/calc.py\n<|fim_prefix|>def add(a, b):\n    return <|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>',
    ids: { '<|fim_prefix|>': 67, '<|fim_middle|>': 68, '<|fim_suffix|>': 69, '<|file_separator|>': 70 },
    stops: [70, 1],
  },
  starcoder2: {
    template: 'starcoder2',
    text: '<repo_name>demo\n<file_sep>src/calc.py\n<fim_prefix>def add(a, b):\n    return <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>',
    ids: { '<|endoftext|>': 0, '<fim_prefix>': 1, '<fim_middle>': 2, '<fim_suffix>': 3, '<repo_name>': 5, '<file_sep>': 6 },
    stops: [0, 6],
  },
  'stable-code': {
    template: 'stable-code',
    text: '<fim_prefix>def add(a, b):\n    return <fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>',
    ids: { '<|endoftext|>': 0, '<fim_prefix>': 50277, '<fim_middle>': 50278, '<fim_suffix>': 50279 },
    stops: [0],
  },
};

/** Golden suffix-first prompts, for the generated families trained with SPM (fimTemplates.ts `spm`). */
const SPM_GOLDEN: Partial<Record<FamilyId, { text: string; controls: number[] }>> = {
  starcoder2: {
    text: '<repo_name>demo\n<file_sep>src/calc.py\n<fim_prefix><fim_suffix>\n\nprint(add(1, 2))\n<fim_middle>def add(a, b):\n    return ',
    // <repo_name> <file_sep> <fim_prefix> <fim_suffix> <fim_middle>, at their real ids.
    controls: [5, 6, 1, 3, 2],
  },
};

/** Golden chat prompts for one user message, rendered from each family's own chat_template. */
const CHAT_GOLDEN: Partial<Record<FamilyId, { text: string; ids: Record<string, number>; eos: number }>> = {
  'deepseek-coder': {
    text:
      '<｜begin▁of▁sentence｜>You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, and you only answer questions related to computer science. For politically sensitive questions, security and privacy issues, and other non-computer science questions, you will refuse to answer\n' +
      '### Instruction:\nExplain <|EOT|> here\n### Response:\n',
    ids: { '<｜begin▁of▁sentence｜>': 32013, '<|EOT|>': 32021 },
    eos: 32021,
  },
  'phi-3.5': {
    text: '<|system|>\nBe brief.<|end|>\n<|user|>\nExplain <|EOT|> here<|end|>\n<|assistant|>\n',
    ids: { '<|system|>': 32006, '<|end|>': 32007, '<|user|>': 32010, '<|assistant|>': 32001 },
    eos: 32007,
  },
  smollm2: {
    text: '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nExplain <|EOT|> here<|im_end|>\n<|im_start|>assistant\n',
    ids: { '<|im_start|>': 1, '<|im_end|>': 2 },
    eos: 2,
  },
  'llama-3.2': {
    text:
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nExplain <|EOT|> here<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    ids: { '<|begin_of_text|>': 128000, '<|start_header_id|>': 128006, '<|end_header_id|>': 128007, '<|eot_id|>': 128009 },
    eos: 128009,
  },
};

describe('family prompts against the families’ real token ids', function () {
  this.timeout(60_000);
  let scratch: string;
  before(() => (scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-family-prompts-'))));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  for (const [family, golden] of Object.entries(FIM_GOLDEN) as [FamilyId, NonNullable<(typeof FIM_GOLDEN)[FamilyId]>][]) {
    it(`${family}: the FIM prompt, its control ids and stop ids`, () => {
      const { tokenizer } = familyTokenizer(family, scratch);
      const template = detectFimTemplate(tokenizer);
      assert.equal(template?.id, golden.template);
      for (const [token, id] of Object.entries(golden.ids)) assert.equal(tokenizer.tokenId(token), id, token);
      const prompt = new PromptBuilder(template!, tokenizer).build(INPUT, BUDGET);
      assert.equal(tokenizer.decode(prompt.ids), golden.text);
      const controls = prompt.ids.filter((id) => Object.values(golden.ids).includes(id));
      assert.deepEqual(controls, [...golden.text.matchAll(new RegExp(Object.keys(golden.ids).map((t) => t.replace(/[|[\]]/g, '\\$&')).join('|'), 'g'))].map((m) => golden.ids[m[0]]));
      for (const stop of golden.stops) assert.ok(prompt.stopTokenIds.includes(stop), `stop ${stop}`);
    });
  }

  for (const [family, golden] of Object.entries(SPM_GOLDEN) as [FamilyId, NonNullable<(typeof SPM_GOLDEN)[FamilyId]>][]) {
    it(`${family}: the SPM prompt, its control ids, and the middle right after the prefix`, () => {
      const { tokenizer } = familyTokenizer(family, scratch);
      const template = detectFimTemplate(tokenizer)!;
      const prompt = new PromptBuilder(template, tokenizer).build(INPUT, BUDGET, 'spm');
      assert.equal(tokenizer.decode(prompt.ids), golden.text);
      assert.deepEqual(prompt.ids.filter((id) => id < 38), golden.controls);
      assert.deepEqual(prompt.ids.slice(-tokenizer.encodePlain(INPUT.prefix).length), tokenizer.encodePlain(INPUT.prefix));
    });

    it(`${family}: in SPM order a keystroke at the cursor keeps all of the previous prompt but its last tokens`, () => {
      const { tokenizer } = familyTokenizer(family, scratch);
      const builder = new PromptBuilder(detectFimTemplate(tokenizer)!, tokenizer);
      const body = Array.from({ length: 40 }, (_, i) => `    v${i} = compute(${i})`).join('\n');
      const input = (typed: string) => ({ ...INPUT, prefix: `def run():\n${body}\n    result = com${typed}`, suffix: '\n    return result\n\n\nprint(run())\n' });
      const shared = (order: 'psm' | 'spm') => {
        const before = builder.build(input(''), BUDGET, order).ids;
        const after = builder.build(input('p'), BUDGET, order).ids;
        let common = 0;
        while (before[common] === after[common]) common++;
        return { common, before, after };
      };
      const spm = shared('spm');
      // Only the tokens of the edited word can change (BPE may merge the new character into them).
      assert.ok(spm.common >= spm.before.length - 4, `SPM: ${spm.common} of ${spm.before.length} tokens shared`);
      const psm = shared('psm');
      const suffixTokens = tokenizer.encodePlain(input('').suffix).length;
      assert.ok(psm.after.length - psm.common > suffixTokens, `PSM: the ${suffixTokens} suffix tokens follow the edit`);
    });
  }

  for (const family of ['smollm2', 'llama-3.2', 'phi-3.5'] as FamilyId[]) {
    it(`${family}: no FIM tokens, so no FIM template (it serves as a chat model)`, () => {
      assert.equal(detectFimTemplate(familyTokenizer(family, scratch).tokenizer), undefined);
    });
  }

  for (const [family, golden] of Object.entries(CHAT_GOLDEN) as [FamilyId, NonNullable<(typeof CHAT_GOLDEN)[FamilyId]>][]) {
    it(`${family}: the chat prompt from its own template, with its control ids and end of turn`, () => {
      const { tokenizer, configFile } = familyTokenizer(family, scratch);
      const template = readChatTemplate(configFile);
      assert.ok(template, 'a chat template');
      const system = family === 'deepseek-coder' ? [] : [{ role: 'system' as const, content: 'Be brief.' }];
      const parts = renderChat(template, [...system, { role: 'user', content: 'Explain <|EOT|> here' }]);
      // Llama 3.2's template dates the system turn with strftime_now, which the renderer defines.
      const rendered = parts.map((p) => p.text).join('').replace(/Today Date: \d\d [A-Z][a-z]{2} \d{4}\n/, 'Today Date: 26 Jul 2024\n');
      assert.equal(rendered, golden.text);
      const ids = parts.flatMap((p) => (p.kind === 'template' ? tokenizer.encode(p.text) : tokenizer.encodePlain(p.text)));
      for (const [token, id] of Object.entries(golden.ids)) {
        const inTemplate = parts.filter((p) => p.kind === 'template').some((p) => p.text.includes(token));
        if (inTemplate) assert.ok(ids.includes(id), `${token} = ${id}`);
      }
      // The user's text that spells a control token stays plain characters.
      assert.ok(!tokenizer.encodePlain('Explain <|EOT|> here').some((id) => Object.values(golden.ids).includes(id)));
      assert.equal(tokenizer.tokenId(tokenizer.decode([golden.eos])), golden.eos);
    });
  }
});
