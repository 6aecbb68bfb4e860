import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GrammarId } from '../languages/grammars';
import { compileQuery, type Node, type Query, type Tree } from './parser';

/**
 * The queries each grammar has in `syntaxes/<grammar>/<kind>.scm`. Capture names:
 * - scopes: `@scope` (a function, method or class) with `@scope.body` (its body: the signature is
 *   what precedes it) and `@scope.name`;
 * - imports: `@import` (the statement), `@import.source` (the module), `@import.name` (a name it binds),
 *   `@import.module` (a name it binds to the module itself), `@import.alias` (a name it binds to the
 *   source's last element: `X` of `using X = A.B.C;`), `@import.wildcard` (it binds all the module's names);
 * - definitions: `@definition` (a named declaration) with `@definition.name`.
 */
export type QueryKind = 'scopes' | 'imports' | 'definitions';
export const QUERY_KINDS: QueryKind[] = ['scopes', 'imports', 'definitions'];

/**
 * `syntaxes/` sits at the extension root: two levels above src/treeSitter/ under tsx, one above
 * dist/ in the bundle. The packaged extension must carry it.
 */
function syntaxesDir(): string {
  for (let dir = __dirname, i = 0; i < 4; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'syntaxes');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`syntaxes/ not found above ${__dirname}`);
}

/** A query's source; a first line `; inherits: other` prepends that grammar's query of the same kind. */
export function querySource(grammar: string, kind: QueryKind): string {
  const file = path.join(syntaxesDir(), grammar, `${kind}.scm`);
  const source = fs.readFileSync(file, 'utf8');
  const inherits = /^; inherits: ([\w-]+)/.exec(source);
  return inherits ? `${querySource(inherits[1]!, kind)}\n${source}` : source;
}

const compiled = new Map<string, Promise<Query>>();
const ready = new Map<string, Query>();

export function loadQuery(grammar: GrammarId, kind: QueryKind): Promise<Query> {
  const key = `${grammar}/${kind}`;
  let query = compiled.get(key);
  if (!query) {
    query = compileQuery(grammar, querySource(grammar, kind));
    query.then((q) => ready.set(key, q), () => compiled.delete(key));
    compiled.set(key, query);
  }
  return query;
}

/** A query that is already compiled, for synchronous callers; starts compiling it otherwise. */
export function readyQuery(grammar: GrammarId, kind: QueryKind): Query | undefined {
  const query = ready.get(`${grammar}/${kind}`);
  if (!query) void loadQuery(grammar, kind).catch(() => {});
  return query;
}

export interface Capture {
  name: string;
  node: Node;
}

/** Captures in document order, optionally within [startIndex, endIndex) only. */
export function capturesOf(query: Query, tree: Tree, range?: { startIndex: number; endIndex: number }): Capture[] {
  const captures = query.captures(tree.rootNode, range ? queryRange(range.startIndex, range.endIndex) : undefined);
  // Captures named _x only serve predicates.
  return captures.filter((c) => !c.name.startsWith('_')).map((c) => ({ name: c.name, node: c.node }));
}

/**
 * A query range from UTF-16 offsets. web-tree-sitter 0.27 reports node offsets in UTF-16 code
 * units but hands query ranges to tree-sitter as they are, in bytes of its UTF-16 input: 2 a unit.
 */
export function queryRange(start: number, end: number): { startIndex: number; endIndex: number } {
  return { startIndex: start * 2, endIndex: end * 2 };
}
