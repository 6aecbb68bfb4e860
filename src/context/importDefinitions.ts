import { pathToFileURL } from 'node:url';
import { LRUCache } from 'lru-cache';
import type { ContextRequest, ImportsSource } from './contextEngine';
import { DefinitionIndex, type Definition } from './definitionIndex';
import { relativeLabel, toFsPath } from './fsPaths';
import { ImportResolver, type FindDefinitions, type ReadFile } from './importResolver';
import { DocumentImports } from './importStatements';
import { ImportUsage } from './importUsage';
import { grammarOfFile, languageOfFile } from '../languages/languageOfFile';
import { grammarFor } from '../languages/languages';
import type { OpenDocument } from './openDocuments';
import { DocumentTrees } from '../treeSitter/parser';
import { estimateTokens } from '../prompt/promptBudget';
import type { ContextSnippet } from './snippet';

export type { ReadFile };

interface Wanted {
  /** The imported name it is for: a definition is taken from the first of its files that has it. */
  name: string;
  file: string;
  symbol: string;
  rank: number;
  /** Only a definition at the file's top level (a module's member, not a method of one of its classes). */
  topLevel: boolean;
  /** The file's outline in place of a definition; `unlessDefined`: not if the file defines `symbol` (then the name is not the module). */
  outline?: { unlessDefined: boolean };
}

/** An imported file larger than this is not read (a bundle, generated code). */
const MAX_FILE_CHARS = 1_000_000;
/** Definitions in all: each costs budget, and the nearest names matter most (the engine fits them to the budget). */
const MAX_SNIPPETS = 12;
/** Definitions in a module's outline: about as many characters as one definition cut to its 24 lines. */
const MAX_OUTLINE_LINES = 24;
const MAX_OUTLINE_LINE_CHARS = 120;
/** Imported files whose definitions are kept (by content). */
const MAX_CACHED_FILES = 256;
/** A file read from disk is not read again for this long. */
const REREAD_MS = 3_000;
/** A file found missing is not looked for again for this long. */
const MISS_TTL_MS = 5_000;
/** Missing files remembered at most. */
const MAX_MISSING_FILES = 10_000;

/**
 * The definitions of imported symbols used near the cursor, and outlines of imported modules, read
 * from the files the imports resolve to (importResolver.ts). Not resolved: packages in
 * node_modules, other crates, system headers (the workspace index finds definitions by name).
 *
 * Imported files are parsed with a private DocumentTrees and indexed once per content; an open
 * document's text is used in place of the disk's.
 */
export class ImportDefinitions implements ImportsSource {
  private readonly trees = new DocumentTrees({ maxDocuments: 4 });
  private readonly index = new DefinitionIndex(this.trees);
  private readonly cache = new LRUCache<string, { text: string; languageId: string; definitions: Map<string, Definition[]>; readAt: number }>({ max: MAX_CACHED_FILES });
  /** Files found missing (or too large), each forgotten after MISS_TTL_MS. */
  private readonly missing = new LRUCache<string, true>({ max: MAX_MISSING_FILES, ttl: MISS_TTL_MS });
  private readonly resolver: ImportResolver;
  private readonly documentImports = new DocumentImports();

  constructor(
    /** The engine's trees: the current document's tree is read from them, never parsed again. */
    private readonly shared: DocumentTrees,
    private readonly readFile: ReadFile,
    /** Workspace folders (file system paths): lookups upwards (Python modules, tsconfig, go.mod) stop at them. */
    private readonly roots: string[] = [],
    findDefinitions?: FindDefinitions,
  ) {
    this.resolver = new ImportResolver(readFile, roots, findDefinitions);
  }

  async snippets(request: ContextRequest, documents: OpenDocument[]): Promise<ContextSnippet[]> {
    const grammar = grammarFor(request.languageId);
    const fsPath = toFsPath(request.uri);
    if (!grammar || !fsPath) return [];
    const imports = this.documentImports.get(request.uri, grammar, request.text, () => this.shared.tree(request.uri, request.text, request.languageId));
    if (!imports?.length) return [];
    const usage = new ImportUsage(request.text, request.cursorOffset, imports);
    const near = usage.nearCount;
    const bound = imports.flatMap((s) => s.names);

    // Ranks, lowest first: [0, near) names used near the cursor, nearest first, and their members
    // used near it; [near, near + 1) the outlines of modules used near it (a guess, so after every
    // definition used near it); then the imported names the file does not use yet, in import order
    // (one is often imported just before its first use: the line being written), a module's
    // outline after it; then the other imported names, used nearest the cursor first; then members
    // of imported modules used elsewhere in the file, nearest first.
    // Bench (test/bench/context.ts, 512 tokens): recall 0.80 -> 0.92 with outlines and these tiers.
    const unused = near + 1;
    const usedElsewhere = unused + bound.length;
    const membersElsewhere = usedElsewhere + request.text.length;
    const wanted: Wanted[] = [];
    let fresh = 0;
    for (const statement of imports) {
      if (statement.wildcard) {
        // `from a import *`: the names used near the cursor that no other import binds.
        const names = usage.nearNames().filter((name) => !bound.some((n) => n.local === name));
        for (const target of await this.resolver.resolveWildcard(grammar, fsPath, statement.source, names)) {
          for (const name of names) wanted.push({ name: `*${statement.source}`, file: target.file, symbol: name, rank: usage.nearRank(name)!, topLevel: target.symbolIsModule });
        }
        continue;
      }
      for (const name of statement.names) {
        const distance = usage.distanceInFile(name.local);
        const nearRank = usage.nearRank(name.local);
        const rank = nearRank ?? (distance === undefined ? unused + fresh++ : usedElsewhere + distance);
        const outlineRank = nearRank === undefined ? rank + 0.5 : near + nearRank / (near + 1);
        const targets = await this.resolver.resolve(grammar, fsPath, statement.source, name.original, name.module);
        for (const target of targets) {
          const file = target.file;
          const of = name.local;
          if (!target.symbolIsModule) wanted.push({ name: of, file, symbol: name.original, rank, topLevel: false });
          // A Go package spans files: no one file's outline stands for it.
          if ((target.symbolIsModule || name.module) && grammar !== 'go') wanted.push({ name: of, file, symbol: name.original, rank: outlineRank, topLevel: true, outline: { unlessDefined: !target.symbolIsModule } });
          for (const member of usage.membersNear(name.local)) wanted.push({ name: of, file, symbol: member, rank: usage.nearRank(member) ?? rank, topLevel: target.symbolIsModule });
          for (const { member, distance } of usage.membersInFile(name.local)) wanted.push({ name: of, file, symbol: member, rank: membersElsewhere + distance, topLevel: target.symbolIsModule });
        }
      }
    }
    wanted.sort((a, b) => a.rank - b.rank);

    // Every candidate file at once: most do not exist, and the others are read and indexed in parallel.
    const open = new Map(documents.map((d) => [toFsPath(d.uri), d]));
    const files = [...new Set(wanted.map((w) => w.file))];
    // A header that a C++ file includes is C++.
    const cppProject = grammar === 'cpp';
    const indexed = new Map(await Promise.all(files.map(async (f) => [f, await this.definitionsIn(f, open, cppProject)] as const)));
    const out: ContextSnippet[] = [];
    const seen = new Set<string>();
    // What each imported name gave: its files are alternatives (x.py or x/__init__.py; x.d.ts or x.js).
    const found = new Set<string>();
    for (const want of wanted) {
      const definitions = indexed.get(want.file);
      const wantKey = `${want.name}\n${want.outline ? '' : want.symbol}`;
      if (out.length >= MAX_SNIPPETS || !definitions || found.has(wantKey)) continue;
      const path = relativeLabel(this.roots, want.file);
      const score = 1 / (1 + want.rank);
      if (want.outline) {
        if (want.outline.unlessDefined && definitions.get(want.symbol)?.some(isTopLevel)) continue;
        const text = outlineOf(definitions, seen);
        if (text) out.push({ path, text, source: 'imports', score, tokens: estimateTokens(text) });
        found.add(wantKey);
        continue;
      }
      const def = definitions.get(want.symbol)?.find((d) => !want.topLevel || isTopLevel(d));
      const key = def && `${def.uri}:${def.startLine}`;
      if (!def || seen.has(key!)) continue;
      seen.add(key!);
      found.add(wantKey);
      out.push({ path, text: def.text, source: 'imports', score, tokens: estimateTokens(def.text), range: { startLine: def.startLine, endLine: def.endLine } });
    }
    return out;
  }

  /** A file's definitions by name, from its open document (in the editor's language) or the disk; undefined if unreadable. */
  private async definitionsIn(file: string, open: Map<string | undefined, OpenDocument>, cppProject: boolean) {
    if (!grammarOfFile(file)) return undefined;
    const doc = open.get(file);
    // Most candidates do not exist (x.ts, x.tsx, x/index.ts...): remember misses for a while.
    if (!doc && this.missing.has(file)) return undefined;
    const uri = pathToFileURL(file).href;
    const cached = this.cache.get(uri);
    // A file on disk is read again at most every few seconds: it rarely changes while one types elsewhere.
    const text = doc?.text ?? (cached && performance.now() - cached.readAt < REREAD_MS ? cached.text : await this.readFile(file));
    if (text === undefined || text.length > MAX_FILE_CHARS) {
      this.missing.set(file, true);
      return undefined;
    }
    const languageId = doc?.languageId ?? languageOfFile(file, { text, cppProject })!;
    if (cached?.text === text && cached.languageId === languageId) {
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
    this.cache.set(uri, { text, languageId, definitions, readAt: performance.now() });
    return definitions;
  }
}

/** Whether a definition is at its file's top level: its first line is not indented. */
function isTopLevel(def: Definition): boolean {
  return !/^\s/.test(def.text);
}

/**
 * The first lines of a module's top-level definitions, in file order, those in `given` left out:
 * the module's interface, for a line that uses a member not yet used in the file (~12 tokens a
 * definition where the definition itself costs ~100). Public names first when they are too many;
 * dunders (`__all__`) say nothing of the interface.
 */
function outlineOf(definitions: Map<string, Definition[]>, given: Set<string>): string | undefined {
  const defs = [...definitions.values()]
    .map((list) => list.find(isTopLevel))
    .filter((d): d is Definition => !!d && !given.has(`${d.uri}:${d.startLine}`) && !/^__\w+__$/.test(d.name))
    .sort((a, b) => Number(a.name.startsWith('_')) - Number(b.name.startsWith('_')) || a.startLine - b.startLine)
    .slice(0, MAX_OUTLINE_LINES)
    .sort((a, b) => a.startLine - b.startLine);
  if (defs.length === 0) return undefined;
  return defs.map((d) => d.text.split('\n', 1)[0]!.trimEnd().slice(0, MAX_OUTLINE_LINE_CHARS)).join('\n');
}
