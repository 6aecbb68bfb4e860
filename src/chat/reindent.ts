import { commonIndent, isBlank, leadingWhitespace, renderIndent, splitLines, type Eol, type IndentOptions } from '../shared/indentation';

/**
 * The model's code (`\n` lines) in place of `original` (the selected lines as in the document):
 * - its least indented line goes at the selection's base indentation, whether the model answered
 *   dedented (as prompted) or at the original depth; relative indentation is kept;
 * - its indent unit becomes the editor's: small models answer in 4 spaces for files indented with
 *   tabs or 2 spaces. Spaces beyond whole levels (a JSDoc ` * `, an aligned argument) stay spaces;
 * - the selection's leading and trailing blank lines and its final line end are kept, the
 *   model's own dropped: the lines around the range stay as they were;
 * - lines are joined by the document's `eol`; none ends in whitespace.
 */
export function reindent(code: string, original: string, indent: IndentOptions, eol: Eol): string {
  const lines = trimBlankEnds(splitLines(code).map((line) => line.trimEnd()));
  const originalLines = splitLines(original);
  const base = commonIndent(originalLines, indent.tabSize);
  const unit = indentUnit(lines, indent.tabSize);
  // The same unit as the selection's own lines: the model kept the file's spacing (a 4-space file
  // whose chained calls step by 2 reads as unit 2 both times), so levels are not rescaled.
  const levelWidth = unit === indentUnit(originalLines, indent.tabSize) ? unit : indent.tabSize;
  const widths = lines.map((line) => levelColumns(leadingWhitespace(line), unit));
  const min = Math.min(...widths.filter((_, i) => !isBlank(lines[i]!)));
  const body = lines.map((line, i) => {
    if (isBlank(line)) return '';
    const relative = widths[i]! - min;
    const rest = relative % unit;
    return renderIndent(base + ((relative - rest) / unit) * levelWidth, indent) + ' '.repeat(rest) + line.trimStart();
  });
  const { leading, trailing, finalEol } = blankEnds(originalLines);
  return [...Array<string>(leading).fill(''), ...body, ...Array<string>(trailing).fill('')].join(eol) + (finalEol ? eol : '');
}

/**
 * Columns of one indent level in these lines, judged by the steps between consecutive non-blank
 * space-indented lines: 4 or 2 when more than half the steps in (or, with none in, out) are
 * multiples of it; else `tabSize`, which leaves the columns as they are. Steps of 1 are alignment
 * (a JSDoc ` * `), not levels.
 */
function indentUnit(lines: readonly string[], tabSize: number): number {
  const widths = lines.filter((line) => !isBlank(line)).map((line) => leadingWhitespace(line));
  const ins: number[] = [];
  const outs: number[] = [];
  for (let i = 1; i < widths.length; i++) {
    if (widths[i - 1]!.includes('\t') || widths[i]!.includes('\t')) continue;
    const step = widths[i]!.length - widths[i - 1]!.length;
    if (step >= 2) ins.push(step);
    else if (step <= -2) outs.push(-step);
  }
  const steps = ins.length ? ins : outs;
  return [4, 2].find((unit) => steps.filter((s) => s % unit === 0).length * 2 > steps.length) ?? tabSize;
}

/** Width of leading whitespace with a tab as one level (`unit` columns) wherever it stands. */
function levelColumns(whitespace: string, unit: number): number {
  let width = 0;
  for (const ch of whitespace) width += ch === '\t' ? unit : 1;
  return width;
}

function trimBlankEnds(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start]!)) start++;
  while (end > start && isBlank(lines[end - 1]!)) end--;
  return lines.slice(start, end);
}

/** The selection's blank lines before and after its code, and whether it ends in a line end. */
function blankEnds(lines: readonly string[]): { leading: number; trailing: number; finalEol: boolean } {
  const finalEol = lines.length > 1 && lines[lines.length - 1] === '';
  const content = finalEol ? lines.slice(0, -1) : lines;
  let leading = 0;
  while (leading < content.length && isBlank(content[leading]!)) leading++;
  if (leading === content.length) return { leading: 0, trailing: 0, finalEol };
  let trailing = 0;
  while (isBlank(content[content.length - 1 - trailing]!)) trailing++;
  return { leading, trailing, finalEol };
}
