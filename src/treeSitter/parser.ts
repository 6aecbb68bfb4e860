// The only module that imports web-tree-sitter: grammars (as languages/grammars.ts lists them),
// parsers, and the syntax tree of each open document, kept up to date from edit events.
import { LRUCache } from 'lru-cache';
import { Edit, Language, Parser, Query, type Node, type Tree } from 'web-tree-sitter';
import { GRAMMARS, type GrammarId } from '../languages/grammars';
import { grammarFor } from '../languages/languages';

export type { Node, Query, Tree };

let runtime: Promise<void> | undefined;
const languages = new Map<GrammarId, Promise<Language>>();
const parsers = new Map<GrammarId, Parser>();

/**
 * Loads a grammar (once; ~5-60 ms each). Paths go through require.resolve so that they work from
 * src/ under tsx and from the esbuild bundle in dist/ alike: the packaged extension must carry the
 * .wasm files named in GRAMMARS and `web-tree-sitter/web-tree-sitter.wasm`.
 */
export function loadGrammar(grammar: GrammarId): Promise<Language> {
  let language = languages.get(grammar);
  if (!language) {
    runtime ??= Parser.init({ locateFile: () => require.resolve('web-tree-sitter/web-tree-sitter.wasm') });
    language = runtime.then(() => Language.load(require.resolve(GRAMMARS[grammar].wasm)));
    language.then(
      (l) => loaded.set(grammar, l),
      () => languages.delete(grammar), // a failed load may be retried
    );
    languages.set(grammar, language);
  }
  return language;
}

const loaded = new Map<GrammarId, Language>();

/** The grammar's parser if its language is loaded; synchronous callers never wait for a load. */
function readyParser(grammar: GrammarId): Parser | undefined {
  let parser = parsers.get(grammar);
  const language = loaded.get(grammar);
  if (!parser && language) {
    parser = new Parser();
    parser.setLanguage(language);
    parsers.set(grammar, parser);
  }
  return parser;
}

async function parserFor(grammar: GrammarId): Promise<Parser> {
  await loadGrammar(grammar);
  return readyParser(grammar)!;
}

export interface ParseLimits {
  /** Wall-clock limit of one parse; a parse that runs over is cancelled. */
  timeoutMs: number;
}

/**
 * Parses `text`, reusing the unchanged parts of `oldTree` (already `edit`ed to match `text`).
 * Returns undefined when the parse ran over the time limit: tree-sitter polls the progress callback
 * every few hundred bytes of input, so the overrun is well under a millisecond.
 */
export function parseWith(parser: Parser, text: string, oldTree: Tree | undefined, limits: ParseLimits): Tree | undefined {
  const deadline = performance.now() + limits.timeoutMs;
  const tree = parser.parse(chunked(text), oldTree ?? null, { progressCallback: () => performance.now() > deadline });
  if (!tree) parser.reset(); // else the next parse would resume this cancelled one
  return tree ?? undefined;
}

/**
 * Reads `text` in chunks of 4 KB. Given a string, web-tree-sitter hands the parser `text.slice(index)`
 * on every read: the rest of the file each time, which made an incremental reparse of a 5,000-line
 * file ~2x slower (12 ms against 6 ms here). A chunk never ends inside a surrogate pair.
 */
function chunked(text: string): (index: number) => string {
  return (index) => {
    let end = index + 4096;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end++;
    return text.slice(index, end);
  };
}

export interface SlicedParseLimits {
  /** Longest stretch of parsing between two yields to the event loop. */
  sliceMs: number;
  /** Parsing time in all (yields not counted) after which the parse is abandoned. */
  maxMs: number;
  /** Waits for the event loop (setImmediate); the parse stops if `cancelled` is true after it. */
  yieldNow: () => Promise<void>;
  cancelled: () => boolean;
}

/**
 * Parses files in the background: a parse halted at the end of its slice resumes where it left off
 * on the parser's next call, so a 1 MB file (~250-400 ms of parsing here) never holds the event loop
 * longer than one slice. Owns its parsers: a halted parse would be resumed by anyone else's call
 * on a shared one. Not reentrant: one parse at a time.
 */
export class BackgroundParser {
  private readonly parsers = new Map<GrammarId, Parser>();

  async parse(grammar: GrammarId, text: string, limits: SlicedParseLimits): Promise<Tree | undefined> {
    const language = await loadGrammar(grammar);
    let parser = this.parsers.get(grammar);
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(language);
      this.parsers.set(grammar, parser);
    }
    const input = chunked(text);
    let spent = 0;
    for (;;) {
      const started = performance.now();
      const sliceEnd = started + Math.min(limits.sliceMs, limits.maxMs - spent);
      const tree = parser.parse(input, null, { progressCallback: () => performance.now() > sliceEnd });
      spent += performance.now() - started;
      if (tree) return tree;
      if (spent >= limits.maxMs) break;
      await limits.yieldNow();
      if (limits.cancelled()) break;
    }
    parser.reset();
    return undefined;
  }

  dispose(): void {
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
  }
}

/** One text change, in the shape of VS Code's TextDocumentContentChangeEvent (UTF-16 offsets). */
export interface TextChange {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/** Compiles a query for a loaded grammar; throws with the query's error position if it is wrong. */
export async function compileQuery(grammar: GrammarId, source: string): Promise<Query> {
  return new Query(await loadGrammar(grammar), source);
}

export interface DocumentTreesOptions {
  /** Time limit of an incremental reparse (on the typing path); ~50x its usual cost on 5,000 lines. */
  timeoutMs?: number;
  /**
   * Time limit of a parse from scratch (on open, off the typing path): a 5,000-line TypeScript file
   * takes ~40-70 ms on a busy 2-core machine, and a grammar's first parse more while V8 compiles it.
   */
  fullParseTimeoutMs?: number;
  /** Documents larger than this are not parsed (VS Code's own limit for tokenization is 20 MB). */
  maxChars?: number;
  /** At most this many trees are kept; the least recently used is dropped. */
  maxDocuments?: number;
  log?: (message: string) => void;
}

interface DocumentTree {
  grammar: GrammarId;
  tree: Tree | undefined;
  /** Edits applied to `tree` since it was parsed: the next read reparses incrementally. */
  dirty: boolean;
  /** After a timed-out parse, no new attempt before this time (a parse that ran over would again). */
  retryAfter: number;
}

/**
 * The syntax tree of each open document. Edits only mark the tree (`tree.edit`, microseconds);
 * the next `tree()` reparses once, incrementally from the old tree, however many keystrokes came
 * in between. A document is parsed from scratch only when it is opened.
 */
export class DocumentTrees {
  /** Reading a tree makes its document the most recently used; trees live in WASM memory, so a dropped one is deleted. */
  private readonly docs: LRUCache<string, DocumentTree>;
  private readonly timeoutMs: number;
  private readonly fullParseTimeoutMs: number;
  private readonly maxChars: number;
  private readonly log: (message: string) => void;

  constructor(options: DocumentTreesOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 50;
    this.fullParseTimeoutMs = options.fullParseTimeoutMs ?? Math.max(this.timeoutMs, 250);
    this.maxChars = options.maxChars ?? 4_000_000;
    this.docs = new LRUCache({ max: options.maxDocuments ?? 64, dispose: (doc) => doc.tree?.delete() });
    this.log = options.log ?? (() => {});
  }

  /** Loads the grammar and parses the document; undefined for a language without a grammar. */
  async open(uri: string, languageId: string, text: string): Promise<Tree | undefined> {
    const grammar = grammarFor(languageId);
    if (!grammar) {
      this.log(`context: no grammar for '${languageId}', line-based context for ${uri}`);
      return undefined;
    }
    await parserFor(grammar);
    this.close(uri);
    this.docs.set(uri, { grammar, tree: undefined, dirty: true, retryAfter: 0 });
    return this.tree(uri, text);
  }

  /** Applies a document's changes to its tree, in the order given (each against the text the previous one left). */
  edit(uri: string, changes: readonly TextChange[]): void {
    const doc = this.docs.peek(uri);
    if (!doc) return;
    for (const change of changes) doc.tree?.edit(toEdit(change));
    doc.dirty = true;
  }

  /**
   * The document's current tree (`text` is its full current text), reparsed incrementally if it
   * was edited; undefined if it has no grammar, is too large, or its parse ran over the limit.
   * A document not yet opened is parsed from scratch if its grammar is loaded, or its grammar
   * starts loading and this call returns undefined (it never waits).
   */
  tree(uri: string, text: string, languageId?: string): Tree | undefined {
    let doc = this.docs.get(uri);
    if (!doc) {
      const grammar = languageId ? grammarFor(languageId) : undefined;
      if (!grammar) return undefined;
      if (!readyParser(grammar)) {
        void parserFor(grammar).catch((err) => this.log(`context: loading the ${grammar} grammar failed: ${(err as Error).message}`));
        return undefined;
      }
      doc = { grammar, tree: undefined, dirty: true, retryAfter: 0 };
      this.docs.set(uri, doc);
    }
    if (!doc.dirty) return doc.tree;
    if (text.length > this.maxChars) return undefined;
    if (performance.now() < doc.retryAfter) return undefined;
    const parser = readyParser(doc.grammar);
    if (!parser) return undefined;
    const timeoutMs = doc.tree ? this.timeoutMs : this.fullParseTimeoutMs;
    const tree = parseWith(parser, text, doc.tree, { timeoutMs });
    if (!tree) {
      // Keep the edited old tree: a later parse can still reuse it.
      doc.retryAfter = performance.now() + 10_000;
      this.log(`context: parsing ${uri} took over ${timeoutMs} ms; no syntax context for it for 10 s`);
      return undefined;
    }
    doc.tree?.delete();
    doc.tree = tree;
    doc.dirty = false;
    return tree;
  }

  grammarOf(uri: string): GrammarId | undefined {
    return this.docs.peek(uri)?.grammar;
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  dispose(): void {
    this.docs.clear();
  }
}

/** A content change as tree-sitter's edit: start, old end and new end as offsets and points. */
export function toEdit(change: TextChange): Edit {
  const start = change.range.start;
  const lines = change.text.split('\n');
  const last = lines[lines.length - 1]!;
  const newEnd = lines.length === 1 ? { row: start.line, column: start.character + last.length } : { row: start.line + lines.length - 1, column: last.length };
  return new Edit({
    startIndex: change.rangeOffset,
    oldEndIndex: change.rangeOffset + change.rangeLength,
    newEndIndex: change.rangeOffset + change.text.length,
    startPosition: { row: start.line, column: start.character },
    oldEndPosition: { row: change.range.end.line, column: change.range.end.character },
    newEndPosition: newEnd,
  });
}

/**
 * Parses a snippet (a window of a document, or a window with a completion spliced in) with the
 * language's loaded grammar, synchronously. Undefined when the language has no grammar, its
 * grammar is still loading (the load is started, so a later call can parse), or the parse ran over
 * `timeoutMs`. The caller owns the tree and must `delete()` it: trees live in WASM memory.
 */
export function parseSnippet(languageId: string, text: string, timeoutMs: number): Tree | undefined {
  const grammar = grammarFor(languageId);
  if (!grammar) return undefined;
  const parser = readyParser(grammar);
  if (!parser) {
    void loadGrammar(grammar).catch(() => {}); // retried on the next call: loadGrammar forgets a failed load
    return undefined;
  }
  return parseWith(parser, text, undefined, { timeoutMs });
}

/** Loads the language's grammar; false when it has none or the load failed. For tests and warm-up. */
export async function ensureGrammar(languageId: string): Promise<boolean> {
  const grammar = grammarFor(languageId);
  if (!grammar) return false;
  try {
    await parserFor(grammar);
    return true;
  } catch {
    return false;
  }
}
