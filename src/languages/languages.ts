// What the extension knows of each language, one entry per VS Code language id: its files'
// extensions, the grammar that parses it, and how the post-processing rules read its text. Data,
// not branches: a language added later needs an entry here, and its grammar one in grammars.ts.
import type { GrammarId } from './grammars';

/**
 * How the post-processing rules read a language: how to skip strings and comments when counting
 * brackets (`()`, `[]`, `{}` in every language), which line endings open a block, and whether
 * blocks end by dedent (Python, YAML) or by a keyword (`end`, `fi`). Unknown languages get a
 * generic entry that counts brackets outside `"`/`'` strings and judges blocks by indentation alone.
 */
export interface LanguageSyntax {
  /** Quotes whose strings end at the end of the line at the latest. */
  readonly quotes: readonly string[];
  /** Delimiters of strings that may span lines (JS template literals, Python triple quotes). */
  readonly multilineQuotes: readonly string[];
  readonly lineComments: readonly string[];
  readonly blockComment?: readonly [open: string, close: string];
  /**
   * Matches the (right-trimmed) text of a line that opens a block, beyond a final `{`, `(` or `[`,
   * which open one in every language.
   */
  readonly blockOpener?: RegExp;
  /**
   * A `blockOpener` match inside open brackets is not a block (Python, YAML: `xs[1:`, a dict entry
   * `{'a':` on its own line, `map(lambda x:`). Not so in C-like languages, where `case 1:` always
   * sits inside the switch's braces.
   */
  readonly openerOutsideBracketsOnly?: boolean;
  /**
   * Lines starting a function or class. In an indentation-scoped language a completion at the end
   * of such a scope may dedent down to its body level, and the scope's own level ends it.
   */
  readonly scopeStart?: RegExp;
  /** Lines at the opening line's level that continue the block instead of ending it (`else:`). */
  readonly continuation?: RegExp;
  /** Keyword lines that close a block, handled like a line starting with a closing bracket. */
  readonly endKeyword?: RegExp;
  /**
   * A line that starts so at column 0 is code, never text inside a string that spans lines
   * (Python's `def f(`, `class A:`, imports, decorators). The windows the rules read start at the
   * first such line: a window that starts inside a docstring reads every quote after it the
   * wrong way round, and the cursor's code as a string.
   */
  readonly topLevelCode?: RegExp;
}

export interface Language {
  /** The info string of a Markdown code block in it, where it is not the language id (`tsx` for typescriptreact). */
  readonly markdownTag?: string;
  /** Extensions (lower case, with the dot) of its files on disk, which no editor names the language of. */
  readonly extensions?: readonly string[];
  /** The tree-sitter grammar that parses it, where one ships; without one, context is line-based. */
  readonly grammar?: GrammarId;
  readonly syntax: LanguageSyntax;
}

const C_LIKE: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: [],
  lineComments: ['//'],
  blockComment: ['/*', '*/'],
  // `=>` ends an arrow function or a match/switch arm head; `case x:` and `default:` open a switch arm.
  blockOpener: /(?:=>|^\s*(?:case\b.*|default\s*):)$/,
};

const JAVASCRIPT: LanguageSyntax = { ...C_LIKE, multilineQuotes: ['`'] };

const GENERIC: LanguageSyntax = { quotes: ['"', "'"], multilineQuotes: [], lineComments: [] };

/** Languages by VS Code language id. */
export const LANGUAGES: Readonly<Record<string, Language>> = {
  typescript: { extensions: ['.ts', '.mts', '.cts'], grammar: 'typescript', syntax: JAVASCRIPT },
  typescriptreact: { markdownTag: 'tsx', extensions: ['.tsx'], grammar: 'tsx', syntax: JAVASCRIPT },
  // The JavaScript grammar parses JSX too.
  javascript: { extensions: ['.js', '.mjs', '.cjs'], grammar: 'javascript', syntax: JAVASCRIPT },
  javascriptreact: { markdownTag: 'jsx', extensions: ['.jsx'], grammar: 'javascript', syntax: JAVASCRIPT },
  go: { extensions: ['.go'], grammar: 'go', syntax: { ...C_LIKE, multilineQuotes: ['`'] } },
  rust: {
    extensions: ['.rs'],
    grammar: 'rust',
    // `'` starts a lifetime (`&'a str`) far more often than a char literal, and a lifetime has no
    // closing quote, so treating it as a quote would hide the brackets after it.
    syntax: { ...C_LIKE, quotes: ['"'] },
  },
  // A `.h` is C or C++ by its project and text (languageOfFile.ts).
  c: { extensions: ['.c', '.h'], grammar: 'c', syntax: C_LIKE },
  cpp: { extensions: ['.cc', '.cpp', '.cxx', '.hh', '.hpp', '.hxx'], grammar: 'cpp', syntax: C_LIKE },
  'cuda-cpp': { syntax: C_LIKE },
  'objective-c': { syntax: C_LIKE },
  'objective-cpp': { syntax: C_LIKE },
  csharp: { extensions: ['.cs'], grammar: 'csharp', syntax: C_LIKE },
  java: { extensions: ['.java'], grammar: 'java', syntax: C_LIKE },
  kotlin: { extensions: ['.kt'], syntax: C_LIKE },
  scala: { syntax: C_LIKE },
  swift: { extensions: ['.swift'], syntax: C_LIKE },
  dart: { syntax: C_LIKE },
  groovy: { syntax: C_LIKE },
  php: { extensions: ['.php'], syntax: C_LIKE },
  solidity: { syntax: C_LIKE },
  zig: { syntax: C_LIKE },
  json: { syntax: C_LIKE },
  jsonc: { syntax: C_LIKE },
  // Plain CSS has no line comments, and `//` in `url(http://…)` must not hide the `)`.
  css: { syntax: { ...C_LIKE, lineComments: [] } },
  scss: { syntax: C_LIKE },
  less: { syntax: C_LIKE },
  python: {
    extensions: ['.py'],
    grammar: 'python',
    syntax: {
      quotes: ['"', "'"],
      multilineQuotes: ['"""', "'''"],
      lineComments: ['#'],
      blockOpener: /:$/,
      openerOutsideBracketsOnly: true,
      scopeStart: /^\s*(?:async\s+)?(?:def|class)\b/,
      continuation: /^(?:else|elif|except|finally)\b/,
      topLevelCode: /^(?:(?:async\s+)?def\s+\w+\s*\(|class\s+\w+\s*[(:]|import\s+[\w.]+\s*(?:$|[,#]|as\s)|from\s+[\w.]+\s+import\s|@[\w.]+)/,
    },
  },
  yaml: {
    syntax: {
      quotes: ['"', "'"],
      multilineQuotes: [],
      lineComments: ['#'],
      // `key:` opens a nested mapping, `key: |` and `key: >-` a block scalar.
      blockOpener: /:(?:\s*[|>][-+]?)?$/,
      openerOutsideBracketsOnly: true,
    },
  },
  ruby: {
    extensions: ['.rb'],
    syntax: {
      quotes: ['"', "'"],
      multilineQuotes: [],
      lineComments: ['#'],
      blockOpener: /(?:\bdo(?:\s*\|[^|]*\|)?|\{\s*\|[^|]*\||\bthen|\bbegin|\belse|^\s*(?:def|class|module|if|unless|while|until|case)\b.*)$/,
      endKeyword: /^end\b/,
    },
  },
  elixir: {
    syntax: { quotes: ['"', "'"], multilineQuotes: ['"""'], lineComments: ['#'], blockOpener: /(?:\bdo|->|\bfn)$/, endKeyword: /^end\b/ },
  },
  lua: {
    extensions: ['.lua'],
    syntax: {
      quotes: ['"', "'"],
      multilineQuotes: [],
      lineComments: ['--'],
      blockOpener: /(?:\bthen|\bdo|\belse|\brepeat|\bfunction\b[^()]*\([^()]*\))$/,
      endKeyword: /^(?:end|until)\b/,
    },
  },
  shellscript: {
    markdownTag: 'bash',
    extensions: ['.sh'],
    syntax: { quotes: ['"', "'"], multilineQuotes: [], lineComments: ['#'], blockOpener: /(?:\bthen|\bdo|\belse|\bin)$/, endKeyword: /^(?:fi|done|esac)\b/ },
  },
};

/** The language of a VS Code language id; undefined for one not known, or a value that is no id (`toString`). */
export function languageById(languageId: string): Language | undefined {
  return typeof languageId === 'string' && Object.hasOwn(LANGUAGES, languageId) ? LANGUAGES[languageId] : undefined;
}

export function languageSyntax(languageId: string): LanguageSyntax {
  return languageById(languageId)?.syntax ?? GENERIC;
}

/** The grammar for a VS Code language id, or undefined: callers fall back to line-based context. */
export function grammarFor(languageId: string): GrammarId | undefined {
  return languageById(languageId)?.grammar;
}

/** How a Markdown code block names the language (what chat models write after the fence). */
export function markdownTag(languageId: string): string {
  return languageById(languageId)?.markdownTag ?? languageId;
}
