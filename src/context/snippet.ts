/** Where a context snippet came from; also the order of stability in the prompt (see contextEngine). */
export type ContextSource = 'scopes' | 'imports' | 'definitions' | 'workspace' | 'recent';

/** A piece of context for the prompt: another file's code, or the current file's outline. */
export interface ContextSnippet {
  /** Path label shown to the model (workspace-relative where known). */
  path: string;
  text: string;
  source: ContextSource;
  /** How relevant the source judged it, higher is better; comparable within a source only. */
  score: number;
  /** Estimated tokens (the extension host has no tokenizer; the worker trims exactly). */
  tokens: number;
  /** 0-based lines of `path` the text comes from, inclusive. */
  range?: { startLine: number; endLine: number };
}
