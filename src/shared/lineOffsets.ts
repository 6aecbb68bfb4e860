/** The offset where each line of `text` starts (lines end at `\n`; a `\r` before it stays with its line). */
export function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
