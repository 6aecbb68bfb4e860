import { LRUCache } from 'lru-cache';
import type { GrammarId } from '../languages/grammars';
import type { Node, Tree } from '../treeSitter/parser';
import { readyQuery } from '../treeSitter/queries';

/** A local name an import binds. */
export interface ImportedName {
  /** The name in the importing file. */
  local: string;
  /** The name in the imported file: differs from `local` for `a as b`. */
  original: string;
  /** Bound to the module itself (`import a.b`, `import * as m`, `const m = require()`): its members are what is used. */
  module: boolean;
}

export interface ImportStatement {
  startIndex: number;
  endIndex: number;
  source: string;
  names: ImportedName[];
  /** `from a import *`: every name the module defines is bound. */
  wildcard: boolean;
}

/**
 * A document's import statements, kept between requests. The imports query walks the whole tree
 * (a `require` may sit anywhere): ~28 ms on a 5,000-line file, on the typing path. Typing rarely
 * touches an import, so the statements are reused while the text up to the end of the last one is
 * unchanged, for at most REUSE_MS: an import written further down is picked up by then.
 */
export class DocumentImports {
  private static readonly REUSE_MS = 5_000;
  private static readonly MAX_DOCUMENTS = 64;
  /** `head`: the text up to the last statement's end; `tail`: from the first statement's start to the end. */
  private readonly docs = new LRUCache<string, { statements: ImportStatement[]; head: string; tail: string; length: number; at: number }>({ max: DocumentImports.MAX_DOCUMENTS });

  get(uri: string, grammar: GrammarId, text: string, tree: () => Tree | undefined): ImportStatement[] | undefined {
    const known = this.docs.get(uri);
    if (known && performance.now() - known.at < DocumentImports.REUSE_MS && text.startsWith(known.head)) return known.statements;
    const current = tree();
    let statements = current && importsOf(grammar, current);
    if (!statements) return undefined;
    let at = performance.now();
    // A half-typed line above the imports (a file that requires at its end) can leave them
    // unparseable: keep the last ones, moved by what was typed, rather than lose them for a keystroke.
    if (known && current?.rootNode.hasError && statements.length < known.statements.length && text.endsWith(known.tail)) {
      const shift = text.length - known.length;
      statements = known.statements.map((s) => ({ ...s, startIndex: s.startIndex + shift, endIndex: s.endIndex + shift }));
      at = known.at;
    }
    const first = Math.min(text.length, ...statements.map((s) => s.startIndex));
    this.docs.set(uri, { statements, head: text.slice(0, Math.max(0, ...statements.map((s) => s.endIndex))), tail: text.slice(first), length: text.length, at });
    return statements;
  }
}

/** The import statements of a file, with the names each binds; undefined until the query is compiled. */
export function importsOf(grammar: GrammarId, tree: Tree): ImportStatement[] | undefined {
  const query = readyQuery(grammar, 'imports');
  if (!query) return undefined;
  const statements: ImportStatement[] = [];
  const byNode = new Map<number, ImportStatement>();
  const loose: { index: number; capture: string; node: Node }[] = [];
  for (const match of query.matches(tree.rootNode)) {
    const statement = match.captures.find((c) => c.name === 'import')?.node;
    const source = match.captures.find((c) => c.name === 'import.source')?.node.text;
    if (statement && source !== undefined) {
      const entry: ImportStatement = { startIndex: statement.startIndex, endIndex: statement.endIndex, source, names: [], wildcard: false };
      for (const c of match.captures) addCapture(entry, c.name, c.node);
      byNode.set(statement.startIndex, entry);
      statements.push(entry);
    } else for (const c of match.captures) loose.push({ index: c.node.startIndex, capture: c.name, node: c.node });
  }
  // Names captured by patterns of their own belong to the statement that starts last before them.
  const starts = [...byNode.keys()].sort((a, b) => a - b);
  for (const { index, capture, node } of loose) {
    let owner: number | undefined;
    for (const s of starts) if (s <= index) owner = s;
    const entry = owner === undefined ? undefined : byNode.get(owner);
    if (entry) addCapture(entry, capture, node);
  }
  for (const s of statements) {
    if (s.names.length > 0 || s.wildcard) continue;
    // `import a.b` binds `a`, used as `a.b.name`: the dotted path stands for the module.
    if (grammar === 'python' && !s.source.startsWith('.')) s.names.push({ local: s.source, original: s.source, module: true });
    // `import "example.com/m/pkg/v2"` binds its last element that is not a major version: `pkg`.
    else if (grammar === 'go') {
      const name = s.source.replace(/["`]/g, '').split('/').filter((p) => !/^v\d+$/.test(p)).pop() ?? '';
      s.names.push({ local: name, original: name, module: true });
    }
    // `#include "a.h"`, `using A.B;`, `use a::*`: every name of the module.
    else s.wildcard = true;
  }
  return statements;
}

/** `@import.name` (a name), `@import.module` (a name for the module itself), `@import.alias` (a name for the source), `@import.wildcard`. */
function addCapture(entry: ImportStatement, capture: string, node: Node): void {
  if (capture === 'import.wildcard') entry.wildcard = true;
  if (capture !== 'import.name' && capture !== 'import.module' && capture !== 'import.alias') return;
  const local = node.text;
  if (entry.names.some((n) => n.local === local)) return;
  // An alias (`b` of `a as b`, `{ a: b }`) names what its node's `name` (or `key`) field holds; `@import.alias`, the source.
  const parent = node.parent;
  const isAlias = parent?.childForFieldName('alias')?.startIndex === node.startIndex || (parent?.type === 'pair_pattern' && parent.childForFieldName('value')?.startIndex === node.startIndex);
  const aliased = capture === 'import.alias' ? entry.source : isAlias ? (parent!.childForFieldName('name') ?? parent!.childForFieldName('key') ?? parent!.childForFieldName('path'))?.text : undefined;
  entry.names.push({ local, original: aliased?.split(/\.|::/).pop() || local, module: capture === 'import.module' });
}
