import type { Node } from '../../treeSitter/parser';
import type { CompletionPosition } from '../postprocess/types';
import { isBlock } from './nodeKinds';
import { DEFAULT_LIMITS, withTree, type SyntaxLimits } from './parseWindow';
import { syntaxWindow } from './syntaxWindow';

/** The rest of a line after a block's end that still belongs with it: `})`, `};`, `},`. */
const ONLY_CLOSERS = /^[\s)\]};,]*$/;

/**
 * Multi-line completion text, after postprocess(), cut where it leaves the block the cursor is
 * in, by the syntax tree of `prefix + completion + suffix`: the innermost block (brace block,
 * switch arm, Python `block`) that starts before the cursor and ends inside the completion with
 * more text after it. The line that closes the block is kept when the rest of it is closers
 * (`}`, `});`), as truncateAtBlockEnd keeps it: cutToParse then drops it if the suffix already
 * closes the block; a line like `} else {` is dropped. Catches what indentation can't see, like a
 * model that closes the function and starts the next one at the same indentation. Unchanged when
 * the completion stays in its block, or there is no tree (no grammar, grammar loading, parse over
 * its time limit); undefined only when nothing is left. Never throws. `limits` is for tests.
 *
 * In finish(), multi-line only, after postprocess() and before cutToParse():
 * `text = syntaxBlockEnd(text, pos)`, then `text = text && cutToParse(text, pos)`.
 */
export function syntaxBlockEnd(completion: string, pos: CompletionPosition, limits: SyntaxLimits = DEFAULT_LIMITS): string | undefined {
  if (typeof completion !== 'string') return completion;
  try {
    const cut = blockEnd(completion, pos, limits);
    if (cut === undefined) return completion;
    const text = completion.slice(0, cut).trimEnd();
    return text.trim() === '' ? undefined : text;
  } catch {
    return completion;
  }
}

/** Offset in the completion to cut at, or undefined to keep it whole. */
function blockEnd(completion: string, pos: CompletionPosition, limits: SyntaxLimits): number | undefined {
  const window = syntaxWindow(pos);
  if (!window) return undefined;
  const { prefix, suffix } = window;
  const cursor = prefix.length;
  const kept = completion.trimEnd().length;
  return withTree(pos.languageId, prefix + completion + suffix, limits, (tree) => {
    const block = enclosingBlock(tree.rootNode.descendantForIndex(cursor, cursor + 1), cursor);
    if (!block) return undefined;
    const end = block.endIndex - cursor;
    if (end <= 0 || end >= kept) return undefined;
    const lineEnd = completion.indexOf('\n', end);
    const rest = completion.slice(end, lineEnd < 0 ? completion.length : lineEnd);
    if (ONLY_CLOSERS.test(rest)) return lineEnd < 0 ? completion.length : lineEnd;
    const last = block.lastChild;
    if (last?.type !== '}') return end;
    // `} else {`: the line goes on past the block, so neither it nor what follows is the block's.
    return Math.max(0, completion.lastIndexOf('\n', last.startIndex - cursor));
  });
}

function enclosingBlock(node: Node | null, cursor: number): Node | undefined {
  for (; node; node = node.parent) if (isBlock(node) && node.startIndex <= cursor) return node;
  return undefined;
}
