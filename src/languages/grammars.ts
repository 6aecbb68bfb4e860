// The tree-sitter grammars this extension ships, as data: where each one's WASM lives, which
// grammars' files refer to each other's definitions, and the node types the syntax rules look for.
// A grammar added later needs an entry here and its queries in syntaxes/, not new branches.

/** Grammars this extension ships, by the name their queries live under in `syntaxes/`. */
export type GrammarId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java' | 'c' | 'cpp' | 'csharp';

export interface Grammar {
  /** The grammar's WASM, as a path in node_modules. */
  readonly wasm: string;
  /** Grammars of one family refer to each other's definitions (a .ts file imports a .js one; a .c file includes a C++ header). */
  readonly family: string;
  /** Nodes whose `{ … }` hold statements, members or cases. */
  readonly braceBlocks: readonly string[];
  /** Switch arms whose body follows their `:`. */
  readonly cases: readonly string[];
  /** Blocks that a header's `:` opens and a dedent ends (Python's `block`). */
  readonly indentedBlocks: readonly string[];
}

const JS_CASES = ['switch_case', 'switch_default'];
const C_BLOCKS = ['compound_statement', 'field_declaration_list', 'declaration_list', 'enumerator_list'];

/**
 * `@vscode/tree-sitter-wasm` (the grammars VS Code itself uses, built with tree-sitter 0.25) has
 * all but C; `tree-sitter-c` ships its own WASM beside its (unused, never built) native binding.
 * `tree-sitter-wasms` was tried and rejected: built with tree-sitter-cli 0.20, none of its grammars
 * load in web-tree-sitter 0.27.
 */
export const GRAMMARS: Readonly<Record<GrammarId, Grammar>> = {
  typescript: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-typescript.wasm',
    family: 'js',
    braceBlocks: ['statement_block', 'class_body', 'interface_body', 'enum_body', 'switch_body'],
    cases: JS_CASES,
    indentedBlocks: [],
  },
  tsx: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-tsx.wasm',
    family: 'js',
    braceBlocks: ['statement_block', 'class_body', 'interface_body', 'enum_body', 'switch_body'],
    cases: JS_CASES,
    indentedBlocks: [],
  },
  javascript: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-javascript.wasm',
    family: 'js',
    braceBlocks: ['statement_block', 'class_body', 'switch_body'],
    cases: JS_CASES,
    indentedBlocks: [],
  },
  python: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm',
    family: 'python',
    braceBlocks: [],
    cases: [],
    indentedBlocks: ['block'],
  },
  go: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-go.wasm',
    family: 'go',
    braceBlocks: ['block', 'field_declaration_list', 'expression_switch_statement', 'type_switch_statement', 'select_statement'],
    cases: ['expression_case', 'default_case', 'type_case', 'communication_case'],
    indentedBlocks: [],
  },
  rust: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-rust.wasm',
    family: 'rust',
    braceBlocks: ['block', 'field_declaration_list', 'declaration_list', 'match_block', 'enum_variant_list'],
    cases: [],
    indentedBlocks: [],
  },
  java: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-java.wasm',
    family: 'java',
    braceBlocks: ['block', 'class_body', 'interface_body', 'enum_body', 'constructor_body', 'switch_block'],
    cases: ['switch_block_statement_group'],
    indentedBlocks: [],
  },
  c: {
    wasm: 'tree-sitter-c/tree-sitter-c.wasm',
    family: 'c',
    braceBlocks: C_BLOCKS,
    cases: ['case_statement'],
    indentedBlocks: [],
  },
  cpp: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-cpp.wasm',
    family: 'c',
    braceBlocks: C_BLOCKS,
    cases: ['case_statement'],
    indentedBlocks: [],
  },
  csharp: {
    wasm: '@vscode/tree-sitter-wasm/wasm/tree-sitter-c-sharp.wasm',
    family: 'csharp',
    braceBlocks: ['block', 'declaration_list', 'switch_body'],
    cases: ['switch_section'],
    indentedBlocks: [],
  },
};

export const GRAMMAR_IDS = Object.keys(GRAMMARS) as GrammarId[];

export function sameFamily(a: GrammarId, b: GrammarId): boolean {
  return GRAMMARS[a].family === GRAMMARS[b].family;
}
