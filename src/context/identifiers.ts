/** Words of code that name nothing the model could look up. */
const KEYWORDS = new Set(
  ('abstract and as async await break case catch class const continue def default del delete do elif else enum export extends ' +
    'false final finally fn for from func function go if impl implements import in instanceof interface is lambda let loop match ' +
    'mod module mut namespace new nil none None not null or override package pass private protected pub public raise readonly ' +
    'return self Self static struct super switch this throw throws true True False try type typeof undefined use using var void ' +
    'while with yield int float double char bool boolean string str number any unknown never long short byte usize isize u8 u32 ' +
    'i32 u64 i64 f32 f64 object include define sizeof typedef unsigned signed extern volatile where trait dyn ref out base get set')
    .split(' '),
);

const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

/** Identifiers in `text`, keywords and one-letter names left out, in order of appearance. */
export function identifiersIn(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const word = match[0];
    if (word.length > 1 && !KEYWORDS.has(word)) out.push(word);
  }
  return out;
}

/** Names `text` uses only after `.` or `->` (members: `options.loose`), never on their own. */
export function memberOnlyNames(text: string): Set<string> {
  const members = new Set<string>();
  const free = new Set<string>();
  for (const match of text.matchAll(IDENTIFIER)) {
    let i = match.index - 1;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
    (text[i] === '.' || (text[i] === '>' && text[i - 1] === '-') ? members : free).add(match[0]);
  }
  for (const name of free) members.delete(name);
  return members;
}

export function identifierSet(text: string): Set<string> {
  return new Set(identifiersIn(text));
}

/**
 * Identifiers of the cursor's line up to the cursor and of the `linesAbove` lines above it, each
 * line read right to left: name -> rank, 0 for the nearest.
 */
export function identifiersNearCursor(text: string, cursorOffset: number, linesAbove: number, max: number): Map<string, number> {
  const near = linesAround(text, cursorOffset, linesAbove, 0);
  const lines = near.text.slice(0, cursorOffset - near.startOffset).split('\n');
  const rank = new Map<string, number>();
  for (let l = lines.length - 1; l >= 0 && rank.size < max; l--) {
    for (const word of identifiersIn(lines[l]!).reverse()) if (!rank.has(word) && rank.size < max) rank.set(word, rank.size);
  }
  return rank;
}

/**
 * Characters a window reaches at most on either side of its offset: scanning the identifiers of a
 * 1 MB minified line took ~250 ms here, on the typing path.
 */
const MAX_WINDOW_REACH = 8_000;

/**
 * The text of the lines around `offset`: `before` lines above its line, `after` below, cut to
 * MAX_WINDOW_REACH characters either side of `offset`.
 */
export function linesAround(text: string, offset: number, before: number, after: number): { text: string; startOffset: number; startLine: number; cursorLine: number } {
  const start = Math.max(lineStartBefore(text, offset, before), offset - MAX_WINDOW_REACH);
  let end = offset;
  for (let i = 0; i <= after; i++) {
    const next = text.indexOf('\n', end);
    if (next < 0) {
      end = text.length;
      break;
    }
    end = i < after ? next + 1 : next;
  }
  end = Math.min(end, offset + MAX_WINDOW_REACH);
  const startLine = countNewlines(text, 0, start);
  return { text: text.slice(start, end), startOffset: start, startLine, cursorLine: startLine + countNewlines(text, start, offset) };
}

function lineStartBefore(text: string, offset: number, lines: number): number {
  let start = text.lastIndexOf('\n', offset - 1) + 1;
  for (let i = 0; i < lines && start > 0; i++) start = text.lastIndexOf('\n', start - 2) + 1;
  return start;
}

export function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** |a ∩ b| / |a ∪ b|; 0 for two empty sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const word of small) if (large.has(word)) common++;
  return common / (a.size + b.size - common);
}
