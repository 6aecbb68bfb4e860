import type { GrammarId } from './grammars';
import { grammarFor, LANGUAGES } from './languages';

/** File extensions to VS Code language ids, for files read from disk (no editor to ask). */
const BY_EXTENSION: ReadonlyMap<string, string> = new Map(Object.entries(LANGUAGES).flatMap(([id, language]) => (language.extensions ?? []).map((extension) => [extension, id] as const)));

/** What is known of a file beyond its name, for an extension two languages share (`.h`). */
export interface LanguageEvidence {
  /** The file's text. */
  text?: string;
  /** The project has C++ sources: the workspace holds some, or the file that includes the header is one. */
  cppProject?: boolean;
}

/**
 * Syntax a C header cannot hold: `class X {` (on one line: a comment may say "class of"),
 * `namespace x {`, `using namespace`, `template <`, `public:`, `a::b`. Looked for in the first
 * 100,000 characters (~0.2 ms): a C++ header shows itself long before.
 */
const CPP_ONLY = /\bclass\s+\w+[^;{()\n]*\{|\bnamespace(?:\s+[\w:]+)?\s*\{|\busing\s+namespace\b|\btemplate\s*<|\b(?:public|protected|private)\s*:|\w::\w/;
const CPP_EVIDENCE_CHARS = 100_000;

/**
 * The VS Code language id of a file on disk (no editor to ask), by its extension; undefined for one
 * not known. A `.h` is C++ in a C++ project or when its text is, else C: the C grammar misses a
 * C++ header's classes, namespaces and templates, while the C++ grammar reads a C header well.
 * (An open document keeps the editor's language id: VS Code makes a `.h` `cpp` unless told otherwise.)
 */
export function languageOfFile(fsPath: string, evidence: LanguageEvidence = {}): string | undefined {
  const dot = fsPath.lastIndexOf('.');
  const extension = dot < 0 ? '' : fsPath.slice(dot).toLowerCase();
  const cpp = extension === '.h' && (evidence.cppProject || (evidence.text !== undefined && CPP_ONLY.test(evidence.text.slice(0, CPP_EVIDENCE_CHARS))));
  return cpp ? 'cpp' : BY_EXTENSION.get(extension);
}

/** The grammar of a file on disk (see languageOfFile); undefined for a language without one. */
export function grammarOfFile(fsPath: string, evidence?: LanguageEvidence): GrammarId | undefined {
  const languageId = languageOfFile(fsPath, evidence);
  return languageId === undefined ? undefined : grammarFor(languageId);
}
