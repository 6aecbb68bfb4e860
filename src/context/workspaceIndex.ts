import * as fs from 'node:fs';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import { definitionNodes, definitionText } from './definitionIndex';
import { isWithin } from './fsPaths';
import { grammarOfFile, languageOfFile } from '../languages/languageOfFile';
import { BackgroundParser } from '../treeSitter/parser';
import { loadQuery } from '../treeSitter/queries';
import { WorkspaceFiles } from './workspaceFiles';
import { hasMinifiedLine } from '../shared/minified';

export interface WorkspaceIndexOptions {
  /** Workspace folders (file system paths). */
  roots: string[];
  log?: (message: string) => void;
  /** Files indexed at most; the walk stops there (breadth first, so the top of the tree is kept). */
  maxFiles?: number;
  /** Larger files are skipped: generated code, bundles, data. */
  maxFileBytes?: number;
  /** Bytes read in all: bounds the walk's time on a workspace of large files. */
  maxTotalBytes?: number;
  /** Longest stretch of work between two yields to the event loop. */
  sliceMs?: number;
}

/** Where a definition lies; its text is read from the file when asked for (readDefinition). */
export interface WorkspaceDefinition {
  name: string;
  file: string;
  /** UTF-16 offsets of the definition node. */
  startIndex: number;
  endIndex: number;
  /** 0-based lines, inclusive. */
  startLine: number;
  endLine: number;
}

export interface WorkspaceIndexStats {
  files: number;
  definitions: number;
  /** Source files not indexed: too large, unreadable, over the parse limit, or past a bound. */
  skipped: number;
  /** Duration of the first walk, or time so far while it runs. */
  ms: number;
}

interface IndexedFile {
  /** Length of the text indexed: a read that differs means the offsets are stale. */
  chars: number;
  names: string[];
}

/**
 * Parsing one file in all, yields not counted: past it the file is skipped. A 1 MB TypeScript file
 * takes ~250-400 ms on a busy 2-core machine.
 */
const MAX_PARSE_MS = 2_000;
/**
 * The definitions query over one file is synchronous (it cannot resume like a parse): past this
 * it is cancelled and the file skipped. Reading out the matches found costs another ~1.4x the
 * query's time (~8 µs a match in all here), so 8 ms holds the event loop ~20 ms at worst, for
 * ~1,300 definitions in a file.
 */
const MAX_QUERY_MS = 8;
/** Files whose text is kept for readDefinition: lookups of one request hit a few files, often again at the next. */
const TEXT_CACHE_FILES = 16;

/**
 * The named definitions of every source file in the workspace folders, built in the background:
 * the walk and the parses work in slices of `sliceMs` with a yield to the event loop between
 * them, so that typing never waits more than a slice (plus one file's definitions query, at most
 * MAX_QUERY_MS). Only locations are kept (~100 bytes a definition), no trees and no text.
 * Editor-agnostic: the caller forwards saves, creations and deletions (fileChanged/fileDeleted).
 */
export class WorkspaceIndex {
  /** Resolves when the first walk has ended (or the index was disposed). */
  readonly ready: Promise<void>;
  readonly roots: string[];
  private readonly files = new Map<string, IndexedFile>();
  private readonly byName = new Map<string, WorkspaceDefinition[]>();
  private readonly pending = new Map<string, 'changed' | 'deleted'>();
  private readonly walker: WorkspaceFiles;
  private readonly parser = new BackgroundParser();
  private readonly texts = new LRUCache<string, string>({ max: TEXT_CACHE_FILES });
  /** The workspace has C++ sources: its `.h` headers are C++ (languageOfFile). */
  private cppProject = false;
  /** Headers indexed as C that a C++ source would make C++: indexed again when the first one turns up. */
  private readonly cHeaders = new Set<string>();
  private readonly log: (message: string) => void;
  private readonly maxFiles: number;
  private readonly maxFileBytes: number;
  private readonly maxTotalBytes: number;
  private readonly sliceMs: number;
  private walk: AsyncGenerator<string> | undefined;
  private running: Promise<void> | undefined;
  private started = 0;
  private walkMs: number | undefined;
  private bytesRead = 0;
  private definitionCount = 0;
  private skipped = 0;
  private sliceEnd = 0;
  private disposed = false;
  private resolveReady!: () => void;

  constructor(options: WorkspaceIndexOptions) {
    this.roots = options.roots.map((r) => path.resolve(r));
    this.walker = new WorkspaceFiles(this.roots);
    this.log = options.log ?? (() => {});
    this.maxFiles = options.maxFiles ?? 20_000;
    this.maxFileBytes = options.maxFileBytes ?? 1_000_000;
    this.maxTotalBytes = options.maxTotalBytes ?? 256_000_000;
    this.sliceMs = options.sliceMs ?? 8;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /** Starts the first walk (once). */
  start(): void {
    if (this.walk || this.started || this.disposed) return;
    this.started = performance.now();
    this.walk = this.walker.walk(() => this.disposed || this.files.size >= this.maxFiles || this.bytesRead >= this.maxTotalBytes);
    this.kick();
  }

  /** A file was saved, created or changed on disk: it is indexed again soon, before the walk goes on. */
  fileChanged(fsPath: string): void {
    if (path.basename(fsPath) === '.gitignore') this.walker.forgetRules(path.dirname(fsPath));
    this.pending.set(fsPath, 'changed');
    this.kick();
  }

  /** A file or folder was deleted: its definitions go. */
  fileDeleted(fsPath: string): void {
    this.pending.set(fsPath, 'deleted');
    this.kick();
  }

  /** Stops the walk at its next step and frees everything; `ready` resolves. */
  dispose(): void {
    this.disposed = true;
    void this.walk?.return(undefined);
    this.finishWalk();
    this.files.clear();
    this.byName.clear();
    this.texts.clear();
    this.cHeaders.clear();
    this.pending.clear();
    // A parse in flight stops at its next yield; the parser goes once it has.
    void (this.running ?? Promise.resolve()).then(() => this.parser.dispose());
  }

  stats(): WorkspaceIndexStats {
    return { files: this.files.size, definitions: this.definitionCount, skipped: this.skipped, ms: this.walkMs ?? (this.started ? performance.now() - this.started : 0) };
  }

  /** Definitions named `name`, in no particular order. */
  lookup(name: string): readonly WorkspaceDefinition[] {
    return this.byName.get(name) ?? [];
  }

  /**
   * A definition's text, read from its file (cut like open documents' definitions); undefined if
   * the file is gone or changed since it was indexed (it is then indexed again).
   */
  async readDefinition(def: WorkspaceDefinition): Promise<string | undefined> {
    let text = this.texts.get(def.file);
    if (text === undefined) {
      text = await fs.promises.readFile(def.file, 'utf8').catch(() => undefined);
      if (text === undefined) return undefined;
      this.texts.set(def.file, text);
    }
    if (text.length !== this.files.get(def.file)?.chars) {
      this.fileChanged(def.file);
      return undefined;
    }
    return definitionText(text, def.startIndex, def.endIndex);
  }

  /** Runs the work loop unless it runs already; it ends when the walk is done and no change is pending. */
  private kick(): void {
    if (this.running || this.disposed || (!this.walk && this.pending.size === 0)) return;
    this.running = this.work()
      .catch((err) => this.log(`workspace index: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        this.kick();
      });
  }

  private async work(): Promise<void> {
    this.sliceEnd = performance.now() + this.sliceMs;
    while (!this.disposed) {
      const change = this.pending.entries().next().value;
      if (change) {
        this.pending.delete(change[0]);
        if (change[1] === 'deleted') this.removeDeleted(change[0]);
        else if (!(await this.walker.excluded(change[0]))) await this.index(change[0]);
      } else if (this.walk) {
        const next = await this.walk.next();
        if (next.done) {
          this.walk = undefined;
          this.finishWalk();
        } else await this.index(next.value);
      } else return;
      await this.pause();
    }
  }

  private finishWalk(): void {
    if (this.walkMs !== undefined) return;
    this.walkMs = this.started ? performance.now() - this.started : 0;
    if (!this.disposed) this.log(`workspace index: ${this.files.size} files, ${this.definitionCount} definitions, ${this.skipped} skipped, in ${this.walkMs.toFixed(0)} ms`);
    this.resolveReady();
  }

  /** Yields to the event loop once the current slice is spent, or now. */
  private async pause(now = false): Promise<void> {
    if (!now && performance.now() < this.sliceEnd) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.sliceEnd = performance.now() + this.sliceMs;
  }

  /** (Re)indexes one file; skips it past a bound, and drops what it had if it is unreadable now. */
  private async index(file: string): Promise<void> {
    if (!grammarOfFile(file)) return;
    if (!this.cppProject && languageOfFile(file) === 'cpp') {
      this.cppProject = true;
      for (const header of this.cHeaders) this.pending.set(header, 'changed');
      this.cHeaders.clear();
    }
    if (!this.files.has(file) && (this.files.size >= this.maxFiles || this.bytesRead >= this.maxTotalBytes)) {
      this.skipped++;
      return;
    }
    const stat = await fs.promises.stat(file).catch(() => undefined);
    if (!stat?.isFile()) return this.remove(file);
    if (stat.size > this.maxFileBytes) {
      this.skipped++;
      return this.remove(file);
    }
    const text = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined || this.disposed) {
      this.skipped++;
      return this.remove(file);
    }
    this.bytesRead += stat.size;
    // Minified or generated code defines nothing a prompt can use, and the tree of a 1 MB line alone holds the event loop ~35 ms to free.
    if (hasMinifiedLine(text)) {
      this.skipped++;
      return this.remove(file);
    }
    const grammar = grammarOfFile(file, { text, cppProject: this.cppProject })!;
    const query = await loadQuery(grammar, 'definitions');
    const tree = await this.parser.parse(grammar, text, { sliceMs: this.sliceMs, maxMs: MAX_PARSE_MS, yieldNow: () => this.pause(), cancelled: () => this.disposed });
    if (!tree || this.disposed) {
      if (!this.disposed) this.log(`workspace index: parsing ${file} took over ${MAX_PARSE_MS} ms; skipped`);
      this.skipped++;
      return this.remove(file);
    }
    try {
      // Parsing, querying and freeing a large tree (~35 ms for 1 MB) each hold the event loop: never two in a row.
      await this.pause(true);
      if (this.disposed) return;
      const deadline = performance.now() + MAX_QUERY_MS;
      let cancelled = false;
      const nodes = definitionNodes(query, tree, () => (cancelled ||= performance.now() > deadline));
      if (cancelled) {
        this.log(`workspace index: ${file} has too many definitions (query over ${MAX_QUERY_MS} ms); skipped`);
        this.skipped++;
        return this.remove(file);
      }
      this.remove(file);
      const names: string[] = [];
      for (const { name, node } of nodes) {
        // A copy: tree-sitter's node text can be a slice that keeps the whole file's text alive.
        const own = Buffer.from(name).toString();
        names.push(own);
        const def = { name: own, file, startIndex: node.startIndex, endIndex: node.endIndex, startLine: node.startPosition.row, endLine: node.endPosition.row };
        const list = this.byName.get(own);
        if (list) list.push(def);
        else this.byName.set(own, [def]);
      }
      this.definitionCount += names.length;
      this.files.set(file, { chars: text.length, names });
      if (grammar === 'c' && grammarOfFile(file, { cppProject: true }) === 'cpp') this.cHeaders.add(file);
      await this.pause(true);
    } finally {
      tree.delete();
    }
  }

  /** Drops a file's definitions. */
  private remove(file: string): void {
    this.texts.delete(file);
    this.cHeaders.delete(file);
    const names = this.files.get(file)?.names;
    if (!names) return;
    this.files.delete(file);
    this.definitionCount -= names.length;
    for (const name of new Set(names)) {
      const left = this.byName.get(name)!.filter((d) => d.file !== file);
      if (left.length) this.byName.set(name, left);
      else this.byName.delete(name);
    }
  }

  /** A deleted file, or each file under a deleted folder. */
  private removeDeleted(fsPath: string): void {
    if (this.files.has(fsPath)) return this.remove(fsPath);
    for (const file of [...this.files.keys()]) if (isWithin(fsPath, file)) this.remove(file);
  }
}
