import { FIM_TEMPLATES } from '../../prompt/fimTemplates';

/**
 * Most raw output looked at. A 16-line completion at 120 columns is about 2 KB; 64 KiB leaves 30x
 * headroom for long lines while keeping every later rule fast on runaway output.
 */
export const MAX_RAW_CHARS = 65_536;

/**
 * CodeLlama's `<s>` and `</s>` are also HTML's strikethrough element: cutting there would break
 * HTML and JSX completions, and generation already stops at `</s>` as an id.
 */
const ALSO_HTML = new Set(['<s>', '</s>']);

/** A SentencePiece piece `▁<EOT>` decodes as ` <EOT>`, or `<EOT>` where the space is dropped (start of text). */
function spellings(token: string): string[] {
  return token.startsWith('▁') ? [token, ` ${token.slice(1)}`, token.slice(1)] : [token];
}

/**
 * Special tokens that leaked into the text, from every family's list (FIM_TEMPLATES). Generation
 * stops at the model's own end tokens; this is defence in depth for templates that missed one,
 * and for servers that return control tokens as text.
 */
const SPECIAL_TOKEN = new RegExp(
  [...new Set(FIM_TEMPLATES.flatMap((t) => t.specialTokens).filter((t) => !ALSO_HTML.has(t)).flatMap(spellings))]
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
);

/**
 * Characters never shown: C0/C1 controls other than tab and line feed, zero-width space and BOM,
 * bidirectional overrides and isolates (they can make code read differently from what it does,
 * "Trojan Source", CVE-2021-42574), and unpaired surrogate halves.
 */
const INVISIBLE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Raw model output made safe to process: bounded length, `\n` line ends, cut at a leaked special
 * token, invisible characters removed. Undefined when nothing usable is left or the output is a
 * single line longer than the bound (no ghost text is that long).
 */
export function sanitizeRaw(raw: string): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  let text = raw;
  if (text.length > MAX_RAW_CHARS) {
    text = text.slice(0, MAX_RAW_CHARS);
    // Keep whole lines only; a half line would be shown as if the model had ended there.
    const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    if (lastBreak <= 0) return undefined;
    text = text.slice(0, lastBreak);
  }
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  const token = SPECIAL_TOKEN.exec(text);
  if (token) text = text.slice(0, token.index);
  text = text.replace(INVISIBLE, '');
  return text === '' ? undefined : text;
}
