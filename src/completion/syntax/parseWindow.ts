import { parseSnippet, type Tree } from '../../treeSitter/parser';

export interface SyntaxLimits {
  /**
   * Time limit of one parse. A 6 KB window takes ~1 ms; a grammar's first parses take longer
   * while V8 compiles and then optimizes it (5-40 ms for the first few), and such a parse is given
   * up: the caller then acts as if there were no grammar.
   */
  parseTimeoutMs: number;
  /** Time cutToParse may spend on trying shorter cuts, ~1 ms a parse. */
  budgetMs: number;
}

export const DEFAULT_LIMITS: SyntaxLimits = { parseTimeoutMs: 5, budgetMs: 30 };

/**
 * Runs `use` on the tree of `text` and frees the tree. Undefined when the language has no grammar,
 * its grammar is not loaded yet (loading starts), or the parse ran over its time limit. Never throws.
 */
export function withTree<T>(languageId: string, text: string, limits: SyntaxLimits, use: (tree: Tree) => T): T | undefined {
  let tree: Tree | undefined;
  try {
    tree = parseSnippet(languageId, text, limits.parseTimeoutMs);
  } catch {
    return undefined;
  }
  if (!tree) return undefined;
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
