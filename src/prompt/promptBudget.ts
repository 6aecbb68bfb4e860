/**
 * The numbers both sides of the worker boundary must agree on: the extension host sizes text
 * windows in characters (it has no tokenizer), the worker fits them to exact token budgets.
 */

export interface PromptBudget {
  /** All prompt tokens, control tokens included. */
  maxPromptTokens: number;
  /** At most this many tokens of text after the cursor. */
  maxSuffixTokens: number;
  /** At most this many tokens of other files' snippets. */
  maxContextTokens: number;
}

/** ~4 characters a token in code: how the host turns token budgets into text windows. */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * The prefix is tokenized in chunks of this many document lines, aligned to absolute line
 * numbers. Typing then changes only the last chunk, every earlier chunk keeps its token ids,
 * and the worker's KV cache is reused up to the cursor's chunk. When the prefix outgrows its
 * budget, whole chunks are dropped from the start, so the window start moves 16 lines at a
 * time rather than with every new line (llama.vscode uses 64-line chunks for the same reason).
 * The host's document window starts on the same boundaries.
 */
export const PREFIX_CHUNK_LINES = 16;
