import type { FimOrder, FimTemplate } from './fimTemplates';

/** What the editor side sends to build an infill prompt: text windows, never token ids. */
export interface FimInput {
  /** Text before the cursor, starting at the beginning of line `prefixStartLine`. */
  prefix: string;
  /** Absolute (0-based) line of the document where `prefix` starts. */
  prefixStartLine: number;
  /** Text after the cursor. */
  suffix: string;
  /** Workspace-relative path of the file, shown to models with a repo-level format. */
  filePath?: string;
  repoName?: string;
  /** Other files' snippets, most stable first (filled in by the context engine). */
  snippets?: { path: string; text: string }[];
  /**
   * The language's line comment (`//`, `#`). Templates without a repo-level format (DeepSeek-Coder,
   * CodeLlama) get the snippets as commented lines at the top of the prefix, as Continue and Tabby
   * do; without it they get none.
   */
  lineComment?: string;
}

export interface PromptPart {
  kind: 'control' | 'context' | 'path' | 'prefix' | 'suffix';
  tokens: number;
  /** Characters of this part's text that did not fit the budget. */
  droppedChars?: number;
}

export interface FimPrompt {
  ids: number[];
  template: FimTemplate['id'];
  /** The order the parts were laid out in (PSM where the family has no SPM). */
  order: FimOrder;
  /** In prompt order. */
  parts: PromptPart[];
  /** Control tokens that end the infill, as ids. */
  stopTokenIds: number[];
}
