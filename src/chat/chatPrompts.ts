import { markdownTag } from '../languages/languages';
import { CHARS_PER_TOKEN } from '../prompt/promptBudget';
import type { ChatMessage } from '../shared/generation';
import type { CodeTarget } from './codeTarget';

/** What the prompt tells the model beside the code: other code it uses, and the problems VS Code reports in it. */
export interface PromptContext {
  /** From the context engine, most useful first: definitions the code uses, the enclosing scope's signature. */
  snippets: { path: string; text: string }[];
  /** 0-based lines of the document. */
  diagnostics: { line: number; severity: 'error' | 'warning' | 'info'; message: string }[];
}

export interface ChatPrompt {
  messages: ChatMessage[];
  /** The start of the assistant's answer, written for it (an opening code fence). */
  prefill?: string;
  stopStrings?: string[];
}

/** Tokens of workspace context a chat prompt takes at most: a small model follows a short prompt better. */
export const CHAT_CONTEXT_TOKENS = 1024;

const EXPLAIN_SYSTEM = 'You are a programming assistant. Explain code clearly and briefly, in Markdown. Say what it does and how, then anything surprising. Do not repeat the whole code.';
const REFACTOR_SYSTEM = 'You are a programming assistant that rewrites code. Answer with the rewritten code only, in one code block: no explanation. Change only what the instruction asks and keep everything else as it is.';

/** The messages that ask for an explanation of the target's lines (`code`: dedented). */
export function explainPrompt(target: CodeTarget, code: string, context: PromptContext): ChatPrompt {
  return {
    messages: [
      { role: 'system', content: EXPLAIN_SYSTEM },
      { role: 'user', content: `${describeCode(target, code, context)}\n\nExplain this code.` },
    ],
  };
}

/**
 * The messages that ask for the target's lines rewritten by `instruction`. The answer is started
 * with the code block's opening fence, so that the model writes code at once; the closing fence
 * ends it. The instruction comes last: refactorWarmup's prompt is this one's beginning.
 */
export function refactorPrompt(target: CodeTarget, code: string, instruction: string, context: PromptContext): ChatPrompt {
  const tag = markdownTag(target.languageId);
  return {
    messages: [
      { role: 'system', content: REFACTOR_SYSTEM },
      { role: 'user', content: `${describeCode(target, code, context)}\n\nRewrite these lines: ${instruction.trim()}\nAnswer with the complete rewritten lines in one \`\`\`${tag} code block.` },
    ],
    prefill: `\`\`\`${tag}\n`,
    stopStrings: ['```'],
  };
}

/**
 * refactorPrompt's beginning, without the instruction: prefilled while the user types the
 * instruction, so that the request itself runs only the instruction's tokens.
 */
export function refactorWarmup(target: CodeTarget, code: string, context: PromptContext): ChatPrompt {
  return { messages: [{ role: 'system', content: REFACTOR_SYSTEM }, { role: 'user', content: describeCode(target, code, context) }] };
}

/** The file, the lines, the context that fits CHAT_CONTEXT_TOKENS, the problems inside the range, and the code. */
function describeCode(target: CodeTarget, code: string, context: PromptContext): string {
  const tag = markdownTag(target.languageId);
  const parts = [`File: ${target.path} (${tag}), lines ${target.startLine + 1}-${target.endLine + 1}.`];
  let left = CHAT_CONTEXT_TOKENS * CHARS_PER_TOKEN;
  const snippets: string[] = [];
  for (const snippet of context.snippets) {
    const block = `${snippet.path}:\n\`\`\`${tag}\n${snippet.text.trimEnd()}\n\`\`\``;
    if (block.length > left) continue;
    left -= block.length;
    snippets.push(block);
  }
  if (snippets.length) parts.push(`Code it uses, from the workspace:\n\n${snippets.join('\n\n')}`);
  const problems = context.diagnostics.filter((d) => d.line >= target.startLine && d.line <= target.endLine);
  if (problems.length) parts.push(`Problems reported in these lines:\n${problems.map((d) => `- line ${d.line + 1} (${d.severity}): ${d.message}`).join('\n')}`);
  parts.push(`The lines:\n\`\`\`${tag}\n${code}\n\`\`\``);
  return parts.join('\n\n');
}
