import { pathToFileURL } from 'node:url';
import type { ContextRequest, ImportsSource } from './contextEngine';
import { DefinitionIndex, type Definition } from './definitionIndex';
import { relativeLabel, toFsPath } from './fsPaths';
import { ImportResolver, type ReadFile } from './importResolver';
import { identifiersIn, linesAround } from './identifiers';
import type { OpenDocument } from './openDocuments';
import { DocumentTrees, grammarFor, languageOfFile, type GrammarId, type Tree } from './parser';
import { readyQuery } from './queries';
import { estimateTokens, type ContextSnippet } from './snippet';

export type { ReadFile };

interface ImportStatement {
  startIndex: number;
  endIndex: number;
  source: string;
  /** Local names it binds. */
  names: string[];
}

/** Identifiers looked for: those of the cursor's line and the 30 above it. */
const LINES_ABOVE = 30;
/** An imported file larger than this is not read (a bundle, generated code). */
const MAX_FILE_CHARS = 1_000_000;
/** Definitions in all: each costs budget, and the nearest names matter most (the engine fits them to the budget). */
const MAX_SNIPPETS = 12;
/** Imported files whose definitions are kept (by content). */
const MAX_CACHED_FILES = 256;
/** A file read from disk is not read again for this long. */
const REREAD_MS = 3_000;
/** A file found missing is not looked for again for this long. */
const MISS_TTL_MS = 5_000;

/**
 * The definitions of imported symbols used near the cursor, read from the files the imports
 * resolve to (importResolver.ts: JS/TS relative paths and tsconfig `paths`, Python modules, Go
 * packages of the current module, Java classes). Not resolved: packages in node_modules, Rust,
 * C#, C/C++ includes (the workspace index finds their definitions by name).
 *
 * Imported files are parsed with a private DocumentTrees and indexed once per content; an open
 * document's text is used in place of the disk's.
 */
export class ImportDefinitions implements ImportsSource {
  private readonly trees = new DocumentTrees({ maxDocuments: 4 });
  private readonly index = new DefinitionIndex(this.trees);
  private readonly cache = new Map<string, { text: string; definitions: Map<string, Definition[]>; readAt: number }>();

  private readonly missing = new Map<string, number>();
  private readonly resolver: ImportResolver;

  constructor(
    /** The engine's trees: the current document's tree is read from them, never parsed again. */
    private readonly shared: DocumentTrees,
    private readonly readFile: ReadFile,
    /** Workspace folders (file system paths): lookups upwards (Python modules, tsconfig, go.mod) stop at them. */
    private readonly roots: string[] = [],
  ) {
    this.resolver = new ImportResolver(readFile, roots);
  }

  async snippets(request: ContextRequest, documents: OpenDocument[]): Promise<ContextSnippet[]> {
    const grammar = grammarFor(request.languageId);
    const fsPath = toFsPath(request.uri);
    if (!grammar || !fsPath || !RESOLVED.has(grammar)) return [];
    const tree = this.shared.tree(request.uri, request.text, request.languageId);
    const imports = tree && importsOf(grammar, tree);
    if (!imports?.length) return [];

    // What is used near the cursor, import statements left out: plain names, and `name.member` pairs.
    const window = linesAround(request.text, request.cursorOffset, LINES_ABOVE, 0);
    let near = window.text;
    for (const s of imports) {
      const from = Math.max(0, s.startIndex - window.startOffset);
      const to = Math.min(near.length, s.endIndex - window.startOffset);
      if (from < to) near = near.slice(0, from) + ' '.repeat(to - from) + near.slice(to);
    }
    const used = identifiersIn(near);
    const usedSet = new Set(used);
    const members = new Map<string, Set<string>>();
    for (const m of near.matchAll(/([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)/g)) {
      const set = members.get(m[1]!) ?? new Set<string>();
      set.add(m[2]!);
      members.set(m[1]!, set);
    }
    const rank = (name: string) => {
      const at = used.lastIndexOf(name);
      return at < 0 ? used.length : used.length - 1 - at;
    };

    // Members of imported modules used anywhere in the file (`events.get_event_loop` above or below
    // the cursor), most used first: the line being written often uses one of them.
    const bound = new Set(imports.flatMap((s) => s.names));
    const fileMembers = new Map<string, Map<string, number>>();
    for (const m of request.text.matchAll(/([A-Za-z_$][\w$]*)\s*\.\s*([A-Za-z_$][\w$]*)/g)) {
      if (!bound.has(m[1]!)) continue;
      const counts = fileMembers.get(m[1]!) ?? new Map<string, number>();
      counts.set(m[2]!, (counts.get(m[2]!) ?? 0) + 1);
      fileMembers.set(m[1]!, counts);
    }

    const open = new Map(documents.map((d) => [toFsPath(d.uri), d]));
    // Names used near the cursor first, nearest first; then the other imported names in import
    // order (a symbol's first use is often the very line being written); then module members
    // used elsewhere in the file. Bench (test/bench/context.ts): recall 0.37 with near names only.
    const wanted: { file: string; symbol: string; rank: number }[] = [];
    let unused = 0;
    for (const statement of imports) {
      for (const name of statement.names) {
        const r = usedSet.has(name) ? rank(name) : used.length + unused++;
        const targets = await this.resolver.resolve(grammar, fsPath, statement.source, name);
        const elsewhere = [...(fileMembers.get(name) ?? [])].sort((a, b) => b[1] - a[1]);
        for (const target of targets) {
          wanted.push({ file: target.file, symbol: target.symbolIsModule ? '' : name, rank: r });
          for (const member of members.get(name) ?? []) wanted.push({ file: target.file, symbol: member, rank: rank(member) });
          elsewhere.forEach(([member], i) => wanted.push({ file: target.file, symbol: member, rank: 2 * used.length + 1000 + i }));
        }
      }
    }
    wanted.sort((a, b) => a.rank - b.rank);

    // Every candidate file at once: most do not exist, and the others are read and indexed in parallel.
    const files = [...new Set(wanted.filter((w) => w.symbol).map((w) => w.file))];
    const indexed = new Map(await Promise.all(files.map(async (f) => [f, await this.definitionsIn(f, open)] as const)));
    const out: ContextSnippet[] = [];
    const seen = new Set<string>();
    for (const want of wanted) {
      if (out.length >= MAX_SNIPPETS || !want.symbol) continue;
      const definitions = indexed.get(want.file);
      for (const def of definitions?.get(want.symbol)?.slice(0, 1) ?? []) {
        const key = `${def.uri}:${def.startLine}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ path: relativeLabel(this.roots, want.file), text: def.text, source: 'imports', score: 1 / (1 + want.rank), tokens: estimateTokens(def.text), range: { startLine: def.startLine, endLine: def.endLine } });
      }
    }
    return out;
  }

  /** A file's definitions by name, from its open document or the disk; undefined if unreadable. */
  private async definitionsIn(file: string, open: Map<string | undefined, OpenDocument>) {
    const languageId = languageOfFile(file);
    if (!languageId) return undefined;
    const doc = open.get(file);
    // Most candidates do not exist (x.ts, x.tsx, x/index.ts...): remember misses for a while.
    if (!doc && (this.missing.get(file) ?? 0) > performance.now()) return undefined;
    const uri = pathToFileURL(file).href;
    const cached = this.cache.get(uri);
    // A file on disk is read again at most every few seconds: it rarely changes while one types elsewhere.
    const text = doc?.text ?? (cached && performance.now() - cached.readAt < REREAD_MS ? cached.text : await this.readFile(file));
    if (text === undefined || text.length > MAX_FILE_CHARS) {
      if (this.missing.size > 10_000) this.missing.clear();
      this.missing.set(file, performance.now() + MISS_TTL_MS);
      return undefined;
    }
    if (cached?.text === text) {
      if (!doc) cached.readAt = performance.now();
      return cached.definitions;
    }
    // New or changed (on disk or in the editor): index it from scratch, then free its tree; no
    // edit events arrive for it here, and its definitions are all that is kept.
    this.trees.close(uri);
    this.index.forget(uri);
    const definitions = (await this.trees.open(uri, languageId, text)) ? this.index.definitionsOf({ uri, path: file, languageId, text }) : undefined;
    this.trees.close(uri);
    this.index.forget(uri);
    if (!definitions) return undefined;
    this.cache.delete(uri);
    this.cache.set(uri, { text, definitions, readAt: performance.now() });
    if (this.cache.size > MAX_CACHED_FILES) this.cache.delete(this.cache.keys().next().value!);
    return definitions;
  }
}

const RESOLVED = new Set<GrammarId>(['typescript', 'tsx', 'javascript', 'python', 'go', 'java']);

/** The import statements of a file, with the local names each binds; undefined until the query is compiled. */
function importsOf(grammar: GrammarId, tree: Tree): ImportStatement[] | undefined {
  const query = readyQuery(grammar, 'imports');
  if (!query) return undefined;
  const statements: ImportStatement[] = [];
  const byNode = new Map<number, ImportStatement>();
  const names: { index: number; name: string }[] = [];
  for (const match of query.matches(tree.rootNode)) {
    const statement = match.captures.find((c) => c.name === 'import')?.node;
    const source = match.captures.find((c) => c.name === 'import.source')?.node.text;
    if (statement && source !== undefined) {
      const entry = { startIndex: statement.startIndex, endIndex: statement.endIndex, source, names: match.captures.filter((c) => c.name === 'import.name').map((c) => c.node.text) };
      byNode.set(statement.startIndex, entry);
      statements.push(entry);
    } else for (const c of match.captures) if (c.name === 'import.name') names.push({ index: c.node.startIndex, name: c.node.text });
  }
  // Names captured by patterns of their own belong to the statement that starts last before them.
  const starts = [...byNode.keys()].sort((a, b) => a - b);
  for (const { index, name } of names) {
    let owner: number | undefined;
    for (const s of starts) if (s <= index) owner = s;
    const entry = owner === undefined ? undefined : byNode.get(owner);
    if (entry && !entry.names.includes(name)) entry.names.push(name);
  }
  // `import os` / `import a.b` bind the module's first name.
  for (const s of statements) if (s.names.length === 0 && grammar === 'python' && !s.source.startsWith('.')) s.names.push(s.source.split('.')[0]!);
  // `import "example.com/m/pkg/v2"` binds its last element that is not a major version: `pkg`.
  for (const s of statements) if (s.names.length === 0 && grammar === 'go') s.names.push(s.source.replace(/["`]/g, '').split('/').filter((p) => !/^v\d+$/.test(p)).pop() ?? '');
  return statements;
}
