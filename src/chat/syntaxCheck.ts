// What the syntax tree says of a replacement: errors it adds to the document, and lines it
// inserts outside comments and strings. Errors are looked for in the whole document, since a
// replacement that drops a `}` breaks the code after the range, not the range itself.
import { GRAMMARS } from '../languages/grammars';
import { grammarFor } from '../languages/languages';
import { ensureGrammar, parseSnippet, type Node, type Tree } from '../treeSitter/parser';
import { errorSpans, MAX_ERRORS, type ErrorSpan } from '../treeSitter/syntaxErrors';

/**
 * Time limit of one parse of the document, of which a check makes two: the full parse a
 * 5,000-line file takes on a busy 2-core machine is 40-70 ms (treeSitter/parser.ts), and a file
 * that runs over goes unchecked rather than holding the edit up.
 */
const PARSE_TIMEOUT_MS = 250;

/** The document around a range, and the range's text as it is. */
export interface DocumentRange {
  languageId: string;
  before: string;
  original: string;
  after: string;
}

export interface SyntaxFindings {
  /** 1-based document line of the first error the replacement adds, where the selection had none. */
  addedError?: number;
  /** 1-based document line of the first of the inserted lines that lies outside comments and strings. */
  insertedCode?: number;
}

/**
 * Parses the document with the original range and with `replacement`; `insertedLines` are indexes
 * of `replacement`'s lines that must be comments or strings (a docstring). Nothing is found for a
 * language without a grammar or a parse that ran over the time limit.
 */
export async function checkReplacement(range: DocumentRange, replacement: string, insertedLines: readonly number[]): Promise<SyntaxFindings> {
  if (!(await ensureGrammar(range.languageId))) return {};
  const newText = range.before + replacement + range.after;
  const oldTree = parseSnippet(range.languageId, range.before + range.original + range.after, PARSE_TIMEOUT_MS);
  const newTree = oldTree && parseSnippet(range.languageId, newText, PARSE_TIMEOUT_MS);
  try {
    if (!oldTree || !newTree) return {};
    const start = range.before.length;
    const blocks = GRAMMARS[grammarFor(range.languageId)!].indentedBlocks;
    const added = firstAddedError(errorsOf(oldTree, blocks), errorsOf(newTree, blocks), { start, oldEnd: start + range.original.length, newEnd: start + replacement.length });
    const code = firstOutsideText(newTree.rootNode, lineStarts(replacement, insertedLines).map((i) => start + i));
    return {
      ...(added !== undefined ? { addedError: lineOf(newText, added) } : {}),
      ...(code !== undefined ? { insertedCode: lineOf(newText, code) } : {}),
    };
  } finally {
    oldTree?.delete();
    newTree?.delete();
  }
}

/**
 * The tree's errors (treeSitter/syntaxErrors.ts) and its empty indented blocks, in document
 * order: tree-sitter-python parses a `def f():` with nothing indented under it (a docstring put at
 * the def's own level) as a def with an empty block, with no error, where Python raises
 * IndentationError.
 */
function errorsOf(tree: Tree, indentedBlocks: readonly string[]): ErrorSpan[] {
  const out = errorSpans(tree);
  const blocks = indentedBlocks.length ? tree.rootNode.descendantsOfType([...indentedBlocks]) : [];
  for (const block of blocks) if (block?.namedChildCount === 0) out.push({ start: block.startIndex, end: block.startIndex });
  return out.sort((a, b) => a.start - b.start).slice(0, MAX_ERRORS);
}

/**
 * The start of the first error of the new document that the old one did not have, when the new
 * one has more errors and none of the old touched the range (a selection that was already broken
 * is the user's to fix, and the model may be halfway there). Errors outside the range are matched
 * to old ones at the same place (after the range, shifted by the change in length); the first
 * unmatched is reported.
 */
function firstAddedError(old: readonly ErrorSpan[], now: readonly ErrorSpan[], range: { start: number; oldEnd: number; newEnd: number }): number | undefined {
  if (old.length >= MAX_ERRORS || now.length <= old.length) return undefined;
  if (old.some((e) => e.start <= range.oldEnd && e.end >= range.start)) return undefined;
  const unmatched = old.map((e) => e.start);
  const shift = range.newEnd - range.oldEnd;
  // With more errors than before, one is always left unmatched.
  return now.find((error) => {
    const at = error.start < range.start ? error.start : error.start >= range.newEnd ? error.start - shift : -1;
    const match = at < 0 ? -1 : unmatched.indexOf(at);
    if (match >= 0) unmatched.splice(match, 1);
    return match < 0;
  })!.start;
}

/** Comments, and strings: a Python docstring is a string statement. */
const TEXT = /comment|string/;

/** The first offset whose node lies outside every comment and string. */
function firstOutsideText(root: Node, offsets: readonly number[]): number | undefined {
  return offsets.find((offset) => {
    for (let node: Node | null = root.descendantForIndex(offset); node; node = node.parent) if (TEXT.test(node.type)) return false;
    return true;
  });
}

/** Offsets in `text` of the first non-blank character of the given lines. */
function lineStarts(text: string, lines: readonly number[]): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return lines.map((line) => starts[line]! + /^[ \t]*/.exec(text.slice(starts[line]!))![0].length);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
