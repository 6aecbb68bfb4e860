import type { LanguageSyntax } from '../../languages/languages';
import { CLOSER_OF, IN_CODE, scanBrackets } from './scanBrackets';

/**
 * 'block': a body goes on the next lines (`{`, Python `:`, `=>`, `then`/`do`).
 * 'bracket': a list goes on the next lines (`(`, `[`): arguments, parameters, elements.
 */
export type BlockOpener = 'block' | 'bracket';

/**
 * What kind of block, if any, the line (or the text before the cursor) leaves open at its end.
 * `bracketsOpen`: how many brackets are open at the line's end counting earlier lines too, when the
 * caller knows; otherwise only the line's own brackets are counted.
 */
export function endsWithBlockOpener(
  line: string,
  syntax: LanguageSyntax,
  bracketsOpen?: number,
): BlockOpener | undefined {
  const text = line.trimEnd();
  if (text === '') return undefined;
  const last = text[text.length - 1];
  if (last === '(' || last === '[') return 'bracket';
  if (last === '{') return 'block';
  if (!syntax.blockOpener?.test(text)) return undefined;
  if (syntax.openerOutsideBracketsOnly && (bracketsOpen ?? bracketDepth(text, syntax)) > 0) return undefined;
  return 'block';
}

function bracketDepth(text: string, syntax: LanguageSyntax): number {
  const open: string[] = [];
  scanBrackets(text, syntax, IN_CODE, (event, char) => {
    if (event === 'open') open.push(char);
    else if (event === 'close' && open.length > 0 && CLOSER_OF[open[open.length - 1]] === char) open.pop();
  });
  return open.length;
}
