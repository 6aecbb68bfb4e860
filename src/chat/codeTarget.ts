import { grammarFor } from '../languages/languages';
import { lineStartOffsets } from '../shared/lineOffsets';
import { ensureGrammar, parseSnippet, type Node } from '../treeSitter/parser';
import { loadQuery, queryRange } from '../treeSitter/queries';

/** What Explain and Refactor work on: whole lines of a document. */
export interface CodeTarget {
  path: string;
  languageId: string;
  /** 0-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The lines' text joined with `\n`, without a final line end. */
  text: string;
  /** The document's line end. */
  eol: '\n' | '\r\n';
  /** Where the lines came from: the selection, the function or class around the cursor, or the block of lines around it. */
  kind: 'selection' | 'scope' | 'block';
}

export interface TargetDocument {
  path: string;
  languageId: string;
  text: string;
}

export interface Position {
  line: number;
  character: number;
}

/** Parsing a document for the scope at the cursor gives up after this long (a huge file): the block of lines is used then. */
const PARSE_MS = 500;

/**
 * The lines to explain or refactor: a selection grows to whole lines (a selection that ends at the
 * start of a line leaves that line out, as selecting whole lines does); with nothing selected, the
 * innermost function, method or class around the cursor (tree-sitter), or else the block of
 * non-blank lines around it.
 */
export async function codeTarget(document: TargetDocument, selection: { start: Position; end: Position }): Promise<CodeTarget> {
  const lines = document.text.split(/\r?\n/);
  const eol = document.text.includes('\r\n') ? '\r\n' : '\n';
  const make = (startLine: number, endLine: number, kind: CodeTarget['kind']): CodeTarget => ({
    path: document.path,
    languageId: document.languageId,
    startLine,
    endLine,
    text: lines.slice(startLine, endLine + 1).join('\n'),
    eol,
    kind,
  });
  const { start, end } = selection;
  if (start.line !== end.line || start.character !== end.character) {
    const endLine = end.character === 0 && end.line > start.line ? end.line - 1 : end.line;
    return make(start.line, Math.min(endLine, lines.length - 1), 'selection');
  }
  const scope = await scopeAt(document, (lineStartOffsets(document.text)[start.line] ?? document.text.length) + start.character);
  if (scope) return make(scope.startLine, scope.endLine, 'scope');
  const block = blockAt(lines, Math.min(start.line, lines.length - 1));
  return make(block.startLine, block.endLine, 'block');
}

/** The innermost scope (the grammar's `scopes` query: functions, methods, classes) containing `offset`. */
async function scopeAt(document: TargetDocument, offset: number): Promise<{ startLine: number; endLine: number } | undefined> {
  const grammar = grammarFor(document.languageId);
  if (!grammar || !(await ensureGrammar(document.languageId))) return undefined;
  const query = await loadQuery(grammar, 'scopes').catch(() => undefined);
  const tree = query && parseSnippet(document.languageId, document.text, PARSE_MS);
  if (!query || !tree) return undefined;
  try {
    let best: Node | undefined;
    for (const match of query.matches(tree.rootNode, queryRange(offset, offset + 1))) {
      for (const { name, node } of match.captures) {
        if (name !== 'scope' || node.startIndex > offset || node.endIndex < offset) continue;
        if (!best || node.endIndex - node.startIndex < best.endIndex - best.startIndex) best = node;
      }
    }
    // Read before the tree is freed: nodes live in its WASM memory.
    return best && { startLine: best.startPosition.row, endLine: best.endPosition.row };
  } finally {
    tree.delete();
  }
}

/** The non-blank lines around `line` (just `line` when it is blank). */
function blockAt(lines: string[], line: number): { startLine: number; endLine: number } {
  const blank = (i: number) => lines[i].trim() === '';
  if (blank(line)) return { startLine: line, endLine: line };
  let startLine = line;
  let endLine = line;
  while (startLine > 0 && !blank(startLine - 1)) startLine--;
  while (endLine < lines.length - 1 && !blank(endLine + 1)) endLine++;
  return { startLine, endLine };
}
