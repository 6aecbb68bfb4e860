// What becomes of a refactor's model output: the code in it, re-indented into the selection, or
// the reason it is not applied. Small models answer with the code unchanged, with prose, or with
// code that breaks the file often enough that each is checked before anything is shown.
import { extractCode } from './extractCode';
import { indentColumns, isBlank, leadingWhitespace, splitLines, type Eol, type IndentOptions } from '../shared/indentation';
import { keepInsertionsOnly } from './keepInsertionsOnly';
import { reindent } from './reindent';
import { checkReplacement } from './syntaxCheck';

export interface RefactorTarget {
  languageId: string;
  /** The selected whole lines as in the document, with the last one's line end if the range takes it. */
  original: string;
  /** The document's line end: the replacement uses it. */
  eol: Eol;
  indent: IndentOptions;
  /** The document's text before the range, and after it. */
  before: string;
  after: string;
  /** The assistant turn was pre-filled with an opening code fence. */
  prefilled: boolean;
  /** The edit may only add lines, comments or docstrings (the "add a doc comment" preset). */
  insertOnly?: boolean;
  /** The user's instruction, which a small model may repeat as the first line. */
  instruction?: string;
}

/** The text to put in place of the range (`before + replacement + after` is the new document), or why not. */
export type RefactorOutcome = { ok: true; replacement: string } | { ok: false; reason: string };

/**
 * Decides on a refactor's raw output (the text generated after the prompt). Refused: no code,
 * prose only, the selection unchanged (indentation, trailing whitespace and line ends aside), new
 * syntax errors where the selection had none, and for `insertOnly` any change but added comment
 * or docstring lines.
 */
export async function handleRefactorOutput(raw: string, target: RefactorTarget): Promise<RefactorOutcome> {
  const { original, indent, eol } = target;
  const extracted = extractCode(raw, { prefilled: target.prefilled, languageId: target.languageId, instruction: target.instruction, selection: original });
  if (extracted.kind === 'empty') return refused('The model returned no code.');
  if (extracted.kind === 'prose') return refused('The model answered in prose, without code.');
  let replacement = reindent(extracted.code, original, indent, eol);
  if (sameCode(replacement, original, indent.tabSize)) return refused('The model returned the code unchanged.');
  let inserted: number[] = [];
  if (target.insertOnly) {
    const kept = keepInsertionsOnly(original, replacement, eol);
    if (!kept) return refused('The model changed the code, not only its comments.');
    if (!kept.inserted.length) return refused('The model returned the code unchanged.');
    replacement = kept.text;
    inserted = kept.inserted;
  }
  const findings = await checkReplacement(target, replacement, inserted);
  if (findings.addedError !== undefined) return refused(`The result would add syntax errors (line ${findings.addedError}) where the selection had none.`);
  if (findings.insertedCode !== undefined) return refused(`The model changed the code, not only its comments (line ${findings.insertedCode}).`);
  return { ok: true, replacement };
}

function refused(reason: string): RefactorOutcome {
  return { ok: false, reason };
}

/** Equal once each line is its indentation width and its trimmed text, blank lines at the ends left out. */
function sameCode(a: string, b: string, tabSize: number): boolean {
  const normalized = (text: string) => {
    const lines = splitLines(text).map((line) => (isBlank(line) ? '' : `${indentColumns(leadingWhitespace(line), tabSize)} ${line.trim()}`));
    return lines.join('\n').replace(/^\n+|\n+$/g, '');
  };
  return normalized(a) === normalized(b);
}
