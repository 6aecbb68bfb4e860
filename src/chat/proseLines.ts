// Telling a small model's prose from code, line by line. Tuned to fail towards code: a line taken
// for code that is prose is caught by the syntax check later; code taken for prose would be lost.
import type { LanguageSyntax } from '../languages/languages';

/** Inline code spans (`x`) of Markdown: prose that names code, never code itself. */
const INLINE_CODE = /`[^`\n]+`/g;
/** What code has and sentences do not: statement ends, braces, assignment, calls, operators. */
const CODE_SIGNS = /[{};=<>[\]\\|&$@]|\w\(|\)$|::|->|\+\+|^\W*$/;
/** Markdown list items and headings, and emphasis around a sentence. */
const LIST_MARKER = /^(?:[-+]|\d+[.)]|#{1,6})\s+/;
const EMPHASIS = /^[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}(?=[:.]?$)/g;
/** A sentence starts with a capitalized word ("Here", "I've", "Note:"), not an identifier or an all-caps keyword. */
const SENTENCE_START = /^(?:[A-Z][a-z’']*|I)[,:;.!?]?$/;
/** Openers of an answer ("Sure!", "Here's the code:"), whatever their length. */
const OPENER = /^(?:sure|certainly|of course|okay|ok|absolutely|great|here(?:'s|’s| is| are)|below is)\b/i;

/** Whether a line starts a comment in the language, or continues a block comment (` * `; a `**bold**` start is Markdown). */
function isComment(text: string, syntax: LanguageSyntax): boolean {
  return syntax.lineComments.some((c) => text.startsWith(c)) || (!!syntax.blockComment && (text.startsWith(syntax.blockComment[0]) || /^\*(?!\*)/.test(text)));
}

/** The line without list marker, heading marker and emphasis; undefined for a comment or a blank line. */
function sentenceText(line: string, syntax: LanguageSyntax): string | undefined {
  const text = line.trim();
  if (!text || isComment(text, syntax)) return undefined;
  return text.replace(LIST_MARKER, '').replace(EMPHASIS, '');
}

function looksLikeSentence(text: string): boolean {
  const words = text.replace(INLINE_CODE, 'code').split(/\s+/);
  if (!SENTENCE_START.test(words[0]!) || CODE_SIGNS.test(text.replace(INLINE_CODE, ''))) return false;
  return words.length >= 3 || /[.!?]$/.test(text);
}

/**
 * Whether a line reads as a sentence: a capitalized word first, no sign of code once inline code
 * spans are set aside, and three words or more, or a sentence's end. "This version avoids the
 * copy.", "- Replaced the loop with `sum()`." are prose; `return a if b else c` and `SELECT id
 * FROM t` are not, and neither is a comment of the language, whatever it says.
 */
export function isProse(line: string, syntax: LanguageSyntax): boolean {
  const text = sentenceText(line, syntax);
  return text !== undefined && looksLikeSentence(text);
}

/**
 * A line that introduces code or an explanation: an opener ("Sure!", "Here is the refactored
 * code:"), or a capitalized phrase ending in `:` ("Refactored code:", "**Explanation:**").
 */
export function isIntro(line: string, syntax: LanguageSyntax): boolean {
  const text = sentenceText(line, syntax);
  if (text === undefined || CODE_SIGNS.test(text.replace(INLINE_CODE, ''))) return false;
  if (OPENER.test(text)) return true;
  return text.endsWith(':') && looksLikeSentence(text.slice(0, -1) + '.');
}
