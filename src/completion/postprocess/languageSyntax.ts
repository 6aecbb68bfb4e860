/**
 * What the rules need to know about a language, as data rather than branches: how to skip strings
 * and comments when counting brackets, which line endings open a block, and whether blocks end by
 * dedent (Python, YAML) or by a keyword (`end`, `fi`). Unknown languages get a generic entry that
 * counts brackets outside `"`/`'` strings and judges blocks by indentation alone.
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

const GO: LanguageSyntax = { ...C_LIKE, multilineQuotes: ['`'] };

// `'` starts a lifetime (`&'a str`) far more often than a char literal, and a lifetime has no
// closing quote, so treating it as a quote would hide the brackets after it.
const RUST: LanguageSyntax = { ...C_LIKE, quotes: ['"'] };

const PYTHON: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: ['"""', "'''"],
  lineComments: ['#'],
  blockOpener: /:$/,
  openerOutsideBracketsOnly: true,
  scopeStart: /^\s*(?:async\s+)?(?:def|class)\b/,
  continuation: /^(?:else|elif|except|finally)\b/,
};

const YAML: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: [],
  lineComments: ['#'],
  // `key:` opens a nested mapping, `key: |` and `key: >-` a block scalar.
  blockOpener: /:(?:\s*[|>][-+]?)?$/,
  openerOutsideBracketsOnly: true,
};

const RUBY: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: [],
  lineComments: ['#'],
  blockOpener:
    /(?:\bdo(?:\s*\|[^|]*\|)?|\{\s*\|[^|]*\||\bthen|\bbegin|\belse|^\s*(?:def|class|module|if|unless|while|until|case)\b.*)$/,
  endKeyword: /^end\b/,
};

const ELIXIR: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: ['"""'],
  lineComments: ['#'],
  blockOpener: /(?:\bdo|->|\bfn)$/,
  endKeyword: /^end\b/,
};

const LUA: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: [],
  lineComments: ['--'],
  blockOpener: /(?:\bthen|\bdo|\belse|\brepeat|\bfunction\b[^()]*\([^()]*\))$/,
  endKeyword: /^(?:end|until)\b/,
};

const SHELL: LanguageSyntax = {
  quotes: ['"', "'"],
  multilineQuotes: [],
  lineComments: ['#'],
  blockOpener: /(?:\bthen|\bdo|\belse|\bin)$/,
  endKeyword: /^(?:fi|done|esac)\b/,
};

// Plain CSS has no line comments, and `//` in `url(http://…)` must not hide the `)`.
const CSS: LanguageSyntax = { ...C_LIKE, lineComments: [] };

const GENERIC: LanguageSyntax = { quotes: ['"', "'"], multilineQuotes: [], lineComments: [] };

const BY_LANGUAGE_ID: Readonly<Record<string, LanguageSyntax>> = {
  typescript: JAVASCRIPT,
  typescriptreact: JAVASCRIPT,
  javascript: JAVASCRIPT,
  javascriptreact: JAVASCRIPT,
  go: GO,
  rust: RUST,
  c: C_LIKE,
  cpp: C_LIKE,
  'cuda-cpp': C_LIKE,
  'objective-c': C_LIKE,
  'objective-cpp': C_LIKE,
  csharp: C_LIKE,
  java: C_LIKE,
  kotlin: C_LIKE,
  scala: C_LIKE,
  swift: C_LIKE,
  dart: C_LIKE,
  groovy: C_LIKE,
  php: C_LIKE,
  solidity: C_LIKE,
  zig: C_LIKE,
  json: C_LIKE,
  jsonc: C_LIKE,
  css: CSS,
  scss: C_LIKE,
  less: C_LIKE,
  python: PYTHON,
  yaml: YAML,
  ruby: RUBY,
  elixir: ELIXIR,
  lua: LUA,
  shellscript: SHELL,
};

export function languageSyntax(languageId: string): LanguageSyntax {
  return (typeof languageId === 'string' && Object.hasOwn(BY_LANGUAGE_ID, languageId)
    ? BY_LANGUAGE_ID[languageId]
    : undefined) ?? GENERIC;
}
