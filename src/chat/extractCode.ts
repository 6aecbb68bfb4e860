import { languageById, languageSyntax, type LanguageSyntax } from '../languages/languages';
import { isBlank, splitLines } from '../shared/indentation';
import { isIntro, isProse } from './proseLines';

export interface ExtractOptions {
  /** The assistant turn was pre-filled with an opening fence: `raw` starts inside a code block. */
  prefilled: boolean;
  languageId: string;
  /** The user's instruction: a first line that only repeats it is not code. */
  instruction?: string;
  /** The selected code: its lines are never taken for prose (a selection may start inside a docstring). */
  selection?: string;
}

/** Code found in the output (`\n` lines, no blank lines at either end), or why there is none. */
export type ExtractedCode = { kind: 'code'; code: string } | { kind: 'empty' } | { kind: 'prose' };

/** A run of the output's lines, inside a fenced block (with its info string) or outside any. */
interface Segment {
  fenced: boolean;
  tag: string;
  lines: string[];
}

/** A fence line: three or more backticks or tildes, an optional language tag, nothing else. */
const FENCE = /^\s*(?:`{3,}|~{3,})\s*([\w#+.-]*)\s*$/;
/** A closing fence glued to the last line of code (`return x```). */
const GLUED_CLOSE = /^(.*?\S)\s*`{3,}\s*$/;

/**
 * The code in a small model's raw output. Reasoning (`<think>…</think>`, unclosed, or closed
 * without an opening the template put in the prompt) is removed; the first fenced block that
 * holds code is taken, one tagged with another language only when no other has code, else code
 * outside fences. Each candidate loses the lines around it that are prose: "Here is the
 * refactored code:", the instruction repeated, an explanation after it. With `prefilled`, the
 * output is inside the pre-filled block until a fence; a fence opened again at once
 * ("```python" again) starts the code, and a missing closing fence (the output was cut at the
 * token limit) ends it with the output.
 */
export function extractCode(raw: string, options: ExtractOptions): ExtractedCode {
  const judge = judgeFor(options);
  const text = withoutReasoning(raw);
  const candidates = segments(text, options.prefilled)
    .map((s) => ({ ...s, code: trimProse(s.lines, judge) }))
    .filter((s) => s.code.length > 0);
  const fenced = candidates.filter((s) => s.fenced);
  const names = tagsOf(options.languageId);
  const chosen = fenced.find((s) => !s.tag || names.has(s.tag.toLowerCase())) ?? fenced[0] ?? candidates[0];
  if (chosen) return { kind: 'code', code: chosen.code.join('\n') };
  return splitLines(text).some((l) => !isBlank(l) && !FENCE.test(l)) ? { kind: 'prose' } : { kind: 'empty' };
}

/**
 * The output without reasoning blocks. An unclosed `<think>` runs to the end (generation stopped
 * while thinking); a `</think>` with no opening closes reasoning that Qwen3-style templates open
 * in the prompt itself.
 */
function withoutReasoning(raw: string): string {
  let text = raw.replace(/<think>[\s\S]*?<\/think>/g, '');
  const open = text.indexOf('<think>');
  if (open >= 0) text = text.slice(0, open);
  const close = text.indexOf('</think>');
  return close >= 0 ? text.slice(close + '</think>'.length) : text;
}

/**
 * The output cut at its fences. Inside a block any fence line closes it, and one with a tag also
 * opens the next: small models open a second block without closing the first (a CommonMark
 * reader would keep "```python" as content).
 */
function segments(text: string, prefilled: boolean): Segment[] {
  const out: Segment[] = [];
  let current: Segment = { fenced: prefilled, tag: '', lines: [] };
  for (const line of splitLines(text)) {
    const fence = FENCE.exec(line);
    const glued = !fence && current.fenced ? GLUED_CLOSE.exec(line) : null;
    if (!fence && !glued) {
      current.lines.push(line);
      continue;
    }
    if (glued) current.lines.push(glued[1]!);
    out.push(current);
    current = { fenced: !current.fenced || !!fence?.[1], tag: fence?.[1] ?? '', lines: [] };
  }
  out.push(current);
  return out;
}

/** How this output's lines are judged: by the language's comments, the selection's own lines, the instruction. */
interface Judge {
  /** A line before the code that is not code: an intro ("Here is the refactored code:"), or the instruction as the first line. */
  leadsIn(line: string, first: boolean): boolean;
  /** A blank line, or a sentence. */
  isProse(line: string): boolean;
}

function judgeFor(options: ExtractOptions): Judge {
  const syntax = languageSyntax(options.languageId);
  const selected = new Set(splitLines(options.selection ?? '').map((l) => l.trim()).filter(Boolean));
  const instruction = options.instruction ? spoken(options.instruction, syntax) : undefined;
  const code = (line: string) => selected.has(line.trim());
  return {
    leadsIn: (line, first) => !code(line) && (isIntro(line, syntax) || (first && instruction !== undefined && spoken(line, syntax) === instruction)),
    isProse: (line) => isBlank(line) || (!code(line) && (isProse(line, syntax) || isIntro(line, syntax))),
  };
}

/**
 * The segment's lines without the prose around the code, trailing whitespace trimmed: leading
 * intro lines and prose paragraphs, then trailing prose paragraphs. Empty when nothing is left.
 */
function trimProse(lines: readonly string[], judge: Judge): string[] {
  let code = lines.map((l) => l.trimEnd());
  for (let first = true; ; first = false) {
    while (code.length && isBlank(code[0]!)) code.shift();
    if (!code.length) break;
    if (judge.leadsIn(code[0]!, first)) code.shift();
    else if (code.slice(0, paragraphEnd(code)).every(judge.isProse)) code = code.slice(paragraphEnd(code));
    else break;
  }
  for (let start = paragraphStart(code); start > 0 && code.slice(start).every(judge.isProse); start = paragraphStart(code)) code = code.slice(0, start);
  while (code.length && isBlank(code[code.length - 1]!)) code.pop();
  return code;
}

/** End (exclusive) of the first paragraph: the first blank line, or the end. */
function paragraphEnd(lines: readonly string[]): number {
  const blank = lines.findIndex(isBlank);
  return blank < 0 ? lines.length : blank;
}

/** Start of the last paragraph after a blank line; -1 when the lines are one paragraph. */
function paragraphStart(lines: readonly string[]): number {
  let end = lines.length;
  while (end > 0 && isBlank(lines[end - 1]!)) end--;
  for (let i = end - 1; i > 0; i--) if (isBlank(lines[i]!)) return i;
  return -1;
}

/** A line as said, for comparing with the instruction: no comment marker, case, punctuation at the end. */
function spoken(line: string, syntax: LanguageSyntax): string {
  let text = line.trim();
  for (const marker of [...syntax.lineComments, ...(syntax.blockComment ?? [])]) if (text.startsWith(marker)) text = text.slice(marker.length);
  return text.replace(/[\s.!:*/]+$/, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The fence tags that name the language: its id and its file extensions (`py`, `ts`, `rs`). */
function tagsOf(languageId: string): Set<string> {
  return new Set([languageId, ...(languageById(languageId)?.extensions ?? []).map((e) => e.slice(1))]);
}
