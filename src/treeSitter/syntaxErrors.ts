import type { Node, Tree } from './parser';

/** A syntax error: an ERROR node's range, or the zero-width place of a MISSING token. */
export interface ErrorSpan {
  start: number;
  end: number;
}

/**
 * At most this many errors are collected from a tree: a change that adds more is judged on the
 * first ones, and a text full of errors costs no more than a few.
 */
export const MAX_ERRORS = 64;

/** The tree's errors in document order, descending only into subtrees that have one. */
export function errorSpans(tree: Tree): ErrorSpan[] {
  const out: ErrorSpan[] = [];
  const visit = (node: Node) => {
    if (out.length >= MAX_ERRORS) return;
    if (node.isMissing) out.push({ start: node.startIndex, end: node.startIndex });
    else if (node.isError) out.push({ start: node.startIndex, end: node.endIndex });
    else if (node.hasError) for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return out;
}
