import type { CompletionPosition } from '../postprocess/types';
import { blockBody, insideText } from './nodeKinds';
import { DEFAULT_LIMITS, withTree, type SyntaxLimits } from './parseWindow';
import { errorSpans } from '../../treeSitter/syntaxErrors';
import { syntaxWindow } from './syntaxWindow';

/**
 * The syntax tree's answer to "should this completion be multi-line", for 'auto' mode; undefined
 * when the tree has none, and shouldBeMultiline's text rules decide. True only where a new, empty
 * block is being written: the cursor follows a block opener (`{` of a body, `:` of a Python header
 * or a switch arm), with only blank lines between, and the block has no statement yet. False in a
 * string or comment, in an argument list, mid-statement, or in a block that has a body. Undefined
 * when the language has no grammar or it is loading (loading starts), when the parse ran over its
 * time limit, when there is a syntax error around the cursor (half-typed code, which the text rules
 * were written for), and after `=>` or a `{` that opens no block (an object literal): there the
 * tree can't tell what is being written. Never throws. `limits` is for tests.
 *
 * In plan(): `const multiline = mode === 'auto' ? syntaxMultiline(pos) ?? shouldBeMultiline(pos, mode) : shouldBeMultiline(pos, mode)`.
 */
export function syntaxMultiline(pos: CompletionPosition, limits: SyntaxLimits = DEFAULT_LIMITS): boolean | undefined {
  try {
    return decide(pos, limits);
  } catch {
    return undefined;
  }
}

function decide(pos: CompletionPosition, limits: SyntaxLimits): boolean | undefined {
  const window = syntaxWindow(pos);
  if (!window) return undefined;
  const { prefix, suffix } = window;
  const text = prefix + suffix;
  const cursor = prefix.length;
  return withTree(pos.languageId, text, limits, (tree): boolean | undefined => {
    const root = tree.rootNode;
    if (insideText(root, cursor)) return false;
    const prevAt = prefix.trimEnd().length - 1;
    const nextAt = cursor + (suffix.length - suffix.trimStart().length);
    if (prevAt < 0 || errorSpans(tree).some((e) => e.start <= nextAt && e.end >= prevAt)) return undefined;
    const prev = root.descendantForIndex(prevAt, prevAt + 1);
    if (!prev) return undefined;
    if (prev.type === '=>') return undefined;
    const body = blockBody(prev);
    if (body) return body.length === 0;
    if (prev.type === '{') return undefined;
    return false;
  });
}
