// Node types the syntax rules look for, from the shipped grammars' entries in
// languages/grammars.ts. The rules judge a node by its type alone, so each set is the union over
// the grammars.
import { GRAMMARS } from '../../languages/grammars';
import type { Node } from '../../treeSitter/parser';

const kinds = (of: 'braceBlocks' | 'cases' | 'indentedBlocks') => new Set(Object.values(GRAMMARS).flatMap((grammar) => grammar[of]));
/** Nodes whose `{ … }` hold statements, members or cases. */
const BRACE_BLOCKS = kinds('braceBlocks');
/** Switch arms whose body follows their `:`. */
const CASES = kinds('cases');
/** Blocks a header's `:` opens (Python's `block`). */
const INDENTED_BLOCKS = kinds('indentedBlocks');

/** Nodes that hold the statements the cursor is among: brace blocks, switch arms, Python's `block`. */
export function isBlock(node: Node): boolean {
  return BRACE_BLOCKS.has(node.type) || CASES.has(node.type) || INDENTED_BLOCKS.has(node.type);
}

/** Literals and comments: a cursor inside one is writing text, not code. */
const TEXT = /string|comment|char|rune|heredoc/;
/** Code inside a string: template literal `${…}`, f-string `{…}`. */
const CODE_IN_TEXT = /substitution|interpolation/;

/**
 * The statements a block opener (`{` of a block, `:` of a switch arm or Python header) opens,
 * comments aside; undefined when `opener` opens no block.
 */
export function blockBody(opener: Node): Node[] | undefined {
  const parent = opener.parent;
  if (!parent) return undefined;
  const after = (n: Node) => n.startIndex >= opener.endIndex && !TEXT.test(n.type);
  if (opener.type === '{' && BRACE_BLOCKS.has(parent.type)) return parent.namedChildren.filter((n) => n && after(n)) as Node[];
  if (opener.type !== ':') return undefined;
  if (CASES.has(parent.type)) return parent.namedChildren.filter((n) => n && after(n)) as Node[];
  // Python: the header's `block` follows its `:`.
  const block = parent.children.find((n) => n && INDENTED_BLOCKS.has(n.type) && n.startIndex >= opener.endIndex);
  return block ? (block.namedChildren.filter((n) => n && !TEXT.test(n.type)) as Node[]) : undefined;
}

/**
 * Whether `at` lies inside a string or comment, judged by the leaf before it: strictly inside a
 * literal, or at the end of a line comment (which runs to the end of the line).
 */
export function insideText(root: Node, at: number): boolean {
  if (at <= 0) return false;
  for (let node: Node | null = root.descendantForIndex(at - 1, at); node; node = node.parent) {
    if (CODE_IN_TEXT.test(node.type)) return false;
    if (!TEXT.test(node.type) || node.startIndex >= at) continue;
    if (at < node.endIndex) return true;
    return node.type.includes('comment') && at === node.endIndex && !node.text.endsWith('*/');
  }
  return false;
}
