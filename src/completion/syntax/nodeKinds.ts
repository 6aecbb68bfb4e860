// Node types of the shipped grammars (src/context/parser.ts) that the syntax rules look for, as
// data: a grammar added later needs entries here, not new branches.
import type { Node } from '../../context/parser';

/** Nodes whose `{ … }` hold statements, members or cases. */
const BRACE_BLOCKS = new Set([
  // TypeScript, JavaScript
  'statement_block', 'class_body', 'interface_body', 'enum_body', 'switch_body',
  // Go, Rust, Java, C#
  'block', 'field_declaration_list', 'declaration_list', 'match_block', 'enum_variant_list', 'constructor_body',
  'switch_block', 'expression_switch_statement', 'type_switch_statement', 'select_statement',
  // C, C++
  'compound_statement', 'enumerator_list',
]);

/** Switch arms whose body follows their `:`. */
const CASES = new Set([
  'switch_case', 'switch_default', // TypeScript, JavaScript
  'expression_case', 'default_case', 'type_case', 'communication_case', // Go
  'switch_block_statement_group', // Java
  'case_statement', // C, C++
  'switch_section', // C#
]);

/** Nodes that hold the statements the cursor is among: brace blocks, switch arms, Python's `block`. */
export function isBlock(node: Node): boolean {
  return BRACE_BLOCKS.has(node.type) || CASES.has(node.type) || node.type === 'block';
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
  const block = parent.children.find((n) => n?.type === 'block' && n.startIndex >= opener.endIndex);
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
