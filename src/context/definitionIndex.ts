import { grammarFor } from '../languages/languages';
import type { OpenDocument } from './openDocuments';
import type { DocumentTrees, Node, Query, Tree } from '../treeSitter/parser';
import { readyQuery } from '../treeSitter/queries';

export interface Definition {
  name: string;
  uri: string;
  path: string;
  /** 0-based lines, inclusive. */
  startLine: number;
  endLine: number;
  text: string;
}

/**
 * A definition longer than this is cut to its first lines: the signature and the start of the body
 * say what the model needs (a 200-line class would eat the whole context budget).
 */
const MAX_DEFINITION_LINES = 24;

interface Indexed {
  tree: Tree;
  byName: Map<string, Definition[]>;
}

/**
 * Named definitions (definitions.scm) of each document, by name. A document is indexed again only
 * when its tree changed (DocumentTrees reparses incrementally after edits); indexing one costs a
 * query over its tree, ~1-5 ms for 1,000 lines.
 */
export class DefinitionIndex {
  private readonly docs = new Map<string, Indexed>();

  constructor(private readonly trees: DocumentTrees) {}

  /**
   * The document's definitions, indexing it if needed; undefined if it has no grammar, its grammar
   * or query is still loading, or its parse timed out.
   */
  definitionsOf(doc: OpenDocument): Map<string, Definition[]> | undefined {
    const tree = this.trees.tree(doc.uri, doc.text, doc.languageId);
    if (!tree) return undefined;
    const cached = this.docs.get(doc.uri);
    if (cached?.tree === tree) return cached.byName;
    const grammar = grammarFor(doc.languageId);
    const query = grammar && readyQuery(grammar, 'definitions');
    if (!query) return undefined;
    const byName = new Map<string, Definition[]>();
    for (const { name, node } of definitionNodes(query, tree)) {
      const entry: Definition = { name, uri: doc.uri, path: doc.path, startLine: node.startPosition.row, endLine: node.endPosition.row, text: definitionText(doc.text, node.startIndex, node.endIndex) };
      const list = byName.get(name);
      if (list) list.push(entry);
      else byName.set(name, [entry]);
    }
    this.docs.set(doc.uri, { tree, byName });
    return byName;
  }

  forget(uri: string): void {
    this.docs.delete(uri);
  }
}

/**
 * The named definitions (definitions.scm) in a tree. `progressCallback` may cancel the query
 * (returning true), after which the list is partial.
 */
export function definitionNodes(query: Query, tree: Tree, progressCallback?: () => boolean): { name: string; node: Node }[] {
  const out: { name: string; node: Node }[] = [];
  for (const match of query.matches(tree.rootNode, progressCallback && { progressCallback })) {
    const node = match.captures.find((c) => c.name === 'definition')?.node;
    const name = match.captures.find((c) => c.name === 'definition.name')?.node.text;
    if (node && name) out.push({ name, node });
  }
  return out;
}

/**
 * A definition's text, from the start of its line (so that indentation and `export` stay) to the
 * end of its last line (a trailing comment often says what a constant is), cut to
 * MAX_DEFINITION_LINES lines.
 */
export function definitionText(text: string, startIndex: number, endIndex: number): string {
  const lineStart = text.lastIndexOf('\n', startIndex - 1) + 1;
  // A node may end with its line's newline (a C macro).
  const lineEnd = text[endIndex - 1] === '\n' ? endIndex - 1 : text.indexOf('\n', endIndex);
  const lines = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).replace(/\r/g, '').trimEnd().split('\n');
  return lines.length > MAX_DEFINITION_LINES ? [...lines.slice(0, MAX_DEFINITION_LINES), '...'].join('\n') : lines.join('\n');
}
