import type { GrammarId } from '../languages/grammars';
import type { Node, Tree } from '../treeSitter/parser';
import { queryRange, readyQuery } from '../treeSitter/queries';
import { estimateTokens } from '../prompt/promptBudget';
import type { ContextSnippet } from './snippet';

export interface EnclosingScopesInput {
  tree: Tree;
  grammar: GrammarId;
  /** The document's full text (the tree's). */
  text: string;
  /** Cursor as a UTF-16 offset into `text` (tree-sitter's web binding counts the same way). */
  cursorOffset: number;
  /** First line of the prompt's prefix window: scopes starting at or below it are already in the prompt. */
  prefixStartLine: number;
  /** Path label of the current file. */
  path: string;
}

/** A signature longer than this is cut (a parameter list of 40 lines says little more than its first 12). */
const MAX_SIGNATURE_LINES = 12;
/**
 * Ancestors of the cursor looked at, innermost first; real code nests a few dozen deep. A count,
 * not a time limit, so that the result does not depend on the machine's load.
 */
const MAX_ANCESTORS = 100;
/** Where a scope without a `body` field (Go's type declarations) must have its body, from its start. */
const HEAD_CHARS = 4096;

/**
 * The signatures of the functions, methods and classes around the cursor that start above the
 * prefix window, outermost first, each up to and including its body's opening brace, e.g.
 *
 *     export class Circle extends Base<number> {
 *       async load(file: string, options: Opts = {}): Promise<string> {
 *
 * Returned as a snippet labelled with the current file, or undefined when there is none (or the
 * grammar's scope query is not compiled yet). Runs the query on the cursor's ancestors only.
 */
export function enclosingScopes(input: EnclosingScopesInput): ContextSnippet | undefined {
  const query = readyQuery(input.grammar, 'scopes');
  if (!query) return undefined;
  const { text, cursorOffset } = input;
  const at = Math.min(cursorOffset, text.length);
  const scopes = new Map<number, { scope: Node; body: Node }>();
  // Walk up from the cursor and match each ancestor as a pattern root (maxStartDepth 0): a query
  // restricted to the cursor's range would miss patterns whose other captures (the name) lie
  // outside it. Bounded for pathological nesting: the outermost scopes are then left out.
  for (const node of ancestorsAt(input.tree, Math.max(0, at - 1)).slice(-MAX_ANCESTORS)) {
    if (node.startPosition.row >= input.prefixStartLine) continue;
    // Only the scope's head is searched (name, signature, start of body): a query on the whole
    // node would walk its subtree, O(file) per ancestor.
    const headEnd = node.childForFieldName('body')?.startIndex ?? node.startIndex + HEAD_CHARS;
    for (const match of query.matches(node, { maxStartDepth: 0, ...queryRange(node.startIndex, Math.min(at, headEnd + 1)) })) {
      const scope = match.captures.find((c) => c.name === 'scope')?.node;
      const body = match.captures.find((c) => c.name === 'scope.body')?.node;
      if (!scope || !body || scope.id !== node.id) continue;
      // The cursor must be inside the body, not in the signature being typed.
      if (!(body.startIndex < at && at <= body.endIndex)) continue;
      scopes.set(scope.id, { scope, body });
    }
  }
  if (scopes.size === 0) return undefined;
  const ordered = [...scopes.values()].sort((a, b) => a.scope.startIndex - b.scope.startIndex || b.scope.endIndex - a.scope.endIndex);
  const signatures = ordered.map(({ scope, body }) => signature(text, scope, body));
  const snippetText = signatures.join('\n');
  return {
    path: input.path,
    text: snippetText,
    source: 'scopes',
    score: 1,
    tokens: estimateTokens(snippetText),
    range: { startLine: ordered[0]!.scope.startPosition.row, endLine: ordered[ordered.length - 1]!.body.startPosition.row },
  };
}

/** The scope's text from the start of its first line (keeping indentation) up to its body, plus the body's `{`. */
function signature(text: string, scope: Node, body: Node): string {
  const lineStart = text.lastIndexOf('\n', scope.startIndex - 1) + 1;
  const opener = text[body.startIndex] === '{' ? 1 : 0;
  let sig = text.slice(lineStart, body.startIndex + opener).trimEnd();
  const lines = sig.split('\n');
  if (lines.length > MAX_SIGNATURE_LINES) sig = [...lines.slice(0, MAX_SIGNATURE_LINES), `${lines[0]!.match(/^\s*/)![0]}    ...`].join('\n');
  return sig.replace(/\r/g, '');
}

/**
 * The nodes from the root down to the deepest one containing `index`, by one tree cursor walk.
 * (`node.parent` is no pointer in tree-sitter: it searches down from the root, so walking up
 * costs O(depth) per step; 100 steps at depth 3,000 took ~250 ms.)
 */
function ancestorsAt(tree: Tree, index: number): Node[] {
  const cursor = tree.walk();
  const path: Node[] = [cursor.currentNode];
  // Down into the child that contains `index`, sibling by sibling (web-tree-sitter 0.27's
  // gotoFirstChildForIndex reports failure wrongly).
  let descended = cursor.gotoFirstChild();
  while (descended) {
    if (cursor.startIndex <= index && index < cursor.endIndex) {
      path.push(cursor.currentNode);
      descended = cursor.gotoFirstChild();
    } else if (cursor.startIndex > index || !cursor.gotoNextSibling()) break;
  }
  cursor.delete();
  return path;
}
